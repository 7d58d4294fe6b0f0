"""The make_synthetic command: generated data for tests and benchmarks."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max

from amendments.models import Amendment, AmendmentSupport
from guidelines import selectors
from guidelines.models import Clause, Edition, Instrument
from positions.models import Organisation, Position, PositionLink


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("make_synthetic", *args, stdout=out)
    return out.getvalue()


def written() -> tuple[int, ...]:
    return (
        Instrument.objects.count(),
        Edition.objects.count(),
        Clause.objects.count(),
        Clause.history.count(),
        Amendment.objects.count(),
        Amendment.history.count(),
        Organisation.objects.count(),
        Position.objects.count(),
    )


@pytest.mark.django_db
def test_writes_base_draft_history_and_amendments_in_every_status():
    out = run("--clauses", "100", "--amendments", "40", "--versions", "3")

    assert "synthetic-base and synthetic-draft, 100 clauses each" in out
    base = Edition.objects.get(slug="synthetic-base")
    draft = Edition.objects.get(slug="synthetic-draft")
    assert base.status == Edition.Status.ADOPTED and base.published
    assert draft.based_on == base and draft.status == Edition.Status.DRAFT
    assert "Synthetic" in draft.label and "Synthetic" in base.label
    assert base.clauses.count() == draft.clauses.count() == 100
    # The tree follows the numbering: paragraphs under sections, sub-paragraphs under them.
    sub = draft.clauses.get(eid="para_2-3")
    assert sub.parent is not None and sub.parent.parent is not None
    assert sub.number == "2.3" and sub.parent.eid == "para_2" and sub.parent.parent.eid == "sec_1"
    # About one numbered clause in ten reads differently in the draft.
    base_text = dict(base.clauses.values_list("eid", "text"))
    draft_text = draft.clauses.values_list("eid", "text")
    changed = [eid for eid, text in draft_text if text != base_text[eid]]
    assert 5 <= len(changed) <= 15
    # V history rows per draft clause, oldest first, the last one the clause as it is.
    assert Clause.history.filter(edition_id=draft.pk).count() == 300
    clause = draft.clauses.get(eid=changed[0])
    versions = selectors.clause_versions(clause=clause)
    assert [v.version for v in versions] == [3, 2, 1]
    assert versions[0].text == clause.text and versions[-1].text == base_text[clause.eid]
    assert versions[-1].reason == "Forked from Synthetic base"
    assert clause.version == 3
    # Amendments: every status, numbers gapless on the numbered ones, drafts unnumbered.
    amendments = Amendment.objects.filter(edition=draft)
    assert set(amendments.values_list("status", flat=True)) == set(Amendment.Status.values)
    numbered = amendments.exclude(sequence=None)
    assert sorted(n or 0 for n in numbered.values_list("sequence", flat=True)) == list(
        range(1, numbered.count() + 1)
    )
    assert all(a.number == f"A-{a.sequence}" for a in numbered)
    assert not amendments.filter(status="draft").exclude(number="").exists()
    assert amendments.values("proposer").distinct().count() == 8
    assert amendments.filter(operation="insert").exists()
    assert amendments.filter(operation="delete").exists()
    # Each amendment's history ends at its version and status.
    adopted = amendments.filter(status="adopted").first()
    assert adopted is not None and adopted.version == 3
    assert list(adopted.history.order_by("history_id").values_list("status", flat=True)) == [
        "submitted",
        "admissible",
        "adopted",
    ]
    assert Amendment.history.aggregate(m=Max("version"))["m"] == 3
    assert AmendmentSupport.objects.filter(amendment__edition=draft).exists()
    assert Position.objects.count() == 10 == PositionLink.objects.count()
    assert all(p.excerpt.startswith("Synthetic position") for p in Position.objects.all())
    assert Organisation.objects.filter(name__startswith="Synthetic").count() == 10


@pytest.mark.django_db
def test_pages_render_the_synthetic_data(client):
    run("--clauses", "50", "--amendments", "20", "--versions", "2")

    for url in (
        "/editions/synthetic-draft/",
        "/editions/synthetic-draft/para_3/",
        "/compare/synthetic-base/synthetic-draft/",
        "/amendments/?edition=synthetic-draft",
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_existing_slug_is_refused_unless_replaced():
    run("--clauses", "30", "--amendments", "8", "--versions", "2")
    before = written()

    with pytest.raises(CommandError, match="already exists: pass --replace"):
        run("--clauses", "10", "--amendments", "4")
    assert written() == before

    run("--clauses", "30", "--amendments", "8", "--versions", "2", "--replace")
    assert written() == before
    counts = Clause.objects.values("edition__slug").annotate(n=Count("pk"))
    assert {c["edition__slug"]: c["n"] for c in counts} == {
        "synthetic-base": 30,
        "synthetic-draft": 30,
    }


@pytest.mark.django_db
def test_two_slugs_live_side_by_side():
    run("--clauses", "10", "--slug", "synthetic-small")
    run("--clauses", "20", "--amendments", "4", "--slug", "synthetic-large")

    assert Edition.objects.get(slug="synthetic-small-draft").clauses.count() == 10
    assert Edition.objects.get(slug="synthetic-large-draft").clauses.count() == 20


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--clauses", "0"], "--clauses must be at least 2"),
        (["--clauses", "-5"], "--clauses must be at least 2"),
        (["--clauses", "10", "--amendments", "-1"], "--amendments must be zero or more"),
        (["--clauses", "10", "--versions", "0"], "--versions must be at least 1"),
        (["--clauses", "10", "--slug", "og-digital"], "starting with 'synthetic'"),
        (["--clauses", "10", "--slug", "synthetic bad"], "starting with 'synthetic'"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert written() == (0, 0, 0, 0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_missing_clauses_is_refused():
    with pytest.raises(CommandError, match="--clauses"):
        run("--amendments", "3")
    assert written() == (0, 0, 0, 0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_a_failure_half_way_writes_nothing(monkeypatch):
    from guidelines import synthetic

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(synthetic, "_amendments", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        run("--clauses", "20", "--amendments", "4", "--versions", "2")
    assert written() == (0, 0, 0, 0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_accents_put_words_to_fold_in_a_few_paragraphs_and_justifications():
    out = run(
        "--slug", "synthetic-accents", "--clauses", "123", "--amendments", "60",
        "--versions", "2", "--accents",
    )  # fmt: skip

    assert "123 clauses each" in out and "60 amendments" in out
    for slug in ("synthetic-accents-base", "synthetic-accents-draft"):
        accented = Clause.objects.filter(edition__slug=slug, text__contains="l'œuvre")
        # 123 clauses hold paragraphs 1 to 30: the 25th alone speaks of l'œuvre.
        assert list(accented.values_list("number", flat=True)) == ["25"]
        assert "Économie" in accented.get().text
        assert "oeuvre" in accented.get().search_text  # folded for the search
    justifications = Amendment.objects.order_by("pk").values_list("justification", flat=True)
    with_work = [n for n, text in enumerate(justifications) if "Une œuvre." in text]
    with_phrase = [n for n, text in enumerate(justifications) if "L'économie de l'œuvre" in text]
    assert with_work == [0, 10, 20, 30, 40, 50] and with_phrase == [0, 50]
    history = Clause.history.filter(edition__slug="synthetic-accents-draft", number="25")
    assert all("l'œuvre" in row.text for row in history)


@pytest.mark.django_db
def test_without_accents_no_accented_word_is_written():
    run("--clauses", "123", "--amendments", "60")

    assert not Clause.objects.filter(text__contains="œuvre").exists()
    assert not Amendment.objects.filter(justification__contains="œuvre").exists()
