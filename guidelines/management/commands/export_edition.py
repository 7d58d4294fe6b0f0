from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
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
        parser.add_argument(
            "--against",
            metavar="BASE",
            help="with --format docx: the changes from edition BASE as Word tracked changes",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        edition = Edition.objects.select_related("instrument").filter(slug=options["slug"]).first()
        if edition is None:
            raise CommandError(f"No edition {options['slug']!r}.")
        content: str | bytes
        if options["against"]:
            content = self.tracked(edition, options["against"], options["format"])
        else:
            data = selectors.edition_export_data(edition=edition)
            content = FORMATS[options["format"]].write(data)
        output: Path | None = options["output"]
        if output is None:
            self.write_stdout(content, options["format"])
            return
        try:
            output.write_bytes(content.encode() if isinstance(content, str) else content)
        except OSError as exc:
            raise CommandError(f"{output}: cannot write ({exc.strerror})") from None
        self.stderr.write(f"Wrote {output}.")

    def tracked(self, edition: Edition, base_slug: str, fmt: str) -> bytes:
        if fmt != "docx":
            raise CommandError("--against needs --format docx: tracked changes are a Word feature.")
        base = Edition.objects.filter(slug=base_slug).first()
        if base is None:
            raise CommandError(f"No edition {base_slug!r}.")
        try:
            return selectors.edition_tracked_docx(base=base, edition=edition)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

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
