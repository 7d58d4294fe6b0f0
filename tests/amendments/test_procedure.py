"""Submission, withdrawal, screening, recommendation and decision, one service at a time."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from amendments import services
from amendments.models import Amendment
from tests.amendments.conftest import history_count, state

pytestmark = pytest.mark.django_db

Status = Amendment.Status


def last_record(amendment):
    return Amendment.history.filter(id=amendment.pk).order_by("-history_id").first()


# --- submission ------------------------------------------------------------------------


def test_submit_numbers_freezes_and_publishes(draft, ngo_colleague):
    submitted = services.amendment_submit(amendment=draft, user=ngo_colleague, expected_version=1)
    fresh = Amendment.objects.get(pk=draft.pk)
    assert fresh.status == Status.SUBMITTED
    assert (fresh.number, fresh.sequence, fresh.version) == ("A-1", 1, 2)
    assert fresh.submitted_at is not None
    assert fresh.is_public and submitted.is_public
    record = last_record(fresh)
    assert (record.history_user, record.history_change_reason, record.status) == (
        ngo_colleague,
        "Submitted as A-1",
        Status.SUBMITTED,
    )


@pytest.mark.parametrize("who", ["other_ngo_user", "secretariat_user", "delegate_user"])
def test_others_cannot_submit_the_proposers_draft(request, draft, who):
    before = state(draft)
    with pytest.raises(PermissionDenied) as error:
        services.amendment_submit(
            amendment=draft, user=request.getfixturevalue(who), expected_version=1
        )
    # A draft is private: to them it does not exist.
    assert str(error.value) == services.AMENDMENT_NOT_VISIBLE
    assert state(draft) == before


def test_submit_with_a_stale_version_is_refused(draft, ngo_user):
    services.amendment_update(
        amendment=draft, user=ngo_user, expected_version=1, proposed_text="New.", justification=""
    )
    before = state(draft)
    with pytest.raises(services.StaleVersion):
        services.amendment_submit(amendment=draft, user=ngo_user, expected_version=1)
    assert state(draft) == before


# --- withdrawal ----------------------------------------------------------------------------


def test_withdraw_keeps_the_number_and_records_the_reason(submitted, ngo_user):
    services.amendment_withdraw(
        amendment=submitted,
        user=ngo_user,
        expected_version=submitted.version,
        reason="  We file a better one. ",
    )
    fresh = Amendment.objects.get(pk=submitted.pk)
    assert (fresh.status, fresh.number) == (Status.WITHDRAWN, "A-1")
    assert last_record(fresh).history_change_reason == "We file a better one."


def test_withdraw_needs_a_reason(submitted, ngo_user):
    before = state(submitted)
    with pytest.raises(ValidationError) as error:
        services.amendment_withdraw(
            amendment=submitted, user=ngo_user, expected_version=submitted.version, reason=" "
        )
    assert error.value.code == services.REASON_REQUIRED
    assert state(submitted) == before


@pytest.mark.parametrize("who", ["other_ngo_user", "secretariat_user", "delegate_user"])
def test_only_the_proposer_withdraws(request, submitted, who):
    before = state(submitted)
    with pytest.raises(PermissionDenied) as error:
        services.amendment_withdraw(
            amendment=submitted,
            user=request.getfixturevalue(who),
            expected_version=submitted.version,
            reason="Not ours.",
        )
    assert str(error.value) == services.NOT_ALLOWED
    assert state(submitted) == before


def test_a_withdrawn_draft_stays_private(draft, ngo_user, other_ngo_user):
    services.amendment_withdraw(amendment=draft, user=ngo_user, expected_version=1, reason="No.")
    fresh = Amendment.objects.get(pk=draft.pk)
    assert (fresh.status, fresh.number, fresh.is_public) == (Status.WITHDRAWN, "", False)
    assert not Amendment.objects.visible_to(other_ngo_user).exists()


# --- screening -------------------------------------------------------------------------------


def test_screen_admissible(submitted, secretariat_user):
    services.amendment_screen(
        amendment=submitted, user=secretariat_user, admissible=True, reason=""
    )
    fresh = Amendment.objects.get(pk=submitted.pk)
    assert (fresh.status, fresh.inadmissibility_reason) == (Status.ADMISSIBLE, "")
    record = last_record(fresh)
    assert (record.history_user, record.history_change_reason) == (
        secretariat_user,
        "Declared admissible",
    )


def test_screen_inadmissible_keeps_the_reason(submitted, secretariat_user):
    services.amendment_screen(
        amendment=submitted,
        user=secretariat_user,
        admissible=False,
        reason="Outside the mandate of the Committee.",
    )
    fresh = Amendment.objects.get(pk=submitted.pk)
    assert fresh.status == Status.INADMISSIBLE
    assert fresh.inadmissibility_reason == "Outside the mandate of the Committee."
    assert last_record(fresh).history_change_reason == "Outside the mandate of the Committee."


def test_inadmissible_needs_a_reason(submitted, secretariat_user):
    before = state(submitted)
    with pytest.raises(ValidationError) as error:
        services.amendment_screen(
            amendment=submitted, user=secretariat_user, admissible=False, reason="  "
        )
    assert error.value.code == services.REASON_REQUIRED
    assert state(submitted) == before


@pytest.mark.parametrize("who", ["ngo_user", "other_ngo_user", "delegate_user", "reader_user"])
def test_only_the_secretariat_screens(request, submitted, who):
    before = state(submitted)
    with pytest.raises(PermissionDenied) as error:
        services.amendment_screen(
            amendment=submitted, user=request.getfixturevalue(who), admissible=True, reason=""
        )
    assert str(error.value) == services.NOT_ALLOWED
    assert state(submitted) == before


def test_screen_with_a_stale_version_is_refused(submitted, secretariat_user, ngo_user):
    services.amendment_withdraw(
        amendment=submitted, user=ngo_user, expected_version=submitted.version, reason="x"
    )
    before = state(submitted)
    with pytest.raises(ValidationError) as error:
        # Withdrawn meanwhile: the transition itself is no longer possible.
        services.amendment_screen(
            amendment=submitted,
            user=secretariat_user,
            admissible=True,
            reason="",
            expected_version=submitted.version,
        )
    assert error.value.code == services.TRANSITION_NOT_ALLOWED
    assert state(submitted) == before


# --- recommendation --------------------------------------------------------------------------


def test_recommend_with_and_without_an_outcome(submitted, secretariat_user):
    services.amendment_recommend(
        amendment=submitted,
        user=secretariat_user,
        recommendation=" Consistent with the Convention. ",
        outcome=Amendment.Outcome.ADOPTED,
    )
    fresh = Amendment.objects.get(pk=submitted.pk)
    assert (fresh.recommendation, fresh.recommended_outcome, fresh.status) == (
        "Consistent with the Convention.",
        "adopted",
        Status.SUBMITTED,
    )
    services.amendment_recommend(
        amendment=submitted, user=secretariat_user, recommendation="Let the meeting decide."
    )
    fresh = Amendment.objects.get(pk=submitted.pk)
    assert (fresh.recommendation, fresh.recommended_outcome) == ("Let the meeting decide.", "")
    assert last_record(fresh).history_user == secretariat_user


@pytest.mark.parametrize(
    ("recommendation", "outcome", "code"),
    [("", None, "recommendation-required"), ("Fine.", "postpone", "outcome-invalid")],
)
def test_recommendation_refusals(submitted, secretariat_user, recommendation, outcome, code):
    before = state(submitted)
    with pytest.raises(ValidationError) as error:
        services.amendment_recommend(
            amendment=submitted,
            user=secretariat_user,
            recommendation=recommendation,
            outcome=outcome,
        )
    assert error.value.code == code
    assert state(submitted) == before


def test_only_the_secretariat_recommends(submitted, delegate_user):
    with pytest.raises(PermissionDenied):
        services.amendment_recommend(
            amendment=submitted, user=delegate_user, recommendation="Adopt it."
        )


# --- decision ------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [Status.ADOPTED, Status.REJECTED])
def test_decide(admissible, secretariat_user, outcome):
    services.amendment_decide(
        amendment=admissible, user=secretariat_user, outcome=outcome, reason="Decision 19.IGC 7"
    )
    fresh = Amendment.objects.get(pk=admissible.pk)
    assert (fresh.status, fresh.adopted_text) == (outcome, "")
    assert fresh.decided_at is not None
    record = last_record(fresh)
    assert (record.history_user, record.history_change_reason) == (
        secretariat_user,
        "Decision 19.IGC 7",
    )


def test_adopted_as_amended_keeps_the_adopted_text(admissible, secretariat_user):
    services.amendment_decide(
        amendment=admissible,
        user=secretariat_user,
        outcome=Amendment.Outcome.ADOPTED_AS_AMENDED,
        adopted_text="  Parties value   diversity. ",
        reason="Decision 19.IGC 7",
    )
    fresh = Amendment.objects.get(pk=admissible.pk)
    assert (fresh.status, fresh.adopted_text) == (
        Status.ADOPTED_AS_AMENDED,
        "Parties value diversity.",
    )
    assert fresh.proposed_text == "Parties cherish diversity."


@pytest.mark.parametrize(
    ("outcome", "adopted_text", "reason", "code"),
    [
        ("adopted_as_amended", None, "D.7", "adopted-text-required"),
        ("adopted_as_amended", "   ", "D.7", "adopted-text-required"),
        ("adopted_as_amended", " Parties  cherish diversity.", "D.7", "adopted-text-unchanged"),
        ("adopted", "Another text.", "D.7", "adopted-text-not-expected"),
        ("rejected", "Another text.", "D.7", "adopted-text-not-expected"),
        ("postponed", None, "D.7", "outcome-invalid"),
        ("withdrawn", None, "D.7", "outcome-invalid"),
        ("adopted", None, " ", "reason-required"),
    ],
)
def test_decision_refusals(admissible, secretariat_user, outcome, adopted_text, reason, code):
    before = state(admissible)
    with pytest.raises(ValidationError) as error:
        services.amendment_decide(
            amendment=admissible,
            user=secretariat_user,
            outcome=outcome,
            adopted_text=adopted_text,
            reason=reason,
        )
    assert error.value.code == code
    assert state(admissible) == before


@pytest.mark.parametrize("who", ["ngo_user", "delegate_user", "reader_user"])
def test_only_the_secretariat_decides(request, admissible, who):
    before = state(admissible)
    with pytest.raises(PermissionDenied) as error:
        services.amendment_decide(
            amendment=admissible, user=request.getfixturevalue(who), outcome="adopted", reason="x"
        )
    assert str(error.value) == services.NOT_ALLOWED
    assert state(admissible) == before


def test_decide_with_a_stale_version_is_refused(admissible, secretariat_user):
    services.amendment_recommend(
        amendment=admissible, user=secretariat_user, recommendation="Reject."
    )
    before = state(admissible)
    with pytest.raises(services.StaleVersion):
        services.amendment_decide(
            amendment=admissible,
            user=secretariat_user,
            outcome="adopted",
            reason="x",
            expected_version=admissible.version,
        )
    assert state(admissible) == before
    assert history_count(admissible) == 4


def test_reasons_of_any_length_are_kept_in_the_history(submitted, secretariat_user):
    # simple-history's default reason column holds 100 characters (PostgreSQL enforces it).
    reason = "The amendment concerns a provision outside the revision's scope. " * 8
    services.amendment_screen(
        amendment=submitted, user=secretariat_user, admissible=False, reason=reason
    )
    assert last_record(submitted).history_change_reason == reason.strip()
