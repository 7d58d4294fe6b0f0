from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guidelines import services
from guidelines.importing import (
    MAX_BYTES,
    ImportFailure,
    ParsedEdition,
    decode,
    format_tree,
    parse,
    read_at_most,
)
from guidelines.models import Edition
from guidelines.wordfiles import MAX_FILE_BYTES, parse_docx


def parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from None


FORMAT_OF_SUFFIX = {".md": "md", ".markdown": "md", ".docx": "docx"}


def read(data: bytes, fmt: str) -> ParsedEdition:
    """The file's clause tree; ``ImportFailure`` when it cannot be read."""
    if fmt == "docx":
        return parse_docx(data)
    return parse(decode(data), markdown=fmt == "md")


class Command(BaseCommand):
    help = "Import an edition from a Markdown, plain-text or Word (.docx) file into clauses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--instrument", required=True, help="instrument slug")
        parser.add_argument("--edition", required=True, help="edition slug")
        parser.add_argument("--label", required=True)
        parser.add_argument("--language", required=True, choices=Edition.Language.values)
        parser.add_argument("--status", default="draft", choices=["adopted", "draft"])
        parser.add_argument("--date", type=parse_date)
        parser.add_argument(
            "--format",
            choices=["md", "text", "docx"],
            help="default: md for .md/.markdown files, docx for .docx files, text otherwise",
        )
        parser.add_argument("--published", action="store_true", help="publish the edition")
        parser.add_argument("--reason", default="", help="history reason for changed clauses")
        parser.add_argument("--dry-run", action="store_true", help="print the tree, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        fmt = options["format"] or FORMAT_OF_SUFFIX.get(path.suffix.lower(), "text")
        try:
            data = read_at_most(path, MAX_FILE_BYTES if fmt == "docx" else MAX_BYTES)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
        try:
            parsed = read(data, fmt)
        except ImportFailure as exc:
            raise CommandError(f"{path}: {exc}") from None
        for warning in parsed.warnings:
            self.stderr.write(f"{path}: warning: {warning}")
        if options["dry_run"]:
            self.stdout.write(format_tree(parsed))
            self.stdout.write(f"{len(parsed.clauses)} clauses; nothing written (--dry-run).")
            return
        try:
            result = services.edition_import(
                parsed=parsed,
                instrument_slug=options["instrument"],
                slug=options["edition"],
                label=options["label"],
                language=options["language"],
                status=options["status"],
                date=options["date"],
                published=options["published"],
                reason=options["reason"] or f"Imported from {path.name}",
            )
        except (ValidationError, PermissionDenied) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(f"{path}: {message}") from None
        if result.created:
            self.stdout.write(f"Created {result.edition.slug}: {len(result.added)} clauses.")
        elif result.unchanged:
            self.stdout.write(f"{result.edition.slug} is unchanged: nothing written.")
        else:
            self.stdout.write(
                f"Updated {result.edition.slug}: {len(result.changed)} changed, "
                f"{len(result.added)} added, {len(result.removed)} removed, "
                f"{result.moved} moved."
            )
