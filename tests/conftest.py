from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from guidelines import seed, services
from guidelines.importing import decode, parse
from guidelines.models import Edition

hypothesis_settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150
)
hypothesis_settings.register_profile("dev", deadline=None, max_examples=100)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def seed_path() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "seeds" / seed.EDITION_2017_FILE


@pytest.fixture
def seed_text(seed_path: Path) -> str:
    return decode(seed_path.read_bytes())


@pytest.fixture
def edition_2017(db, seed_text: str) -> Edition:
    result = services.edition_import(
        parsed=parse(seed_text, markdown=False),
        instrument_slug=seed.INSTRUMENT,
        slug=seed.EDITION_2017,
        label=seed.EDITION_2017_LABEL,
        language="fr",
        status=Edition.Status.ADOPTED,
        published=True,
        reason="seed",
    )
    return result.edition


@pytest.fixture
def make_edition(db):
    """Import a small text as an edition: ``make_edition("1. Foo", slug="x")``."""

    def make(
        text: str,
        *,
        slug: str = "test-draft",
        status: str = Edition.Status.DRAFT,
        published: bool = True,
        language: str = "en",
        instrument: str = "test-instrument",
    ) -> Edition:
        return services.edition_import(
            parsed=parse(text),
            instrument_slug=instrument,
            slug=slug,
            label=slug.replace("-", " ").title(),
            language=language,
            status=status,
            published=published,
            reason="test",
        ).edition

    return make


@pytest.fixture
def secretariat_user(django_user_model):
    return django_user_model.objects.create_user(
        "secretariat", password="secret-pass-123", is_staff=True
    )


@pytest.fixture
def reader_user(django_user_model):
    return django_user_model.objects.create_user("reader", password="reader-pass-123")
