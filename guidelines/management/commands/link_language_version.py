from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guidelines import services
from guidelines.models import Edition


class Command(BaseCommand):
    help = (
        "Record that an edition gives another in another language, and link their clauses "
        "by eid where both follow one numbering (else match them by hand on the clause map)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("edition", help="slug of the language version")
        parser.add_argument("--of", required=True, dest="original", help="slug of the original")

    def handle(self, *args: Any, **options: Any) -> None:
        found = {
            e.slug: e
            for e in Edition.objects.filter(slug__in=[options["edition"], options["original"]])
        }
        for slug in (options["edition"], options["original"]):
            if slug not in found:
                raise CommandError(f"No edition {slug!r}.")
        edition, original = found[options["edition"]], found[options["original"]]
        try:
            result = services.edition_link_language(user=None, edition=edition, original=original)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if result.same_numbering:
            self.stdout.write(
                f"{edition.label} is now the {edition.language} version of {original.label}: "
                f"{result.linked_by_eid} clauses linked by their identifiers."
            )
        else:
            self.stdout.write(
                f"{edition.label} is now the {edition.language} version of {original.label}. "
                "Their numberings differ: match their clauses by hand on the clause map "
                f"(/compare/{original.slug}/{edition.slug}/map/)."
            )
