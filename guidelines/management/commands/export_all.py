from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guidelines.backup import database_export
from guidelines.backup_archive import BackupError


class Command(BaseCommand):
    help = (
        "Back up the whole database (texts, histories, amendments, users with their "
        "password hashes, tokens) to one file for import_all. The file is as sensitive "
        "as the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the backup file to write (.zip)")
        parser.add_argument(
            "--force", action="store_true", help="replace FILE if it exists (atomically)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if path.exists() and not options["force"]:
            raise CommandError(f"{path} exists: choose another name, or --force to replace it.")
        if path.is_dir():
            raise CommandError(f"{path} is a directory.")
        try:
            manifest = database_export(path=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:  # a full disk, a removed directory: no file is left
            raise CommandError(f"{path}: cannot write ({exc.strerror or exc}).") from None
        rows = sum(table.rows for table in manifest.tables)
        self.stdout.write(
            f"Wrote {path}: {rows} rows in {len(manifest.tables)} tables, sha256 {manifest.sha256}."
        )
