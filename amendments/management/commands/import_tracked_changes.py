from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q

from amendments import services
from guidelines.importing import read_at_most
from guidelines.models import Edition
from guidelines.wordfiles import MAX_FILE_BYTES
from positions.models import Organisation


class DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class Command(BaseCommand):
    help = (
        "File the tracked changes of a marked-up Word file (.docx) as draft amendments of "
        "an organisation, one per changed clause; its comments become the justifications."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--edition", required=True, help="slug of the edition amended")
        parser.add_argument(
            "--organisation",
            required=True,
            help="the proposing organisation: its name, acronym or id",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list the amendments, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        edition = Edition.objects.filter(slug=options["edition"]).first()
        if edition is None:
            raise CommandError(f"No edition {options['edition']!r}.")
        organisation = self.organisation(options["organisation"])
        try:
            data = read_at_most(path, MAX_FILE_BYTES)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
        try:
            with transaction.atomic():
                result = services.amendments_from_word(
                    edition=edition,
                    data=data,
                    filename=path.name,
                    user=None,
                    proposer=organisation,
                )
                self.report(result, organisation, edition)
                if options["dry_run"]:
                    raise DryRun
        except DryRun:
            self.stdout.write("Nothing written (--dry-run).")
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from None

    def organisation(self, value: str) -> Organisation:
        lookup = Q(name__iexact=value) | Q(acronym__iexact=value)
        if value.isdigit():
            lookup |= Q(pk=int(value))
        found = list(Organisation.objects.filter(lookup)[:2])
        if len(found) != 1:
            problem = "No organisation" if not found else "More than one organisation"
            raise CommandError(f"{problem} matches {value!r}: give its exact name or its id.")
        return found[0]

    def report(
        self, result: services.WordImport, organisation: Organisation, edition: Edition
    ) -> None:
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"{len(result.amendments)} draft amendments of {organisation.name} on {edition.label}:"
        )
        for amendment in result.amendments:
            where = f" {amendment.insert_position}" if amendment.insert_position else ""
            self.stdout.write(
                f"  {amendment.get_operation_display()}{where} {amendment.clause}"
                + (" (with a justification)" if amendment.justification else "")
            )
