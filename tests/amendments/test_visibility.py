"""Who sees which amendment: selectors, predicates, and the list's query count."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from amendments import selectors, services
from amendments.models import Amendment
from amendments.selectors import AmendmentFilters
from guidelines import permissions
from guidelines.models import Edition
from tests.amendments.conftest import clause_of, open_window

pytestmark = pytest.mark.django_db

S = Amendment.Status


@pytest.fixture
def amendments(amendment_in, file_amendment, ngo_user, other_ngo_user):
    """One amendment in each status (proposed by ``ngo``), another organisation's draft,
    and a draft of ``ngo`` withdrawn before submission."""
    made = {status: amendment_in(status) for status in S.values}
    made["other_draft"] = file_amendment(user=other_ngo_user)
    withdrawn_draft = file_amendment()
    made["withdrawn_draft"] = services.amendment_withdraw(
        amendment=withdrawn_draft, user=ngo_user, expected_version=1, reason="No."
    )
    return made


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_public_sees_submitted_and_later_never_drafts(amendments):
    public = ids(selectors.amendments_visible_to(AnonymousUser()))
    expected = {a.pk for key, a in amendments.items() if key in S.values and key != S.DRAFT}
    assert public == expected
    assert amendments[S.DRAFT].pk not in public
    assert amendments["withdrawn_draft"].pk not in public


def test_the_organisations_members_also_see_its_drafts(amendments, ngo_colleague):
    visible = ids(selectors.amendments_visible_to(ngo_colleague))
    assert amendments[S.DRAFT].pk in visible
    assert amendments["withdrawn_draft"].pk in visible
    assert amendments["other_draft"].pk not in visible


@pytest.mark.parametrize("who", ["other_ngo_user", "secretariat_user", "delegate_user"])
def test_another_organisations_draft_is_invisible(request, amendments, who):
    user = request.getfixturevalue(who)
    draft = amendments[S.DRAFT]
    assert draft.pk not in ids(selectors.amendments_visible_to(user))
    assert not permissions.can_view_amendment(user, draft)
    with pytest.raises(Http404):
        selectors.amendment_get(pk=draft.pk, user=user)


def test_amendment_get_returns_a_visible_one(amendments, reader_user):
    submitted = amendments[S.SUBMITTED]
    assert selectors.amendment_get(pk=submitted.pk, user=reader_user) == submitted
    with pytest.raises(Http404):
        selectors.amendment_get(pk=10**9, user=reader_user)


@pytest.mark.parametrize(
    "who",
    [
        "anonymous",
        "reader_user",
        "ngo_user",
        "other_ngo_user",
        "delegate_user",
        "secretariat_user",
        "admin_user",
    ],
)
def test_the_predicate_and_the_queryset_agree(request, amendments, edition, who):
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    visible = ids(Amendment.objects.visible_to(user))
    for amendment in Amendment.objects.all():
        assert permissions.can_view_amendment(user, amendment) == (amendment.pk in visible)


def test_amendments_of_an_unpublished_edition_are_hidden_with_it(
    submitted, edition, ngo_user, secretariat_user
):
    Edition.objects.filter(pk=edition.pk).update(published=False)
    assert not selectors.amendments_visible_to(AnonymousUser()).exists()
    assert not selectors.amendments_visible_to(ngo_user).exists()
    assert ids(selectors.amendments_visible_to(secretariat_user)) == {submitted.pk}


def test_predicates_keep_viewing_and_acting_apart(amendments, ngo_user, other_ngo_user):
    submitted = amendments[S.SUBMITTED]
    # Can view, may not act: the view answers 403.
    assert permissions.can_view_amendment(other_ngo_user, submitted)
    assert not permissions.can_edit_amendment(other_ngo_user, submitted)
    assert not permissions.can_withdraw_amendment(other_ngo_user, submitted)
    assert permissions.can_cosign_amendment(other_ngo_user, submitted)
    assert not permissions.can_cosign_amendment(ngo_user, submitted)
    # Cannot view: the view answers 404, and no other predicate says yes.
    draft = amendments[S.DRAFT]
    for predicate in (
        permissions.can_edit_amendment,
        permissions.can_submit_amendment,
        permissions.can_withdraw_amendment,
        permissions.can_cosign_amendment,
        permissions.can_screen_amendment,
        permissions.can_decide_amendment,
        permissions.can_support_amendment,
    ):
        assert not predicate(other_ngo_user, draft)


def test_can_file_amendment(edition, make_edition, ngo_user, delegate_user, secretariat_user):
    adopted = make_edition("1. In force.", slug="in-force", status="adopted")
    hidden = make_edition("1. Hidden.", slug="hidden", published=False)
    assert permissions.can_file_amendment(ngo_user, edition)
    assert permissions.can_file_amendment(delegate_user, edition)
    assert not permissions.can_file_amendment(secretariat_user, edition)
    assert not permissions.can_file_amendment(AnonymousUser(), edition)
    assert not permissions.can_file_amendment(ngo_user, adopted)
    assert not permissions.can_file_amendment(ngo_user, hidden)


def test_list_filters(amendments, window, ngo, other_ngo, ngo_user, make_edition, file_amendment):
    other_edition = make_edition("1. Other.", slug="other-edition")
    open_window(other_edition)
    elsewhere = file_amendment(edition=other_edition, proposed_text="Changed.")
    deletion = file_amendment(eid="para_2", operation=Amendment.Operation.DELETE)

    def listed(**filters):
        return ids(selectors.amendment_list(user=ngo_user, filters=AmendmentFilters(**filters)))

    assert listed(edition="other-edition") == {elsewhere.pk}
    assert listed(status=S.ADOPTED) == {amendments[S.ADOPTED].pk}
    assert listed(proposer=other_ngo.pk) == set()  # its only amendment is a draft
    assert amendments["other_draft"].pk not in listed()
    assert listed(operation=Amendment.Operation.DELETE) == {deletion.pk}
    para_2 = clause_of(window.edition, "para_2")
    assert listed(clause=para_2.pk) == {deletion.pk}
    assert listed(edition="revision-draft", status=S.DRAFT) == {
        amendments[S.DRAFT].pk,
        deletion.pk,
    }


def test_list_is_in_number_order_with_drafts_last(amendments, ngo_user):
    listed = list(selectors.amendment_list(user=ngo_user))
    numbers = [a.sequence for a in listed]
    numbered = [n for n in numbers if n is not None]
    assert numbered == sorted(numbered)
    assert numbers[len(numbered) :] == [None] * (len(numbers) - len(numbered))


def render_rows(amendments):
    return [
        (
            a.number,
            a.edition.label,
            a.clause.number,
            str(a.proposer),
            [str(c.organisation) for c in a.cosponsorships.all()],
        )
        for a in amendments
    ]


def test_list_query_count_does_not_grow_with_rows(
    django_assert_num_queries, submitted, amendment_in, other_ngo_user, delegate_user
):
    services.amendment_cosign(amendment=submitted, user=other_ngo_user)
    services.amendment_support(amendment=submitted, user=delegate_user, stance="support")
    # One query for the rows, one for the co-sponsors (what a list row shows).
    with django_assert_num_queries(2):
        assert len(render_rows(selectors.amendment_list(user=AnonymousUser()))) == 1
    for status in (S.SUBMITTED, S.ADMISSIBLE):
        amendment = amendment_in(status)
        if status == S.SUBMITTED:
            services.amendment_cosign(amendment=amendment, user=other_ngo_user)
        services.amendment_support(amendment=amendment, user=delegate_user, stance="oppose")
    amendment_in(S.ADOPTED)
    amendment_in(S.REJECTED)
    with django_assert_num_queries(2):
        assert len(render_rows(selectors.amendment_list(user=AnonymousUser()))) == 5


# --- what the clause and amendment pages read --------------------------------------------


def test_amendments_of_clause_are_the_visible_ones_of_that_clause(
    amendments, window, ngo_user, other_ngo_user, file_amendment
):
    para_1 = clause_of(window.edition, "para_1")
    elsewhere = file_amendment(eid="para_3")
    of_clause = selectors.amendments_of_clause(clause=para_1, user=other_ngo_user)
    assert elsewhere not in of_clause
    assert amendments["other_draft"] in of_clause
    assert amendments[S.DRAFT] not in of_clause
    assert [a.number for a in of_clause if a.number] == sorted(
        (a.number for a in of_clause if a.number), key=lambda n: int(n[2:])
    )
    public = selectors.amendments_of_clause(clause=para_1, user=AnonymousUser())
    assert all(a.is_public for a in public)


def test_amendment_page_names_organisations_and_the_users_own_stance(
    submitted, other_ngo_user, delegate_user, secretariat_user, party, other_ngo
):
    services.amendment_cosign(amendment=submitted, user=other_ngo_user)
    support = services.amendment_support(amendment=submitted, user=delegate_user, stance="support")
    services.amendment_screen(
        amendment=submitted, user=secretariat_user, admissible=False, reason="Off topic."
    )
    page = selectors.amendment_page(amendment=submitted, user=delegate_user)
    assert [c.organisation for c in page["cosponsors"]] == [other_ngo]
    assert page["supports"] == [support]
    assert (page["user_support"], page["user_cosigned"]) == (support, False)
    assert selectors.amendment_page(amendment=submitted, user=other_ngo_user)["user_cosigned"]
    timeline = page["timeline"]
    assert [(e.status, e.organisation, e.reason) for e in timeline] == [
        ("draft", "TC", "Filed as a draft"),
        ("submitted", "TC", "Submitted as A-1"),
        ("inadmissible", "Secretariat of the Convention", "Off topic."),
    ]
    anonymous = selectors.amendment_page(amendment=submitted, user=AnonymousUser())
    assert (anonymous["user_support"], anonymous["user_cosigned"]) == (None, False)
