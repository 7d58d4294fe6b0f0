from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amendments import auditing, selectors


class Command(BaseCommand):
    help = (
        "Walk the audit trail in order, recompute every record's hashes and links, and "
        "report the first record whose chain breaks (exit status 1), or OK."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=2000,
            help="records read from the database at a time (memory stays bounded)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        head = selectors.audit_head()
        result = auditing.verify_chain(
            self.records(options["chunk_size"]),
            head_sequence=head[0] if head is not None else None,
            head_hash=head[1] if head is not None else None,
        )
        if result.ok and head is None and result.count:
            # Without its head, records removed from the end of the chain would not show.
            raise CommandError(
                f"Audit trail broken after record {result.count} (head-missing): the chain's "
                f"head row is missing. Records verified: {result.count}; the last hash is "
                f"{result.last_hash}."
            )
        if not result.ok:
            raise CommandError(
                f"Audit trail broken at record {result.broken_sequence} ({result.problem}): "
                f"{result.detail}. Records verified before it: {result.count}; the last "
                f"good hash is {result.last_hash}."
            )
        self.stdout.write(f"Audit trail OK: {result.count} records, last hash {result.last_hash}.")

    def records(self, chunk_size: int) -> Iterator[auditing.StoredRecord]:
        for row in selectors.audit_records().iterator(chunk_size=chunk_size):
            yield auditing.StoredRecord(*row)
