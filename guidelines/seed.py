"""The seed data: what the real source documents say, and nothing more (DESIGN.md)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

SEEDS = Path(settings.BASE_DIR) / "fixtures" / "seeds"
INSTRUMENT = "og-digital"
INSTRUMENT_TITLE = (
    "Operational Guidelines on the Implementation of the Convention in the Digital Environment"
)
INSTRUMENT_BODY = "Conference of Parties to the 2005 Convention"
EDITION_2017 = "og-2017-fr"
EDITION_2017_FILE = "004_fde7dfc43fcf38f8.txt"
EDITION_2017_LABEL = "2017 Operational Guidelines (FR)"
EDITION_2017_SOURCE = (
    "Approved by the Conference of Parties at its sixth session (2017), Resolution 6.CP 11; "
    "French text from fixtures/seeds/004_fde7dfc43fcf38f8.txt."
)
