"""Co-signatures by other organisations; support and opposition by delegations."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from amendments import services
from amendments.models import Amendment, AmendmentSupport, CoSponsorship
from tests.amendments.conftest import state

pytestmark = pytest.mark.django_db

Stance = AmendmentSupport.Stance


# --- co-signing ------------------------------------------------------------------------


def test_another_organisation_cosigns_a_submitted_amendment(submitted, other_ngo, other_ngo_user):
    signature = services.amendment_cosign(amendment=submitted, user=other_ngo_user)
    assert list(submitted.cosponsors.all()) == [other_ngo]
    assert (signature.organisation, signature.created_by) == (other_ngo, other_ngo_user)
    record = signature.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        other_ngo_user,
        "Co-signed",
    )
    # The amendment itself did not change.
    assert Amendment.objects.get(pk=submitted.pk).version == submitted.version


def test_a_party_cosigns(submitted, party, delegate_user):
    services.amendment_cosign(amendment=submitted, user=delegate_user)
    assert list(submitted.cosponsors.all()) == [party]


@pytest.mark.parametrize("amendment_status", ["draft", "submitted"])
def test_the_proposer_cannot_cosign_its_own_amendment(
    amendment_in, ngo_colleague, amendment_status
):
    amendment = amendment_in(amendment_status)
    before = state(amendment)
    with pytest.raises(ValidationError) as error:
        services.amendment_cosign(amendment=amendment, user=ngo_colleague)
    assert error.value.code == services.COSPONSOR_IS_PROPOSER
    assert error.value.messages[0].startswith("TC proposes ")
    assert "cannot also co-sign it" in error.value.messages[0]
    assert state(amendment) == before
    assert CoSponsorship.history.count() == 0


def test_cosigning_twice_is_refused(submitted, other_ngo_user):
    services.amendment_cosign(amendment=submitted, user=other_ngo_user)
    before = state(submitted)
    with pytest.raises(ValidationError) as error:
        services.amendment_cosign(amendment=submitted, user=other_ngo_user)
    assert error.value.code == services.ALREADY_COSIGNED
    assert state(submitted) == before


def test_a_draft_cannot_be_cosigned_by_another_organisation(draft, other_ngo_user):
    with pytest.raises(PermissionDenied) as error:
        services.amendment_cosign(amendment=draft, user=other_ngo_user)
    assert str(error.value) == services.AMENDMENT_NOT_VISIBLE
    assert CoSponsorship.objects.count() == 0


@pytest.mark.parametrize("who", ["secretariat_user", "reader_user"])
def test_who_files_nothing_cosigns_nothing(request, submitted, who):
    with pytest.raises(PermissionDenied) as error:
        services.amendment_cosign(amendment=submitted, user=request.getfixturevalue(who))
    assert str(error.value) == services.NOT_ALLOWED
    assert CoSponsorship.objects.count() == 0


def test_withdrawing_a_signature_deletes_it_and_the_history_shows_it(submitted, other_ngo_user):
    signature = services.amendment_cosign(amendment=submitted, user=other_ngo_user)
    services.amendment_withdraw_signature(
        amendment=submitted, user=other_ngo_user, reason="Changed our mind."
    )
    assert submitted.cosponsors.count() == 0
    records = list(CoSponsorship.history.filter(id=signature.pk).order_by("history_id"))
    assert [(r.history_type, r.history_user, r.history_change_reason) for r in records] == [
        ("+", other_ngo_user, "Co-signed"),
        ("-", other_ngo_user, "Changed our mind."),
    ]


def test_withdrawing_a_signature_never_given_is_refused(submitted, other_ngo_user):
    with pytest.raises(ValidationError) as error:
        services.amendment_withdraw_signature(amendment=submitted, user=other_ngo_user)
    assert error.value.code == services.NOT_A_COSPONSOR


def test_signatures_close_after_screening(submitted, other_ngo_user, secretariat_user):
    services.amendment_cosign(amendment=submitted, user=other_ngo_user)
    services.amendment_screen(
        amendment=submitted, user=secretariat_user, admissible=True, reason=""
    )
    with pytest.raises(ValidationError) as error:
        services.amendment_withdraw_signature(amendment=submitted, user=other_ngo_user)
    assert error.value.code == services.CLOSED
    assert "is admissible" in error.value.messages[0]
    assert submitted.cosponsors.count() == 1


# --- support and opposition ------------------------------------------------------------


def test_a_delegation_supports_then_opposes_one_row_two_history_records(
    submitted, party, delegate_user
):
    support = services.amendment_support(
        amendment=submitted, user=delegate_user, stance=Stance.SUPPORT
    )
    assert (support.organisation, support.stance, support.user) == (
        party,
        Stance.SUPPORT,
        delegate_user,
    )
    services.amendment_support(amendment=submitted, user=delegate_user, stance=Stance.OPPOSE)
    assert list(submitted.supports.values_list("organisation", "stance")) == [
        (party.pk, Stance.OPPOSE)
    ]
    records = support.history.order_by("history_id")
    assert [(r.stance, r.history_user) for r in records] == [
        (Stance.SUPPORT, delegate_user),
        (Stance.OPPOSE, delegate_user),
    ]
    # The same stance again changes nothing.
    services.amendment_support(amendment=submitted, user=delegate_user, stance=Stance.OPPOSE)
    assert support.history.count() == 2


def test_two_delegations_take_their_own_stances(admissible, delegate_user, other_delegate_user):
    services.amendment_support(amendment=admissible, user=delegate_user, stance=Stance.SUPPORT)
    services.amendment_support(amendment=admissible, user=other_delegate_user, stance="oppose")
    assert sorted(admissible.supports.values_list("stance", flat=True)) == ["oppose", "support"]


@pytest.mark.parametrize("who", ["ngo_user", "other_ngo_user", "secretariat_user", "reader_user"])
def test_only_delegates_support(request, submitted, who):
    with pytest.raises(PermissionDenied) as error:
        services.amendment_support(
            amendment=submitted, user=request.getfixturevalue(who), stance=Stance.SUPPORT
        )
    assert str(error.value) == services.NOT_ALLOWED
    assert AmendmentSupport.objects.count() == 0


def test_an_unknown_stance_is_refused(submitted, delegate_user):
    with pytest.raises(ValidationError) as error:
        services.amendment_support(amendment=submitted, user=delegate_user, stance="abstain")
    assert error.value.code == services.STANCE_INVALID
    assert AmendmentSupport.objects.count() == 0


def test_a_draft_cannot_be_supported(draft, delegate_user):
    with pytest.raises(PermissionDenied) as error:
        services.amendment_support(amendment=draft, user=delegate_user, stance=Stance.SUPPORT)
    assert str(error.value) == services.AMENDMENT_NOT_VISIBLE


def test_withdrawing_a_stance(submitted, delegate_user):
    support = services.amendment_support(
        amendment=submitted, user=delegate_user, stance=Stance.SUPPORT
    )
    services.amendment_support_withdraw(amendment=submitted, user=delegate_user)
    assert submitted.supports.count() == 0
    last = AmendmentSupport.history.filter(id=support.pk).order_by("-history_id").first()
    assert (last.history_type, last.history_user) == ("-", delegate_user)
    with pytest.raises(ValidationError) as error:
        services.amendment_support_withdraw(amendment=submitted, user=delegate_user)
    assert error.value.code == services.NO_SUPPORT
