"""load_seed: exactly the honest seed of DESIGN.md, and nothing more; idempotent."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from guidelines import seed
from guidelines.models import Clause, Edition
from positions.models import Organisation, Position, PositionLink, PositionPaper

pytestmark = pytest.mark.django_db

DRAFT_TEXTS = {
    "1.2": "right [...] to use AI in the name of artistic freedom",
    "2": "",
    "2.1.1": "",
    "2.2.1": "support the development",
    "2.2.3": "",
    "6": "",
    "6.1.4": "",
}


def load_seed() -> str:
    out = StringIO()
    call_command("load_seed", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    """Everything the seed writes, to compare two runs."""
    return {
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "papers": list(PositionPaper.objects.order_by("pk").values()),
        "authors": list(
            PositionPaper.organisations.through.objects.order_by("pk").values_list(
                "positionpaper_id", "organisation_id"
            )
        ),
        "positions": list(Position.objects.order_by("pk").values()),
        "links": list(PositionLink.objects.order_by("pk").values()),
        "editions": list(Edition.objects.order_by("pk").values()),
        "clauses": list(Clause.objects.order_by("pk").values()),
        "history": Clause.history.count(),
    }


@pytest.fixture
def seeded() -> str:
    return load_seed()


def test_load_seed_creates_the_four_organisations(seeded):
    rows = Organisation.objects.order_by("name").values_list(
        "name", "acronym", "kind", "accredited"
    )
    assert list(rows) == [
        ("International Federation of Coalitions for Cultural Diversity", "IFCCD", "ngo", True),
        (
            "Joint Advocacy signatories (civil society organisations)",
            "Joint Advocacy",
            "ngo",
            True,
        ),
        ("Ministère de la Culture (France)", "", "party", True),
        ("Secretariat of the 2005 Convention", "", "secretariat", True),
    ]


def test_load_seed_stores_the_five_seeds_as_papers_verbatim(seeded):
    papers = {p.source_file: p for p in PositionPaper.objects.prefetch_related("organisations")}
    assert set(papers) == {
        "000_3aa536f9f6bc3136.txt",
        "001_084aae1d660916e4.txt",
        "002_7ed0869c4f97a8a2.txt",
        "003_cedcfcd2194b6b51.txt",
        "004_fde7dfc43fcf38f8.txt",
    }
    for name, paper in papers.items():
        raw = (seed.SEEDS / name).read_bytes().decode("utf-8-sig")
        assert paper.text == raw.replace("\r\n", "\n").replace("\r", "\n")
    expected = {
        "000_3aa536f9f6bc3136.txt": (seed.JOINT_ADVOCACY, "en", None, "DCE/26/19.IGC/7.b Rev"),
        "001_084aae1d660916e4.txt": (seed.IFCCD, "en", datetime.date(2025, 2, 11), "18.IGC item 7"),
        "002_7ed0869c4f97a8a2.txt": (
            seed.SECRETARIAT,
            "en",
            datetime.date(2021, 1, 5),
            "DCE/21/14.IGC/14",
        ),
        "003_cedcfcd2194b6b51.txt": (seed.FRENCH_MINISTRY, "fr", None, ""),
        "004_fde7dfc43fcf38f8.txt": (seed.SECRETARIAT, "fr", None, ""),
    }
    for name, (organisation, language, date, meeting) in expected.items():
        paper = papers[name]
        assert [o.name for o in paper.organisations.all()] == [organisation]
        assert (paper.language, paper.date, paper.meeting_reference) == (language, date, meeting)
        # The title is the document's own words (the concept note's, gathered from its
        # heading lines).
        if name != "002_7ed0869c4f97a8a2.txt":
            assert paper.title in paper.text
    concept_note = papers["002_7ed0869c4f97a8a2.txt"]
    for words in concept_note.title.split(": ", 1)[1].split(", "):
        assert words.lower() in concept_note.text.lower()


def test_load_seed_creates_the_partial_draft_with_only_the_cited_provisions(seeded):
    draft = Edition.objects.get(slug=seed.EDITION_DRAFT)
    assert draft.instrument.slug == seed.INSTRUMENT
    assert (draft.status, draft.completeness, draft.language, draft.published) == (
        "draft",
        "partial",
        "en",
        True,
    )
    assert draft.is_partial
    assert draft.label == "Revision draft, annex of DCE/26/19.IGC/7.b Rev (partial)"
    assert "Joint Advocacy" in draft.source_citation
    assert "not available" in draft.source_citation
    clauses = list(draft.clauses.in_document_order())
    assert {c.number: c.text for c in clauses} == DRAFT_TEXTS
    assert [c.number for c in clauses] == list(DRAFT_TEXTS)
    for clause in clauses:
        assert clause.heading == ""
        assert "Known only as cited in Joint Advocacy (fixtures/seeds/000_" in clause.note
        assert "the full text of the draft is not available" in clause.note
    by_number = {c.number: c for c in clauses}
    assert by_number["2"].note.startswith("Priority domain 2")
    assert by_number["6"].note.startswith("Priority domain 6")
    assert by_number["2.2.1"].parent == by_number["2"]


def test_load_seed_leaves_the_2017_edition_as_the_importer_makes_it(seeded, seed_text):
    from guidelines.importing import parse

    edition = Edition.objects.get(slug=seed.EDITION_2017)
    assert (edition.status, edition.completeness, edition.published) == (
        "adopted",
        "complete",
        True,
    )
    parsed = parse(seed_text, markdown=False)
    rows = list(edition.clauses.in_document_order().values_list("eid", "text", "version", "note"))
    assert [(c.eid, c.text, 1, "") for c in parsed.clauses] == rows
    assert Edition.objects.count() == 2


def test_load_seed_records_the_positions_verbatim_with_their_links(seeded):
    positions = Position.objects.select_related("paper", "organisation")
    assert positions.count() == len(seed.POSITIONS) == 10
    assert PositionLink.objects.count() == 15
    for position in positions:
        assert position.excerpt
        assert position.paper.text[position.excerpt_start : position.excerpt_end] == (
            position.excerpt
        )
        assert position.paper.organisations.filter(pk=position.organisation_id).exists()
    links = {
        (p.summary[:30], p.stance): sorted(
            f"{link.clause.edition.slug}:{link.clause.number}" for link in p.links.all()
        )
        for p in positions.prefetch_related("links__clause__edition")
    }
    assert sorted(links.values()) == sorted(
        [
            [],  # ART principles: general
            ["og-draft-19igc-en:1.2"],
            ["og-draft-19igc-en:2.2.1"],
            ["og-draft-19igc-en:2.1.1", "og-draft-19igc-en:6.1.4"],
            ["og-draft-19igc-en:2.2.3"],
            ["og-2017-fr:6", "og-2017-fr:8.1"],
            ["og-2017-fr:13", "og-2017-fr:25"],
            ["og-2017-fr:22", "og-2017-fr:4"],
            ["og-2017-fr:14.2", "og-2017-fr:14.6"],
            ["og-2017-fr:16.6", "og-2017-fr:17.8"],
        ]
    )
    by_organisation = {
        name: sorted(positions.filter(organisation__name=name).values_list("stance", flat=True))
        for name in (seed.JOINT_ADVOCACY, seed.IFCCD, seed.FRENCH_MINISTRY, seed.SECRETARIAT)
    }
    assert by_organisation == {
        seed.JOINT_ADVOCACY: ["amend", "concern", "oppose", "oppose", "oppose", "support"],
        seed.IFCCD: ["support", "support"],
        seed.FRENCH_MINISTRY: ["support", "support"],
        seed.SECRETARIAT: [],
    }
    removal = positions.get(
        links__clause__edition__slug=seed.EDITION_DRAFT, links__clause__number="1.2"
    )
    assert (
        removal.excerpt
        == "This principle should therefore be removed from the Operational Guidelines."
    )
    french = positions.filter(paper__language="fr")
    assert {p.excerpt for p in french} == {
        "Les artistes, écrivains et journalistes doivent voir leur travail reconnu et rémunéré "
        "équitablement",
        "Garant de la rémunération des artistes et auteurs, il a toujours accompagné les "
        "évolutions technologiques",
    }
    for link in PositionLink.objects.all():
        assert link.rationale and "\n" not in link.rationale


def test_load_seed_twice_changes_nothing(seeded):
    before = snapshot()
    out = load_seed()
    assert snapshot() == before
    assert "og-2017-fr: unchanged, 103 clauses." in out
    assert "og-draft-19igc-en: unchanged, 7 clauses (partial), 0 notes set." in out
    assert "papers: 5 (0 created)." in out
    assert "positions: 10 (0 created), 0 links created." in out


def test_load_seed_restores_a_missing_link_and_keeps_the_rest(seeded):
    PositionLink.objects.filter(clause__number="8.1").delete()
    before = Position.objects.count()
    out = load_seed()
    assert "1 links created." in out
    assert Position.objects.count() == before
    assert PositionLink.objects.count() == 15


def test_load_seed_keeps_the_demo_secretariat_organisation(db):
    demo = Organisation.objects.create(
        name=seed.SECRETARIAT, kind=Organisation.Kind.SECRETARIAT, accredited=True
    )
    load_seed()
    assert Organisation.objects.filter(name=seed.SECRETARIAT).get() == demo
    assert demo.papers.count() == 2
