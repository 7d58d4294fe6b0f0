from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from guidelines import seed, services
from guidelines.importing import ImportFailure, decode, parse
from guidelines.models import Edition, Instrument


class Command(BaseCommand):
    help = "Load the seed data (the 2017 edition from fixtures/seeds). Idempotent."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        Instrument.objects.update_or_create(
            slug=seed.INSTRUMENT,
            defaults={"title": seed.INSTRUMENT_TITLE, "body": seed.INSTRUMENT_BODY},
        )
        path = seed.SEEDS / seed.EDITION_2017_FILE
        try:
            parsed = parse(decode(path.read_bytes()), markdown=False)
            result = services.edition_import(
                parsed=parsed,
                instrument_slug=seed.INSTRUMENT,
                slug=seed.EDITION_2017,
                label=seed.EDITION_2017_LABEL,
                language=Edition.Language.FR,
                status=Edition.Status.ADOPTED,
                source_citation=seed.EDITION_2017_SOURCE,
                published=True,
                reason=f"Imported from {path.name}",
            )
        except (ImportFailure, ValidationError, OSError) as exc:
            raise CommandError(f"{path}: {exc}") from None
        state = "created" if result.created else "unchanged" if result.unchanged else "updated"
        self.stdout.write(
            f"{seed.EDITION_2017}: {state}, {result.edition.clauses.count()} clauses."
        )
