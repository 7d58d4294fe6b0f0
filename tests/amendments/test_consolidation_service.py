"""edition_consolidate: adopted amendments become a new working edition."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from amendments import services
from amendments.consolidating import Resolution
from amendments.models import Amendment
from guidelines.models import Clause, Edition

pytestmark = pytest.mark.django_db
Status = Amendment.Status


@pytest.fixture
def adopt(file_amendment, ngo_user, secretariat_user):
    """File, submit, screen and adopt through the services."""

    def make(*, outcome=Status.ADOPTED, adopted_text=None, **filing):
        amendment = file_amendment(**filing)
        amendment = services.amendment_submit(
            amendment=amendment, user=ngo_user, expected_version=amendment.version
        )
        amendment = services.amendment_screen(
            amendment=amendment, user=secretariat_user, admissible=True, reason=""
        )
        return services.amendment_decide(
            amendment=amendment,
            user=secretariat_user,
            outcome=outcome,
            adopted_text=adopted_text,
            reason="Decision",
        )

    return make


def texts(edition):
    return list(edition.clauses.order_by("order").values_list("eid", "number", "text"))


def test_adopted_amendments_make_a_new_working_edition(edition, adopt, secretariat_user):
    replaced = adopt(eid="para_1", proposed_text="Parties cherish diversity.")
    amended = adopt(
        eid="para_2",
        proposed_text="A proposal the meeting changed.",
        outcome=Status.ADOPTED_AS_AMENDED,
        adopted_text="What the meeting adopted.",
    )
    inserted = adopt(
        eid="para_2", operation="insert", insert_position="after", proposed_text="New text."
    )
    before = texts(edition)
    fork, plan = services.edition_consolidate(
        base=edition, user=secretariat_user, slug="consolidated", label="Consolidated"
    )
    assert (fork.status, fork.based_on, fork.published) == ("working", edition, False)
    result = dict((eid, text) for eid, _n, text in texts(fork))
    assert result["para_1"] == "Parties cherish diversity."
    assert result["para_2"] == "What the meeting adopted."
    assert result["para_2bis"] == "New text."
    order = [eid for eid, *_ in texts(fork)]
    # After 2 and what it contains (2.1), before the next heading.
    assert order[order.index("para_2-1") + 1] == "para_2bis"
    assert order[order.index("para_2bis") + 1] == "sec_2"
    assert texts(edition) == before  # the base is untouched
    reasons = set(
        Clause.history.filter(edition_id=fork.pk).values_list("history_change_reason", flat=True)
    )
    assert {f"{replaced.number} adopted", f"{amended.number} adopted"} <= reasons
    assert f"{inserted.number} adopted" in reasons
    assert {o.state for o in plan.outcomes} == {"applied"}


def test_deleted_clause_leaves_the_clean_text(edition, adopt, secretariat_user):
    adopt(eid="para_2", operation="delete")
    fork, plan = services.edition_consolidate(
        base=edition, user=secretariat_user, slug="c", label="C"
    )
    assert "para_2" not in [eid for eid, *_ in texts(fork)]
    assert plan.deleted == ["para_2"]


def test_conflict_is_refused_until_resolved_and_nothing_is_written(
    edition, adopt, secretariat_user
):
    first = adopt(eid="para_1", proposed_text="Parties cherish diversity.")
    second = adopt(eid="para_1", proposed_text="Parties celebrate diversity.")
    with pytest.raises(ValidationError) as error:
        services.edition_consolidate(base=edition, user=secretariat_user, slug="c", label="C")
    assert error.value.code == services.CONFLICTS
    assert not Edition.objects.filter(slug="c").exists()
    fork, _plan = services.edition_consolidate(
        base=edition,
        user=secretariat_user,
        slug="c",
        label="C",
        resolutions={"para_1": Resolution(keep=second.number)},
    )
    assert dict((e, t) for e, _n, t in texts(fork))["para_1"] == "Parties celebrate diversity."
    assert first.number != second.number


def test_only_adopted_amendments_of_the_base(edition, adopt, amendment_in, secretariat_user):
    adopted = adopt(eid="para_1")
    submitted = amendment_in(Status.SUBMITTED)
    with pytest.raises(ValidationError) as error:
        services.edition_consolidate(
            base=edition,
            user=secretariat_user,
            slug="c",
            label="C",
            amendments=[adopted, submitted],
        )
    assert error.value.code == services.NOT_ADOPTED
    assert not Edition.objects.filter(slug="c").exists()


def test_only_the_secretariat_consolidates(edition, adopt, ngo_user):
    adopt(eid="para_1")
    with pytest.raises(PermissionDenied):
        services.edition_consolidate(base=edition, user=ngo_user, slug="c", label="C")
    assert not Edition.objects.filter(slug="c").exists()


def test_taken_slug_is_refused(edition, adopt, secretariat_user):
    adopt(eid="para_1")
    with pytest.raises(ValidationError):
        services.edition_consolidate(
            base=edition, user=secretariat_user, slug=edition.slug, label="C"
        )


@pytest.fixture
def seeded_adopted(secretariat_user):
    from io import StringIO

    from django.core.management import call_command

    call_command("load_seed", stdout=StringIO())
    for amendment in Amendment.objects.order_by("sequence"):
        amendment = services.amendment_screen(
            amendment=amendment, user=secretariat_user, admissible=True, reason=""
        )
        services.amendment_decide(
            amendment=amendment, user=secretariat_user, outcome="adopted", reason="19.IGC"
        )
    return Edition.objects.get(slug="og-draft-19igc-en")


def test_consolidating_the_seed(seeded_adopted, secretariat_user):
    fork, plan = services.edition_consolidate(
        base=seeded_adopted, user=secretariat_user, slug="og-consolidated", label="Consolidated"
    )
    assert texts(fork) == [
        (
            "para_1-2A",
            "1.2 A",
            Amendment.objects.get(number="A-1").proposed_text,
        ),
        ("para_2", "2", ""),
        ("para_2-1-1", "2.1.1", ""),
        ("para_2-2-1", "2.2.1", "support the development"),
        ("para_6", "6", ""),
        ("para_6-1-4", "6.1.4", ""),
    ]
    assert {o.amendment: o.state for o in plan.outcomes} == {
        "A-1": "applied",
        "A-2": "applied",
        "A-3": "applied",
    }
    assert fork.completeness == "partial"  # still only what is known


def test_amendment_on_a_clause_changed_since_filing_applies_with_fuzz(
    edition, adopt, secretariat_user
):
    from guidelines import services as clause_services

    amendment = adopt(
        eid="para_1", proposed_text="Parties recognise the richness of cultural expressions."
    )
    clause = Clause.objects.get(edition=edition, eid="para_1")
    clause_services.clause_update(
        clause=clause,
        user=secretariat_user,
        expected_version=clause.version,
        reason="Editorial",
        text="Parties recognise the diversité of all cultural expressions.",
    )
    fork, plan = services.edition_consolidate(
        base=edition, user=secretariat_user, slug="c", label="C"
    )
    (outcome,) = plan.outcomes
    assert (outcome.amendment, outcome.state) == (amendment.number, "applied with fuzz")
    assert dict((e, t) for e, _n, t in texts(fork))["para_1"] == (
        "Parties recognise the richness of all cultural expressions."
    )


def test_amendment_that_no_longer_fits_is_reported_and_not_applied(
    edition, adopt, secretariat_user
):
    from guidelines import services as clause_services

    amendment = adopt(
        eid="para_1", proposed_text="Parties recognise the richness of cultural expressions."
    )
    clause = Clause.objects.get(edition=edition, eid="para_1")
    clause_services.clause_update(
        clause=clause,
        user=secretariat_user,
        expected_version=clause.version,
        reason="Rewritten",
        text="Completely new wording about something else entirely here.",
    )
    fork, plan = services.edition_consolidate(
        base=edition, user=secretariat_user, slug="c", label="C"
    )
    (outcome,) = plan.outcomes
    assert (outcome.amendment, outcome.state) == (amendment.number, "could not apply")
    assert dict((e, t) for e, _n, t in texts(fork))["para_1"] == (
        "Completely new wording about something else entirely here."
    )


def test_a_failure_half_way_leaves_no_new_edition(edition, adopt, secretariat_user, monkeypatch):
    from guidelines import services as clause_services

    adopt(eid="para_1", proposed_text="Parties cherish diversity.")
    adopt(eid="para_2", proposed_text="Parties support skills.")
    real = clause_services.clause_update
    calls = []

    def fail_second(**kwargs):
        calls.append(kwargs["clause"].eid)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(clause_services, "clause_update", fail_second)
    clauses_before = Clause.objects.count()
    with pytest.raises(RuntimeError):
        services.edition_consolidate(base=edition, user=secretariat_user, slug="c", label="C")
    assert calls == ["para_1", "para_2"]
    assert not Edition.objects.filter(slug="c").exists()
    assert Clause.objects.count() == clauses_before


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_consolidations_of_one_base_do_not_both_commit(
    postgresql_only, edition, adopt, secretariat_user
):
    from tests.concurrency import run_together

    adopt(eid="para_1", proposed_text="Parties cherish diversity.")

    def consolidate(i: int) -> str:
        fork, _plan = services.edition_consolidate(
            base=Edition.objects.get(pk=edition.pk),
            user=secretariat_user,
            slug="consolidated",
            label=f"Consolidation {i}",
        )
        return fork.label

    results, errors = run_together(2, consolidate)
    assert len(results) == 1 and len(errors) == 1
    (error,) = errors.values()
    assert isinstance(error, ValidationError)
    assert "already exists" in " ".join(error.messages)
    assert Edition.objects.filter(slug="consolidated").count() == 1
