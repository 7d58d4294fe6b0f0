from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guidelines import services
from guidelines.models import Edition


class Command(BaseCommand):
    help = "Propose clause correspondences between editions A and B (kept until confirmed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("a", help="slug of edition A (the earlier text)")
        parser.add_argument("b", help="slug of edition B")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs = [options["a"], options["b"]]
        editions = {e.slug: e for e in Edition.objects.filter(slug__in=slugs)}
        for slug in (options["a"], options["b"]):
            if slug not in editions:
                raise CommandError(f"No edition {slug!r}.")
        try:
            result = services.editions_align(a=editions[options["a"]], b=editions[options["b"]])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(result.kinds.items()))
        self.stdout.write(
            f"Aligned {options['a']} → {options['b']} by {result.method}: "
            f"{result.proposed} proposals ({summary or 'none'}); {result.kept} kept."
        )
