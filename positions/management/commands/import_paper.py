from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from guidelines.importing import MAX_BYTES, read_at_most
from positions import services
from positions.models import Organisation, PositionPaper


def parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from None


def find_organisation(name_or_acronym: str) -> Organisation:
    """The organisation whose name or acronym is exactly this (case-insensitive)."""
    wanted = name_or_acronym.strip()
    matches = list(Organisation.objects.filter(Q(name__iexact=wanted) | Q(acronym__iexact=wanted)))
    if len(matches) > 1:
        exact = [o for o in matches if wanted in (o.name, o.acronym)]
        if len(exact) == 1:
            return exact[0]
        names = "; ".join(o.name for o in matches)
        raise CommandError(f"--organisation {wanted!r} is ambiguous: {names}")
    if not matches:
        raise CommandError(
            f"no organisation is named {wanted!r} (give its full name or its acronym; "
            "organisations are created in the admin)"
        )
    return matches[0]


class Command(BaseCommand):
    help = "Store a position paper verbatim (UTF-8 text or Markdown). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--organisation",
            action="append",
            required=True,
            help="name or acronym of an author organisation (repeat for several)",
        )
        parser.add_argument("--title", required=True)
        parser.add_argument(
            "--date", type=parse_date, help="YYYY-MM-DD, only if the paper gives it"
        )
        parser.add_argument("--language", required=True, choices=PositionPaper.Language.values)
        parser.add_argument("--meeting", default="", help='e.g. "DCE/26/19.IGC/7.b Rev"')

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        organisations = [find_organisation(name) for name in options["organisation"]]
        try:
            data = read_at_most(path, MAX_BYTES)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
        try:
            result = services.paper_import(
                text=data,
                organisations=organisations,
                title=options["title"],
                date=options["date"],
                language=options["language"],
                meeting_reference=options["meeting"],
                source_file=path.name,
            )
        except ValidationError as exc:
            raise CommandError(f"{path}: {' '.join(exc.messages)}") from None
        paper = result.paper
        if result.created:
            self.stdout.write(f"Created paper {paper.pk}: {paper.title} ({len(paper.text)} chars).")
        else:
            self.stdout.write(f"Paper {paper.pk} is unchanged: nothing written.")
