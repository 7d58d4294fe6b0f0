"""The seed's amendments: only what the Joint Advocacy paper asks, in its own words."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from amendments.models import Amendment
from guidelines import seed
from positions.models import PositionPaper

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("load_seed", stdout=StringIO())


def paper_words() -> str:
    paper = PositionPaper.objects.get(source_file=seed.JOINT_ADVOCACY_FILE)
    return " ".join(paper.text.replace("**", "").split())


def test_three_amendments_submitted_by_the_coalition_in_the_papers_order(seeded):
    rows = list(
        Amendment.objects.filter(edition__slug=seed.EDITION_DRAFT)
        .order_by("sequence")
        .values_list("number", "operation", "insert_position", "clause__eid", "status")
    )
    assert rows == [
        ("A-1", "insert", "before", "para_1-2", "submitted"),
        ("A-2", "delete", "", "para_1-2", "submitted"),
        ("A-3", "delete", "", "para_2-2-3", "submitted"),
    ]
    assert {a.proposer.name for a in Amendment.objects.all()} == {seed.JOINT_ADVOCACY}
    assert not Amendment.objects.exclude(edition__slug=seed.EDITION_DRAFT).exists()


def test_every_word_of_the_amendments_is_the_papers(seeded):
    words = paper_words()
    for amendment in Amendment.objects.all():
        assert amendment.justification in words
    # The inserted clause is the paper's three bullets, one after the other.
    bullets = re.split(
        r"(?<=;) (?!and)|(?<=; and) ", Amendment.objects.get(number="A-1").proposed_text
    )
    assert len(bullets) == 3
    assert bullets[0].startswith("the use of protected works")
    assert bullets[2].startswith("transparency obligations are placed")
    for bullet in bullets:
        assert f"- {bullet}" in words


def test_amendments_carry_the_positions_that_ask_for_them(seeded):
    linked = {
        a.number: sorted(p.stance for p in a.positions.all()) for a in Amendment.objects.all()
    }
    assert linked == {"A-1": ["amend"], "A-2": ["oppose"], "A-3": ["oppose"]}
    a2 = Amendment.objects.get(number="A-2")
    assert a2.positions.get().excerpt == (
        "This principle should therefore be removed from the Operational Guidelines."
    )
    assert a2.base_text == "right [...] to use AI in the name of artistic freedom"


def test_seeding_twice_adds_no_amendment(seeded):
    out = StringIO()
    call_command("load_seed", stdout=out)
    assert "amendments: 3 (0 created)." in out.getvalue()
    assert Amendment.objects.count() == 3
    assert Amendment.history.count() == 3
