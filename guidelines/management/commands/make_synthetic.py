from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guidelines.synthetic import SyntheticRefused, make_synthetic


class Command(BaseCommand):
    help = (
        "Write a generated (synthetic) negotiation for tests and benchmarks: a base "
        "edition, a draft forked from it with N clauses, M amendments, V history versions "
        "a clause. Never a real text: every slug and label says 'synthetic'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clauses", type=int, required=True, help="clauses per edition (N)")
        parser.add_argument("--amendments", type=int, default=0, help="amendments (M)")
        parser.add_argument(
            "--versions", type=int, default=1, help="history versions per draft clause (V)"
        )
        parser.add_argument(
            "--slug",
            default="synthetic",
            help="instrument slug, starting with 'synthetic'; the editions are "
            "<slug>-base and <slug>-draft",
        )
        parser.add_argument(
            "--replace", action="store_true", help="delete an earlier run of the same slug first"
        )
        parser.add_argument(
            "--accents",
            action="store_true",
            help="accented words to fold (l'œuvre, Économie) in a few clauses and "
            "justifications, for the search benchmarks",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = make_synthetic(
                slug=options["slug"],
                clauses=options["clauses"],
                amendments=options["amendments"],
                versions=options["versions"],
                replace=options["replace"],
                accents=options["accents"],
            )
        except SyntheticRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Synthetic data {summary.slugs.instrument}: {summary.slugs.base} and "
            f"{summary.slugs.draft}, {summary.clauses} clauses each ({summary.changed} "
            f"changed in the draft), {summary.history_rows} history rows, "
            f"{summary.amendments} amendments ({summary.numbered} numbered), "
            f"{summary.positions} positions, in {summary.seconds:.1f} s."
        )
