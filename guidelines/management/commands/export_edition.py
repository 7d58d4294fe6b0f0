from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guidelines import selectors
from guidelines.exporting import FORMATS
from guidelines.models import Edition


class Command(BaseCommand):
    help = "Write an edition out as JSON, Markdown, Word (docx), PDF or Akoma Ntoso XML (akn)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        edition = Edition.objects.select_related("instrument").filter(slug=options["slug"]).first()
        if edition is None:
            raise CommandError(f"No edition {options['slug']!r}.")
        export_format = FORMATS[options["format"]]
        data = selectors.edition_export_data(edition=edition)
        content = export_format.write(data)
        output: Path | None = options["output"]
        if output is None:
            self.write_stdout(content, options["format"])
            return
        try:
            output.write_bytes(content.encode() if isinstance(content, str) else content)
        except OSError as exc:
            raise CommandError(f"{output}: cannot write ({exc.strerror})") from None
        self.stderr.write(f"Wrote {output}.")

    def write_stdout(self, content: str | bytes, fmt: str) -> None:
        if isinstance(content, str):
            self.stdout.write(content, ending="")
            return
        # Word and PDF are binary: they go to a pipe or a redirection, never to a
        # terminal or a text-only stream.
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is None or self.stdout.isatty():
            raise CommandError(
                f"--format {fmt} is a binary file: give -o FILE or redirect the output."
            )
        self.stdout.flush()
        buffer.write(content)
        buffer.flush()
