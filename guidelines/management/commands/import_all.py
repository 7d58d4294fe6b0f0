from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guidelines.backup import database_import
from guidelines.backup_archive import BackupError


class Command(BaseCommand):
    help = (
        "Restore a backup made by export_all into an empty, migrated database: checked "
        "first (format, migrations, counts, checksums), then loaded in one transaction; "
        "on any error nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a backup file written by export_all")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            report = database_import(path=path)
        except BackupError as exc:
            raise CommandError(f"{exc} Nothing was written.") from None
        manifest = report.manifest
        self.stdout.write(
            f"Restored {report.rows} rows in {len(manifest.tables)} tables from {path} "
            f"(made {manifest.created_at} by Redraft {manifest.redraft}, Django {manifest.django})."
        )
