"""The status machine, exhaustively: every status against every action.

Allowed moves change the status; the others raise ``transition-not-allowed`` (naming both
statuses) and write nothing. The secretariat never sees a draft, so on a draft its
actions are refused as on a missing amendment.
"""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from amendments import services
from amendments.models import Amendment
from tests.amendments.conftest import state

pytestmark = pytest.mark.django_db

S = Amendment.Status

# action -> (who acts, the service call, the status it leads to)
ACTIONS = {
    "submit": (
        "ngo_user",
        lambda a, u: services.amendment_submit(amendment=a, user=u, expected_version=a.version),
        S.SUBMITTED,
    ),
    "withdraw": (
        "ngo_user",
        lambda a, u: services.amendment_withdraw(
            amendment=a, user=u, expected_version=a.version, reason="Withdrawn."
        ),
        S.WITHDRAWN,
    ),
    "screen_admissible": (
        "secretariat_user",
        lambda a, u: services.amendment_screen(amendment=a, user=u, admissible=True, reason=""),
        S.ADMISSIBLE,
    ),
    "screen_inadmissible": (
        "secretariat_user",
        lambda a, u: services.amendment_screen(
            amendment=a, user=u, admissible=False, reason="Off topic."
        ),
        S.INADMISSIBLE,
    ),
    "decide_adopted": (
        "secretariat_user",
        lambda a, u: services.amendment_decide(amendment=a, user=u, outcome="adopted", reason="D"),
        S.ADOPTED,
    ),
    "decide_adopted_as_amended": (
        "secretariat_user",
        lambda a, u: services.amendment_decide(
            amendment=a,
            user=u,
            outcome="adopted_as_amended",
            adopted_text="Parties treasure diversity.",
            reason="D",
        ),
        S.ADOPTED_AS_AMENDED,
    ),
    "decide_rejected": (
        "secretariat_user",
        lambda a, u: services.amendment_decide(amendment=a, user=u, outcome="rejected", reason="D"),
        S.REJECTED,
    ),
}

ALLOWED = {
    (S.DRAFT, "submit"),
    (S.DRAFT, "withdraw"),
    (S.SUBMITTED, "withdraw"),
    (S.SUBMITTED, "screen_admissible"),
    (S.SUBMITTED, "screen_inadmissible"),
    (S.ADMISSIBLE, "withdraw"),
    (S.ADMISSIBLE, "decide_adopted"),
    (S.ADMISSIBLE, "decide_adopted_as_amended"),
    (S.ADMISSIBLE, "decide_rejected"),
}

PAIRS = list(itertools.product(S.values, ACTIONS))


def test_the_table_matches_the_model():
    allowed = {(s, a) for s, a in PAIRS if ACTIONS[a][2] in Amendment.NEXT_STATUSES[s]}
    assert allowed == ALLOWED


@pytest.mark.parametrize(("from_status", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_transition(request, amendment_in, from_status, action):
    who, act, target = ACTIONS[action]
    amendment = amendment_in(from_status)
    assert amendment.status == from_status
    user = request.getfixturevalue(who)
    if (from_status, action) in ALLOWED:
        act(amendment, user)
        fresh = Amendment.objects.get(pk=amendment.pk)
        assert fresh.status == target
        assert fresh.version == amendment.version + 1
        return
    before = state(amendment)
    if from_status == S.DRAFT and who == "secretariat_user":
        with pytest.raises(PermissionDenied) as denied:
            act(amendment, user)
        assert str(denied.value) == services.AMENDMENT_NOT_VISIBLE
    else:
        with pytest.raises(ValidationError) as error:
            act(amendment, user)
        assert error.value.code == services.TRANSITION_NOT_ALLOWED
        message = error.value.messages[0]
        assert f"from {S(from_status).label} to {S(target).label}" in message
    assert state(amendment) == before


# --- what may happen without a move ----------------------------------------------------

OTHER_ACTIONS = {
    "update": (
        "ngo_user",
        lambda a, u: services.amendment_update(
            amendment=a,
            user=u,
            expected_version=a.version,
            proposed_text="Edited again.",
            justification="",
        ),
        {S.DRAFT},
        services.FROZEN,
    ),
    "cosign": (
        "other_ngo_user",
        lambda a, u: services.amendment_cosign(amendment=a, user=u),
        {S.SUBMITTED},  # a draft is invisible to other organisations
        services.CLOSED,
    ),
    "support": (
        "delegate_user",
        lambda a, u: services.amendment_support(amendment=a, user=u, stance="support"),
        {S.SUBMITTED, S.ADMISSIBLE},
        services.CLOSED,
    ),
    "recommend": (
        "secretariat_user",
        lambda a, u: services.amendment_recommend(amendment=a, user=u, recommendation="Adopt."),
        {S.SUBMITTED, S.ADMISSIBLE},
        services.CLOSED,
    ),
}

OTHER_PAIRS = list(itertools.product(S.values, OTHER_ACTIONS))


@pytest.mark.parametrize(
    ("from_status", "action"), OTHER_PAIRS, ids=[f"{s}-{a}" for s, a in OTHER_PAIRS]
)
def test_action_without_a_move(request, amendment_in, from_status, action):
    who, act, allowed, code = OTHER_ACTIONS[action]
    amendment = amendment_in(from_status)
    user = request.getfixturevalue(who)
    if from_status in allowed:
        act(amendment, user)
        assert Amendment.objects.get(pk=amendment.pk).status == from_status
        return
    before = state(amendment)
    if from_status == S.DRAFT:
        with pytest.raises(PermissionDenied) as denied:
            act(amendment, user)
        assert str(denied.value) == services.AMENDMENT_NOT_VISIBLE
    else:
        with pytest.raises(ValidationError) as error:
            act(amendment, user)
        assert error.value.code == code
        assert str(S(from_status).label) in error.value.messages[0]
    assert state(amendment) == before
