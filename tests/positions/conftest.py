from __future__ import annotations

import pytest

from guidelines.models import Edition
from positions import services
from positions.models import Organisation, PositionPaper

PAPER_TEXT = (
    "A Paper on the Draft\n"
    "\n"
    "We ask that clause 1 be deleted. Clause 2 is fine.\n"
    "We ask that clause 1 be deleted, again.\n"
    "Capacity-building matters.\n"
)


@pytest.fixture
def make_paper(db):
    """Store a paper through the service: ``make_paper(ngo, text="…")``."""

    def make(
        *organisations: Organisation,
        text: str = PAPER_TEXT,
        title: str = "A Paper on the Draft",
        language: str = "en",
    ) -> PositionPaper:
        return services.paper_import(
            text=text, organisations=list(organisations), title=title, language=language
        ).paper

    return make


@pytest.fixture
def paper(make_paper, ngo) -> PositionPaper:
    return make_paper(ngo)


@pytest.fixture
def draft(make_edition) -> Edition:
    return make_edition("1. Delete me.\n\n2. Keep me.\n\n3. Build capacity.", slug="draft")
