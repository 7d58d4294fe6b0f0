from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guidelines import selectors
from guidelines.exporting import to_json, to_markdown
from guidelines.models import Edition

WRITERS = {"json": to_json, "md": to_markdown}


class Command(BaseCommand):
    help = "Write an edition out as JSON or Markdown."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--format", required=True, choices=sorted(WRITERS))
        parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        edition = Edition.objects.select_related("instrument").filter(slug=options["slug"]).first()
        if edition is None:
            raise CommandError(f"No edition {options['slug']!r}.")
        text = WRITERS[options["format"]](selectors.edition_export_data(edition=edition))
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{output}: cannot write ({exc.strerror})") from None
        self.stderr.write(f"Wrote {output}.")
