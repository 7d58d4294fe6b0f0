"""The amendment pages: list, new (with its live preview), detail, edit and the actions.

For each view: the success case, the outsider (404 on another organisation's draft), the
reader without the right (403; anonymous visitors are sent to log in), bad input (400
and nothing written), stale versions (409, nothing lost) and the amendment window.
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import quote

import pytest
from django.utils import timezone

from amendments import services, views
from amendments.models import Amendment, AmendmentSupport, AmendmentWindow, CoSponsorship
from guidelines import services as guideline_services
from positions import services as position_services
from positions.models import Organisation
from tests.amendments.conftest import clause_of, history_count, member, open_window, state

pytestmark = pytest.mark.django_db

S = Amendment.Status
NEW = "/amendments/new/?edition=revision-draft&clause=para_1"
BASE = "Parties recognise the diversité of cultural expressions."
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def login_url(path: str) -> str:
    return f"/accounts/login/?next={quote(path, safe='/')}"


def content(response) -> str:
    return response.content.decode()


def listed(response) -> set[int]:
    """The ids of the amendments the list page links to."""
    return {int(pk) for pk in re.findall(r'href="/amendments/(\d+)/"', content(response))}


def act(amendment: Amendment, action: str) -> str:
    return f"/amendments/{amendment.pk}/{action}/"


def reload(amendment: Amendment) -> Amendment:
    return Amendment.objects.get(pk=amendment.pk)


def nothing_filed() -> None:
    assert Amendment.objects.count() == 0
    assert Amendment.history.count() == 0


@pytest.fixture
def as_user(client, request):
    """The client logged in as the named user fixture (``None``: anonymous)."""

    def login(name: str | None):
        if name is not None:
            client.force_login(request.getfixturevalue(name))
        return client

    return login


# --- /amendments/new/ ------------------------------------------------------------------


def test_new_shows_the_clause_and_a_form_prefilled_with_its_text(client, window, ngo_user):
    client.force_login(ngo_user)
    response = client.get(NEW)
    assert response.status_code == 200
    page = content(response)
    assert "Propose an amendment to 1" in page
    assert f'<p class="clause-text" lang="en">{BASE}</p>' in page
    assert f">{BASE}</textarea>" in page
    assert 'hx-post="/amendments/preview/"' in page
    nothing_filed()


@pytest.mark.parametrize("who", ["ngo_user", "delegate_user"])
def test_new_files_a_draft_for_the_users_organisation(client, window, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.post(
        NEW,
        {
            "operation": "replace",
            "proposed_text": "Parties  cherish diversity.",
            "justification": "Plainer words.",
            "save": "1",
        },
    )
    amendment = Amendment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/amendments/{amendment.pk}/"
    assert amendment.status == S.DRAFT
    assert amendment.number == ""
    assert amendment.proposed_text == "Parties cherish diversity."
    assert amendment.justification == "Plainer words."
    assert amendment.base_text == BASE
    assert amendment.clause == clause_of(window.edition, "para_1")
    assert amendment.proposer == user.membership.organisation
    assert amendment.created_by == user
    assert history_count(amendment) == 1
    page = content(client.get(response["Location"]))
    assert "Your draft amendment is saved. Submit it when ready." in page
    assert "<h1>Draft amendment" in page


def test_new_files_an_insertion_after_the_clause(client, window, ngo_user):
    client.force_login(ngo_user)
    response = client.post(
        NEW,
        {"operation": "insert", "insert_position": "after", "proposed_text": "A new clause."},
    )
    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert (amendment.operation, amendment.insert_position) == ("insert", "after")
    assert amendment.proposed_text == "A new clause."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {"operation": "replace", "proposed_text": BASE},
            "there is nothing to amend",
            id="replace-by-the-same-text",
        ),
        pytest.param(
            {"operation": "replace", "proposed_text": f"  {BASE.replace(' ', '   ')}\n"},
            "there is nothing to amend",
            id="replace-by-the-same-text-respaced",
        ),
        pytest.param(
            {"operation": "replace", "proposed_text": ""},
            "Write the text you propose.",
            id="empty-text",
        ),
        pytest.param(
            {"operation": "replace", "proposed_text": "   \n "},
            "Write the text you propose.",
            id="blank-text",
        ),
        pytest.param(
            {"operation": "insert", "proposed_text": "A new clause."},
            "Say where the new clause goes.",
            id="insert-without-position",
        ),
        pytest.param(
            {"operation": "insert", "insert_position": "start", "proposed_text": "A new one."},
            "A new clause goes at the start of a section or an article",
            id="insert-at-the-start-of-a-paragraph",
        ),
        pytest.param(
            {"operation": "insert", "insert_position": "inside", "proposed_text": "A new one."},
            "Select a valid choice. inside is not one of the available choices.",
            id="unknown-insert-position",
        ),
        pytest.param(
            {"operation": "replace", "insert_position": "after", "proposed_text": "Other."},
            "Only an insertion says where the new clause goes.",
            id="position-for-a-replacement",
        ),
        pytest.param(
            {"operation": "delete", "proposed_text": "Something."},
            "A deletion proposes no text: leave the proposed text empty.",
            id="delete-with-text",
        ),
        pytest.param(
            {"operation": "amend", "proposed_text": "Other words."},
            "Select a valid choice. amend is not one of the available choices.",
            id="unknown-operation",
        ),
        pytest.param(
            {"proposed_text": "Other words."},
            "This field is required.",
            id="no-operation",
        ),
    ],
)
def test_new_refuses_bad_input_with_400_and_writes_nothing(client, window, ngo_user, data, message):
    client.force_login(ngo_user)
    response = client.post(NEW, {**data, "justification": "Kept <b>as typed</b>."})
    assert response.status_code == 400
    page = content(response)
    assert message in page
    assert "Kept &lt;b&gt;as typed&lt;/b&gt;." in page  # what the user typed is not lost
    nothing_filed()


@pytest.mark.parametrize(
    "query",
    ["", "?edition=revision-draft", "?clause=para_1", "?edition=&clause=para_1", "?edition=x"],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_new_without_edition_and_clause_is_400(client, window, ngo_user, query, method):
    client.force_login(ngo_user)
    response = getattr(client, method)(
        f"/amendments/new/{query}", {"operation": "delete"} if method == "post" else {}
    )
    assert response.status_code == 400
    assert "Say which edition and clause: ?edition=…&clause=…" in content(response)
    nothing_filed()


@pytest.mark.parametrize(
    "query",
    [
        "?edition=revision-draft&clause=para_99",
        "?edition=revision-draft&clause=PARA_1",
        "?edition=no-such-edition&clause=para_1",
    ],
)
def test_new_for_an_unknown_clause_or_edition_is_404(client, window, ngo_user, query):
    client.force_login(ngo_user)
    assert client.get(f"/amendments/new/{query}").status_code == 404
    response = client.post(f"/amendments/new/{query}", {"operation": "delete"})
    assert response.status_code == 404
    nothing_filed()


@pytest.mark.parametrize("who", [None, "reader_user", "ngo_user", "delegate_user"])
def test_new_on_an_unpublished_edition_is_404(make_edition, as_user, who):
    hidden = make_edition("1. Private words.", slug="hidden-draft", published=False)
    open_window(hidden)
    client = as_user(who)
    url = "/amendments/new/?edition=hidden-draft&clause=para_1"
    assert client.get(url).status_code == 404
    assert client.post(url, {"operation": "delete"}).status_code == 404
    nothing_filed()


def test_new_sends_anonymous_visitors_to_log_in(client, window):
    response = client.get(NEW)
    assert response.status_code == 302
    assert response["Location"] == login_url(NEW)
    response = client.post(NEW, {"operation": "delete"})
    assert response.status_code == 302
    assert response["Location"] == login_url(NEW)
    nothing_filed()


@pytest.mark.parametrize("who", ["secretariat_user", "admin_user", "reader_user"])
def test_new_is_403_for_who_files_no_amendment(client, window, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(NEW).status_code == 403
    response = client.post(NEW, {"operation": "replace", "proposed_text": "Other words."})
    assert response.status_code == 403
    nothing_filed()


def test_new_is_403_for_a_member_of_an_unaccredited_ngo(client, window, django_user_model):
    unaccredited = Organisation.objects.create(name="Newcomers", kind=Organisation.Kind.NGO)
    client.force_login(member(django_user_model, "newcomer", unaccredited))
    response = client.post(NEW, {"operation": "replace", "proposed_text": "Other words."})
    assert response.status_code == 403
    nothing_filed()


def test_new_on_an_adopted_edition_is_403(client, make_edition, ngo_user):
    make_edition("1. Adopted words.", slug="adopted", status="adopted")
    client.force_login(ngo_user)
    url = "/amendments/new/?edition=adopted&clause=para_1"
    assert client.get(url).status_code == 403
    assert client.post(url, {"operation": "delete"}).status_code == 403
    nothing_filed()


def test_filing_without_a_window_is_refused_with_a_clear_message(client, edition, ngo_user):
    client.force_login(ngo_user)
    response = client.post(NEW, {"operation": "replace", "proposed_text": "Other words."})
    assert response.status_code == 400
    assert (
        "Filing is closed for Revision Draft: the secretariat has not opened an amendment "
        "window for it." in content(response)
    )
    assert "Other words.</textarea>" in content(response)
    nothing_filed()


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [
        pytest.param(-3, -1, "the amendment window closed on", id="closed"),
        pytest.param(1, 3, "the amendment window opens on", id="not-yet-open"),
    ],
)
def test_filing_outside_the_window_is_refused_with_its_dates(
    client, edition, ngo_user, opens, closes, message
):
    now = timezone.now()
    window = AmendmentWindow.objects.create(
        edition=edition,
        opens_at=now + datetime.timedelta(days=opens),
        closes_at=now + datetime.timedelta(days=closes),
    )
    client.force_login(ngo_user)
    response = client.post(NEW, {"operation": "replace", "proposed_text": "Other words."})
    assert response.status_code == 400
    when = window.format(window.closes_at if opens < 0 else window.opens_at)
    assert f"Filing is closed for Revision Draft: {message} {when}." in content(response)
    assert "(Europe/Paris)" in when
    nothing_filed()


def test_no_js_preview_shows_the_change_and_writes_nothing(client, window, ngo_user):
    client.force_login(ngo_user)
    response = client.post(
        NEW,
        {
            "operation": "replace",
            "proposed_text": "Parties recognise the richness of cultural expressions.",
            "preview": "1",
        },
    )
    assert response.status_code == 200
    page = content(response)
    assert (
        '<del class="diff-del"><span class="sr-only">[deleted: </span>diversité'
        '<span class="sr-only">]</span></del>'
        '<ins class="diff-ins"><span class="sr-only">[inserted: </span>richness'
        '<span class="sr-only">]</span></ins>'
    ) in page
    assert "Parties recognise the richness of cultural expressions.</textarea>" in page
    nothing_filed()


def test_no_js_preview_escapes_the_typed_text(client, window, ngo_user):
    client.force_login(ngo_user)
    response = client.post(
        NEW,
        {
            "operation": "insert",
            "insert_position": "after",
            "proposed_text": "<script>alert(1)</script>",
            "preview": "1",
        },
    )
    assert response.status_code == 200
    page = content(response)
    assert f'<span class="sr-only">[inserted: </span>{ESCAPED_SCRIPT}' in page
    assert "<script>alert(1)" not in page
    nothing_filed()


# --- /amendments/preview/ --------------------------------------------------------------


def preview(client, **data):
    fields = {"edition": "revision-draft", "clause": "para_1", "operation": "replace"}
    return client.post("/amendments/preview/", {**fields, **data})


def test_preview_returns_the_word_diff_partial(client, window, ngo_user):
    client.force_login(ngo_user)
    response = preview(client, proposed_text="Parties recognise the richness of cultural life.")
    assert response.status_code == 200
    assert content(response).strip() == (
        "Parties recognise the "
        '<del class="diff-del"><span class="sr-only">[deleted: </span>diversité'
        '<span class="sr-only">]</span></del>'
        '<ins class="diff-ins"><span class="sr-only">[inserted: </span>richness'
        '<span class="sr-only">]</span></ins> of cultural '
        '<del class="diff-del"><span class="sr-only">[deleted: </span>expressions'
        '<span class="sr-only">]</span></del>'
        '<ins class="diff-ins"><span class="sr-only">[inserted: </span>life'
        '<span class="sr-only">]</span></ins>.'
    )
    assert "<html" not in content(response)  # a partial, not a page
    nothing_filed()


def test_preview_of_a_deletion_strikes_the_whole_clause(client, window):
    response = preview(client, operation="delete", proposed_text="")
    assert response.status_code == 200
    assert content(response).strip() == (
        f'<del class="diff-del"><span class="sr-only">[deleted: </span>{BASE}'
        '<span class="sr-only">]</span></del>'
    )


def test_preview_of_the_unchanged_text_says_so(client, window):
    response = preview(client, proposed_text=BASE)
    assert response.status_code == 200
    assert "diff-ins" not in content(response)
    assert "diff-del" not in content(response)


def test_preview_escapes_the_typed_text(client, window, ngo_user):
    client.force_login(ngo_user)
    response = preview(client, proposed_text="<script>alert(1)</script>")
    assert response.status_code == 200
    assert f'<span class="sr-only">[inserted: </span>{ESCAPED_SCRIPT}' in content(response)
    assert "<script>" not in content(response)


def test_preview_get_is_405(client, window):
    response = client.get("/amendments/preview/?edition=revision-draft&clause=para_1")
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("data", "status"),
    [
        pytest.param({"edition": ""}, 400, id="no-edition"),
        pytest.param({"operation": "amend"}, 400, id="unknown-operation"),
        pytest.param({"clause": "para_99"}, 404, id="unknown-clause"),
        pytest.param({"edition": "hidden-draft"}, 404, id="unpublished-edition"),
    ],
)
def test_preview_bad_input(client, window, make_edition, ngo_user, data, status):
    make_edition("1. Private words.", slug="hidden-draft", published=False)
    client.force_login(ngo_user)
    response = preview(client, proposed_text="Other words.", **data)
    assert response.status_code == status
    assert "Private words" not in content(response)
    nothing_filed()


# --- /amendments/<id>/ -----------------------------------------------------------------


def test_detail_of_a_submitted_amendment_is_public(client, submitted):
    response = client.get(f"/amendments/{submitted.pk}/")
    assert response.status_code == 200
    page = content(response)
    assert "Amendment A-1" in page
    assert '<span class="badge status-submitted">submitted</span>' in page
    assert "Proposed by <strong>Test Coalition</strong>" in page
    assert "Say it better." in page
    assert '<a href="/editions/revision-draft/para_1/">' in page
    assert (
        'Parties <del class="diff-del"><span class="sr-only">[deleted: </span>recognise the '
        "diversité of cultural expressions"
    ) in page
    assert '<span class="sr-only">[inserted: </span>cherish diversity' in page
    # The timeline names the organisation, never the user.
    assert "— submitted · TC · Submitted as A-1</li>" in page
    assert "What you can do" not in page  # the public acts on nothing


def test_detail_of_a_draft_shows_its_own_organisation_what_it_can_do(client, draft, ngo_colleague):
    client.force_login(ngo_colleague)
    response = client.get(f"/amendments/{draft.pk}/")
    assert response.status_code == 200
    page = content(response)
    assert "<h1>Draft amendment" in page
    assert "Amendment A-" not in page
    assert f'href="/amendments/{draft.pk}/edit/"' in page
    assert f'action="/amendments/{draft.pk}/submit/"' in page
    assert f'<input type="hidden" name="version" value="{draft.version}">' in page
    assert f'action="/amendments/{draft.pk}/withdraw/"' in page
    assert f'action="/amendments/{draft.pk}/screen/"' not in page


def test_detail_offers_the_secretariat_screening_not_editing(client, submitted, secretariat_user):
    client.force_login(secretariat_user)
    page = content(client.get(f"/amendments/{submitted.pk}/"))
    assert f'action="/amendments/{submitted.pk}/screen/"' in page
    assert f'action="/amendments/{submitted.pk}/recommend/"' in page
    assert f'action="/amendments/{submitted.pk}/decide/"' not in page  # not admissible yet
    assert f'href="/amendments/{submitted.pk}/edit/"' not in page
    assert f'action="/amendments/{submitted.pk}/withdraw/"' not in page


def test_detail_escapes_the_proposed_text_and_the_justification(client, file_amendment, ngo_user):
    amendment = file_amendment(
        proposed_text="<script>alert(1)</script> Parties cherish diversity.",
        justification='<script>alert(2)</script> <img src=x onerror="alert(3)">',
    )
    services.amendment_submit(amendment=amendment, user=ngo_user, expected_version=1)
    page = content(client.get(f"/amendments/{amendment.pk}/"))
    assert ESCAPED_SCRIPT in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(3)&quot;&gt;" in page
    assert "<script>" not in page
    assert "<img" not in page


def test_detail_of_an_unknown_amendment_is_404(client, db):
    assert client.get("/amendments/999999/").status_code == 404


def test_detail_post_is_405(client, submitted):
    assert client.post(f"/amendments/{submitted.pk}/").status_code == 405


# --- the outsider: another organisation's draft does not exist for them -----------------

ACTION_DATA = {
    "submit": {"version": "1"},
    "withdraw": {"version": "1", "reason": "No longer needed."},
    "cosign": {},
    "unsign": {},
    "screen": {"admissible": "1"},
    "recommend": {"recommendation": "Adopt it."},
    "decide": {"outcome": "adopted", "reason": "Decision 19.IGC 7."},
    "support": {"stance": "support"},
    "unsupport": {},
    "no-such-action": {},
}
OUTSIDER_REQUESTS = [
    ("get", "/amendments/{pk}/", {}),
    ("get", "/amendments/{pk}/edit/", {}),
    (
        "post",
        "/amendments/{pk}/edit/",
        {"proposed_text": "Hijacked.", "justification": "", "version": "1"},
    ),
    *(("post", "/amendments/{pk}/" + action + "/", data) for action, data in ACTION_DATA.items()),
]


@pytest.mark.parametrize(
    ("method", "url", "data"),
    OUTSIDER_REQUESTS,
    ids=[f"{m} {u.replace('{pk}', 'id')}" for m, u, _d in OUTSIDER_REQUESTS],
)
@pytest.mark.parametrize(
    "who",
    [None, "reader_user", "other_ngo_user", "delegate_user", "secretariat_user", "admin_user"],
)
def test_another_organisations_draft_is_404_for_every_view_and_action(
    as_user, draft, who, method, url, data
):
    before = state(draft)
    client = as_user(who)
    response = getattr(client, method)(url.format(pk=draft.pk), data)
    assert response.status_code == 404
    assert state(draft) == before
    assert reload(draft).proposed_text == "Parties cherish diversity."


# --- /amendments/<id>/edit/ ------------------------------------------------------------


def test_edit_shows_the_draft_in_a_form_with_its_version(client, draft, ngo_user):
    client.force_login(ngo_user)
    response = client.get(f"/amendments/{draft.pk}/edit/")
    assert response.status_code == 200
    page = content(response)
    assert ">\nParties cherish diversity.</textarea>" in page
    assert ">\nSay it better.</textarea>" in page
    assert '<input type="hidden" name="version" value="1">' in page


def test_edit_saves_the_draft_with_a_new_version_and_history(client, draft, ngo_colleague):
    client.force_login(ngo_colleague)
    response = client.post(
        f"/amendments/{draft.pk}/edit/",
        {"proposed_text": "Parties treasure diversity.", "justification": "Warmer.", "version": 1},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/amendments/{draft.pk}/"
    fresh = reload(draft)
    assert (fresh.proposed_text, fresh.justification) == ("Parties treasure diversity.", "Warmer.")
    assert fresh.version == 2
    assert history_count(draft) == 2
    assert Amendment.history.filter(id=draft.pk).latest("history_id").history_user == ngo_colleague
    page = content(client.get(response["Location"]))
    assert "The draft is saved." in page
    assert "treasure" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {"proposed_text": "", "justification": "x", "version": "1"},
            "Write the text you propose.",
            id="empty-text",
        ),
        pytest.param(
            {"proposed_text": "New words.", "justification": "x"},
            "The form was incomplete: reload the page.",
            id="no-version",
        ),
        pytest.param(
            {"proposed_text": "New words.", "justification": "x", "version": "one"},
            "The form was incomplete: reload the page.",
            id="bad-version",
        ),
    ],
)
def test_edit_refuses_bad_input_with_400_and_writes_nothing(client, draft, ngo_user, data, message):
    before = state(draft)
    client.force_login(ngo_user)
    response = client.post(f"/amendments/{draft.pk}/edit/", data)
    assert response.status_code == 400
    assert message in content(response)
    assert state(draft) == before


def test_edit_with_a_stale_version_is_409_and_loses_nothing(client, draft, ngo_user, ngo_colleague):
    client.force_login(ngo_user)
    form = content(client.get(f"/amendments/{draft.pk}/edit/"))
    assert '<input type="hidden" name="version" value="1">' in form
    # Meanwhile a colleague saves the draft.
    services.amendment_update(
        amendment=draft,
        user=ngo_colleague,
        expected_version=1,
        proposed_text="The colleague's words.",
        justification="Theirs.",
    )
    before = state(draft)
    response = client.post(
        f"/amendments/{draft.pk}/edit/",
        {"proposed_text": "My own words.", "justification": "Mine.", "version": "1"},
    )
    assert response.status_code == 409
    page = content(response)
    assert "changed by someone else since you opened it" in page
    assert "you read version 1, it is now at version 2" in page
    assert "The colleague&#x27;s words." in page  # the saved text, shown
    assert ">\nMy own words.</textarea>" in page  # the user's text, kept in the form
    assert '<input type="hidden" name="version" value="2">' in page
    assert state(draft) == before
    assert reload(draft).proposed_text == "The colleague's words."
    # Having read the current version, the user may now save on purpose.
    response = client.post(
        f"/amendments/{draft.pk}/edit/",
        {"proposed_text": "My own words.", "justification": "Mine.", "version": "2"},
    )
    assert response.status_code == 302
    assert reload(draft).proposed_text == "My own words."


def test_edit_of_a_submitted_amendment_is_refused(client, submitted, ngo_user):
    before = state(submitted)
    client.force_login(ngo_user)
    assert client.get(f"/amendments/{submitted.pk}/edit/").status_code == 403
    response = client.post(
        f"/amendments/{submitted.pk}/edit/",
        {"proposed_text": "Changed after submission.", "justification": "", "version": "2"},
    )
    assert response.status_code == 403
    assert state(submitted) == before


@pytest.mark.parametrize("who", ["delegate_user", "other_ngo_user", "secretariat_user"])
def test_edit_of_someone_elses_amendment_is_403(client, submitted, request, who):
    before = state(submitted)
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/amendments/{submitted.pk}/edit/").status_code == 403
    data = {"proposed_text": "Hijacked.", "justification": "", "version": "2"}
    assert client.post(f"/amendments/{submitted.pk}/edit/", data).status_code == 403
    assert state(submitted) == before


def test_edit_of_a_delegations_draft_by_another_delegation_is_404(
    client, file_amendment, delegate_user, other_delegate_user
):
    party_draft = file_amendment(user=delegate_user)
    client.force_login(other_delegate_user)
    assert client.get(f"/amendments/{party_draft.pk}/edit/").status_code == 404


def test_a_member_whose_organisation_lost_its_accreditation_may_not_edit(
    client, draft, ngo, ngo_user
):
    ngo.accredited = False
    ngo.save()
    before = state(draft)
    client.force_login(ngo_user)
    assert client.get(f"/amendments/{draft.pk}/").status_code == 200  # still theirs to read
    assert client.get(f"/amendments/{draft.pk}/edit/").status_code == 403
    data = {"proposed_text": "Other words.", "justification": "", "version": "1"}
    assert client.post(f"/amendments/{draft.pk}/edit/", data).status_code == 403
    assert client.post(act(draft, "submit"), {"version": "1"}).status_code == 403
    assert state(draft) == before


def test_edit_sends_anonymous_visitors_to_log_in(client, submitted):
    url = f"/amendments/{submitted.pk}/edit/"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == login_url(url)


# --- submit ----------------------------------------------------------------------------


def test_submit_numbers_the_amendment_and_freezes_its_text(client, draft, ngo_user):
    client.force_login(ngo_user)
    response = client.post(act(draft, "submit"), {"version": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/amendments/{draft.pk}/"
    fresh = reload(draft)
    assert (fresh.status, fresh.number, fresh.version) == (S.SUBMITTED, "A-1", 2)
    assert fresh.submitted_at is not None
    page = content(client.get(response["Location"]))
    assert "Submitted as A-1. Its text is now frozen." in page
    assert "Amendment A-1" in page
    assert f'href="/amendments/{draft.pk}/edit/"' not in page
    assert f'action="/amendments/{draft.pk}/submit/"' not in page
    # Frozen: the edit page is refused and the text stays.
    assert client.get(f"/amendments/{draft.pk}/edit/").status_code == 403
    data = {"proposed_text": "Afterthought.", "justification": "", "version": "2"}
    assert client.post(f"/amendments/{draft.pk}/edit/", data).status_code == 403
    assert reload(draft).proposed_text == "Parties cherish diversity."
    # Now public: anyone reads it with its number.
    client.logout()
    assert "Amendment A-1" in content(client.get(f"/amendments/{draft.pk}/"))


def test_the_second_submission_is_a_2(client, file_amendment, ngo_user):
    first, second = file_amendment(), file_amendment(eid="para_3")
    client.force_login(ngo_user)
    client.post(act(second, "submit"), {"version": "1"})
    client.post(act(first, "submit"), {"version": "1"})
    assert reload(second).number == "A-1"
    assert reload(first).number == "A-2"
    assert "Amendment A-2" in content(client.get(f"/amendments/{first.pk}/"))


def test_submit_with_a_stale_version_is_409_and_loses_nothing(
    client, draft, ngo_user, ngo_colleague
):
    services.amendment_update(
        amendment=draft,
        user=ngo_colleague,
        expected_version=1,
        proposed_text="The colleague's words.",
        justification="",
    )
    before = state(draft)
    client.force_login(ngo_user)
    response = client.post(act(draft, "submit"), {"version": "1"})
    assert response.status_code == 409
    page = content(response)
    assert "changed by someone else since you opened it" in page
    assert "Nothing was saved: reload the amendment, then try again." in page
    assert "colleague" in page  # the page shows the text as it now stands
    assert '<input type="hidden" name="version" value="2">' in page
    assert state(draft) == before
    assert reload(draft).number == ""


def test_submit_without_a_version_is_400(client, draft, ngo_user):
    before = state(draft)
    client.force_login(ngo_user)
    response = client.post(act(draft, "submit"), {})
    assert response.status_code == 400
    assert "The form was incomplete: reload the page." in content(response)
    assert state(draft) == before


def test_submit_after_the_window_closed_is_refused(client, draft, window, ngo_user):
    now = timezone.now()
    window.opens_at, window.closes_at = now - datetime.timedelta(days=3), now
    window.save()
    before = state(draft)
    client.force_login(ngo_user)
    response = client.post(act(draft, "submit"), {"version": "1"})
    assert response.status_code == 400
    assert "Filing is closed for Revision Draft: the amendment window closed on" in content(
        response
    )
    assert state(draft) == before


def test_submitting_twice_is_refused(client, submitted, ngo_user):
    before = state(submitted)
    client.force_login(ngo_user)
    response = client.post(act(submitted, "submit"), {"version": str(submitted.version)})
    assert response.status_code == 400
    assert "A-1 cannot go from submitted to submitted." in content(response)
    assert state(submitted) == before


# --- withdraw --------------------------------------------------------------------------


def test_withdraw_keeps_the_number_and_shows_the_reason(client, submitted, ngo_colleague):
    client.force_login(ngo_colleague)
    response = client.post(
        act(submitted, "withdraw"), {"version": str(submitted.version), "reason": "Superseded."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/amendments/{submitted.pk}/"
    fresh = reload(submitted)
    assert (fresh.status, fresh.number) == (S.WITHDRAWN, "A-1")
    page = content(client.get(response["Location"]))
    assert "The amendment is withdrawn." in page
    assert '<span class="badge status-withdrawn">withdrawn</span>' in page
    assert "— withdrawn · TC · Superseded.</li>" in page


def test_a_withdrawn_draft_stays_private(client, draft, ngo_user, other_ngo_user):
    client.force_login(ngo_user)
    response = client.post(act(draft, "withdraw"), {"version": "1", "reason": "Not now."})
    assert response.status_code == 302
    assert reload(draft).status == S.WITHDRAWN
    client.force_login(other_ngo_user)
    assert client.get(f"/amendments/{draft.pk}/").status_code == 404


def test_withdraw_without_a_reason_is_400(client, submitted, ngo_user):
    before = state(submitted)
    client.force_login(ngo_user)
    response = client.post(act(submitted, "withdraw"), {"version": "2", "reason": "  "})
    assert response.status_code == 400
    assert "Say why the amendment is withdrawn." in content(response)
    assert state(submitted) == before


def test_withdraw_with_a_stale_version_is_409_and_keeps_the_reason(
    client, draft, ngo_user, ngo_colleague
):
    services.amendment_submit(amendment=draft, user=ngo_colleague, expected_version=1)
    before = state(draft)
    client.force_login(ngo_user)
    # The user read the draft (version 1) before the colleague submitted it.
    response = client.post(act(draft, "withdraw"), {"version": "1", "reason": "Wrong clause."})
    assert response.status_code == 409
    page = content(response)
    assert "A-1 was changed by someone else since you opened it" in page
    assert 'value="Wrong clause."' in page  # the typed reason is still in the form
    assert '<input type="hidden" name="version" value="2">' in page
    assert state(draft) == before
    assert reload(draft).status == S.SUBMITTED


@pytest.mark.parametrize("who", ["other_ngo_user", "delegate_user", "secretariat_user"])
def test_withdraw_by_another_organisation_is_403(client, submitted, request, who):
    before = state(submitted)
    client.force_login(request.getfixturevalue(who))
    response = client.post(act(submitted, "withdraw"), {"version": "2", "reason": "Mine now."})
    assert response.status_code == 403
    assert state(submitted) == before


# --- cosign and unsign -----------------------------------------------------------------


def test_cosign_then_unsign(client, submitted, other_ngo, other_ngo_user):
    client.force_login(other_ngo_user)
    response = client.post(act(submitted, "cosign"))
    assert response.status_code == 302
    assert response["Location"] == f"/amendments/{submitted.pk}/"
    assert list(submitted.cosponsors.all()) == [other_ngo]
    page = content(client.get(response["Location"]))
    assert "Your organisation co-signs this amendment." in page
    assert "co-sponsored by Other Federation" in page
    assert f'action="/amendments/{submitted.pk}/unsign/"' in page
    response = client.post(act(submitted, "unsign"))
    assert response.status_code == 302
    assert not submitted.cosponsors.exists()
    page = content(client.get(response["Location"]))
    assert "signature is withdrawn." in page
    assert "co-sponsored by" not in page


@pytest.mark.parametrize(
    ("action", "who", "message"),
    [
        pytest.param("cosign", "ngo_user", "TC proposes A-1: it cannot also co-sign it.", id="own"),
        pytest.param("unsign", "other_ngo_user", "OF does not co-sign A-1.", id="unsign-unsigned"),
    ],
)
def test_cosign_and_unsign_refusals_are_400(client, submitted, request, action, who, message):
    before = state(submitted)
    client.force_login(request.getfixturevalue(who))
    response = client.post(act(submitted, action))
    assert response.status_code == 400
    assert message in content(response)
    assert state(submitted) == before


def test_cosigning_twice_is_400(client, submitted, other_ngo_user):
    client.force_login(other_ngo_user)
    client.post(act(submitted, "cosign"))
    response = client.post(act(submitted, "cosign"))
    assert response.status_code == 400
    assert "OF already co-signs A-1." in content(response)
    assert CoSponsorship.objects.count() == 1


# --- screen, recommend, decide ---------------------------------------------------------


def test_screen_admissible(client, submitted, secretariat_user):
    client.force_login(secretariat_user)
    response = client.post(act(submitted, "screen"), {"admissible": "1", "reason": ""})
    assert response.status_code == 302
    assert reload(submitted).status == S.ADMISSIBLE
    page = content(client.get(response["Location"]))
    assert "Screened: admissible." in page
    assert f'action="/amendments/{submitted.pk}/decide/"' in page


def test_screen_inadmissible_shows_the_reason(client, submitted, secretariat_user):
    client.force_login(secretariat_user)
    response = client.post(
        act(submitted, "screen"), {"admissible": "0", "reason": "Outside the <mandate>."}
    )
    assert response.status_code == 302
    fresh = reload(submitted)
    assert (fresh.status, fresh.inadmissibility_reason) == (
        S.INADMISSIBLE,
        "Outside the <mandate>.",
    )
    client.logout()
    page = content(client.get(f"/amendments/{submitted.pk}/"))
    assert "Why it is inadmissible" in page
    assert "Outside the &lt;mandate&gt;." in page


def test_screen_inadmissible_without_a_reason_is_400_and_keeps_the_choice(
    client, submitted, secretariat_user
):
    before = state(submitted)
    client.force_login(secretariat_user)
    response = client.post(act(submitted, "screen"), {"admissible": "0", "reason": ""})
    assert response.status_code == 400
    page = content(response)
    assert "Say why the amendment is inadmissible." in page
    # The form comes back as filled in: "inadmissible" still chosen, not "admissible".
    assert '<option value="0" selected>inadmissible</option>' in page
    assert state(submitted) == before


def test_screen_with_a_bad_value_is_400(client, submitted, secretariat_user):
    before = state(submitted)
    client.force_login(secretariat_user)
    response = client.post(act(submitted, "screen"), {"admissible": "maybe"})
    assert response.status_code == 400
    assert "Choose admissible or inadmissible." in content(response)
    assert state(submitted) == before


def test_recommend(client, submitted, secretariat_user):
    client.force_login(secretariat_user)
    response = client.post(
        act(submitted, "recommend"), {"recommendation": "Adopt it.", "outcome": "adopted"}
    )
    assert response.status_code == 302
    fresh = reload(submitted)
    assert (fresh.recommendation, fresh.recommended_outcome) == ("Adopt it.", "adopted")
    client.logout()
    page = content(client.get(f"/amendments/{submitted.pk}/"))
    assert "Adopt it. <strong>(adopt)</strong>" in page


def test_recommend_without_a_text_is_400(client, submitted, secretariat_user):
    before = state(submitted)
    client.force_login(secretariat_user)
    response = client.post(act(submitted, "recommend"), {"recommendation": "", "outcome": ""})
    assert response.status_code == 400
    assert "Write the recommendation." in content(response)
    assert state(submitted) == before


def test_decide_adopted(client, admissible, secretariat_user):
    client.force_login(secretariat_user)
    response = client.post(
        act(admissible, "decide"), {"outcome": "adopted", "reason": "Decision 19.IGC 7."}
    )
    assert response.status_code == 302
    fresh = reload(admissible)
    assert fresh.status == S.ADOPTED
    assert fresh.decided_at is not None
    page = content(client.get(response["Location"]))
    assert "Decision recorded: adopted." in page
    assert "Decision 19.IGC 7." in page


def test_decide_adopted_as_amended_shows_the_adopted_text(client, admissible, secretariat_user):
    client.force_login(secretariat_user)
    response = client.post(
        act(admissible, "decide"),
        {
            "outcome": "adopted_as_amended",
            "adopted_text": "Parties value diversity.",
            "reason": "Decision 19.IGC 7.",
        },
    )
    assert response.status_code == 302
    fresh = reload(admissible)
    assert (fresh.status, fresh.adopted_text) == (S.ADOPTED_AS_AMENDED, "Parties value diversity.")
    page = content(client.get(response["Location"]))
    assert "As adopted" in page
    assert "value diversity" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {"outcome": "adopted_as_amended", "adopted_text": "", "reason": "Decision 7."},
            "Adopted as amended: give the text that was adopted.",
            id="as-amended-without-text",
        ),
        pytest.param(
            {
                "outcome": "adopted_as_amended",
                "adopted_text": "Parties cherish diversity.",
                "reason": "Decision 7.",
            },
            "The adopted text is the proposed text: record the amendment as adopted.",
            id="as-amended-unchanged",
        ),
        pytest.param(
            {"outcome": "adopted", "reason": ""},
            "Say what the decision rests on",
            id="no-reason",
        ),
        pytest.param(
            {"outcome": "approved", "reason": "Decision 7."},
            "Choose the decision.",
            id="unknown-outcome",
        ),
    ],
)
def test_decide_bad_input_is_400_and_writes_nothing(
    client, admissible, secretariat_user, data, message
):
    before = state(admissible)
    client.force_login(secretariat_user)
    response = client.post(act(admissible, "decide"), data)
    assert response.status_code == 400
    assert message in content(response)
    assert state(admissible) == before


def test_decide_before_screening_is_400(client, submitted, secretariat_user):
    before = state(submitted)
    client.force_login(secretariat_user)
    response = client.post(act(submitted, "decide"), {"outcome": "adopted", "reason": "D 7."})
    assert response.status_code == 400
    assert "A-1 cannot go from submitted to adopted." in content(response)
    assert state(submitted) == before


# --- support and unsupport -------------------------------------------------------------


def test_support_then_oppose_then_withdraw_the_stance(client, submitted, party, delegate_user):
    client.force_login(delegate_user)
    response = client.post(act(submitted, "support"), {"stance": "support"})
    assert response.status_code == 302
    assert AmendmentSupport.objects.get(amendment=submitted, organisation=party).stance == "support"
    page = content(client.get(response["Location"]))
    assert "stance is recorded." in page
    assert "<li>Testland: supports</li>" in page
    client.post(act(submitted, "support"), {"stance": "oppose"})
    assert AmendmentSupport.objects.get(amendment=submitted).stance == "oppose"
    response = client.post(act(submitted, "unsupport"))
    assert response.status_code == 302
    assert not AmendmentSupport.objects.exists()
    page = content(client.get(response["Location"]))
    assert "stance is withdrawn." in page
    assert "No delegation has taken a stance yet." in page


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        pytest.param("support", {"stance": "abstain"}, "Choose support or oppose.", id="stance"),
        pytest.param("unsupport", {}, "Testland has not taken a stance on A-1.", id="no-stance"),
    ],
)
def test_support_bad_input_is_400(client, submitted, delegate_user, action, data, message):
    before = state(submitted)
    client.force_login(delegate_user)
    response = client.post(act(submitted, action), data)
    assert response.status_code == 400
    assert message in content(response)
    assert state(submitted) == before


# --- the reader without the right: 403; anonymous: log in; unknown action: 400 -----------


@pytest.mark.parametrize(
    ("action", "who"),
    [
        ("screen", "ngo_user"),
        ("screen", "delegate_user"),
        ("screen", "reader_user"),
        ("recommend", "ngo_user"),
        ("recommend", "delegate_user"),
        ("decide", "ngo_user"),
        ("decide", "delegate_user"),
        ("support", "ngo_user"),
        ("support", "other_ngo_user"),
        ("support", "secretariat_user"),
        ("support", "reader_user"),
        ("unsupport", "ngo_user"),
        ("cosign", "secretariat_user"),
        ("cosign", "admin_user"),
        ("cosign", "reader_user"),
        ("unsign", "secretariat_user"),
        ("submit", "other_ngo_user"),
        ("withdraw", "reader_user"),
    ],
)
def test_an_action_without_the_right_is_403_and_writes_nothing(
    client, request, admissible, action, who
):
    before = state(admissible)
    client.force_login(request.getfixturevalue(who))
    response = client.post(act(admissible, action), ACTION_DATA[action])
    assert response.status_code == 403
    assert state(admissible) == before


@pytest.mark.parametrize("action", [a for a in ACTION_DATA if a != "no-such-action"])
def test_an_action_sends_anonymous_visitors_to_log_in(client, submitted, action):
    before = state(submitted)
    response = client.post(act(submitted, action), ACTION_DATA[action])
    assert response.status_code == 302
    assert response["Location"] == login_url(f"/amendments/{submitted.pk}/")
    assert state(submitted) == before


@pytest.mark.parametrize("who", [None, "ngo_user", "secretariat_user"])
def test_an_unknown_action_is_400(as_user, submitted, who):
    before = state(submitted)
    response = as_user(who).post(act(submitted, "approve"), {"version": "2"})
    assert response.status_code == 400
    assert "Unknown action." in content(response)
    assert state(submitted) == before


def test_an_action_by_get_is_405(client, submitted, ngo_user):
    client.force_login(ngo_user)
    assert client.get(act(submitted, "withdraw")).status_code == 405


# --- /amendments/ ----------------------------------------------------------------------


def test_list_shows_the_public_submitted_amendments_never_drafts(client, submitted, draft):
    response = client.get("/amendments/")
    assert response.status_code == 200
    page = content(response)
    assert listed(response) == {submitted.pk}
    assert f'<a href="/amendments/{submitted.pk}/">A-1</a>' in page
    assert '<a href="/editions/revision-draft/para_1/">1</a>' in page
    assert "<td>TC</td>" in page
    assert "1 amendment" in page


def test_list_shows_an_organisation_its_own_drafts_only(
    client, submitted, draft, file_amendment, ngo_colleague, other_ngo_user, secretariat_user
):
    other_draft = file_amendment(user=other_ngo_user)
    client.force_login(ngo_colleague)
    response = client.get("/amendments/")
    assert listed(response) == {submitted.pk, draft.pk}
    assert f'<a href="/amendments/{draft.pk}/">draft</a>' in content(response)
    client.force_login(other_ngo_user)
    assert listed(client.get("/amendments/")) == {submitted.pk, other_draft.pk}
    client.force_login(secretariat_user)
    assert listed(client.get("/amendments/")) == {submitted.pk}


@pytest.fixture
def spread(make_edition, file_amendment, ngo_user, other_ngo_user, secretariat_user):
    """Five submitted amendments, each the only one to match one filter."""
    second = make_edition("1. Only one clause.", slug="second-draft")
    open_window(second)

    def submit(amendment, user):
        return services.amendment_submit(amendment=amendment, user=user, expected_version=1)

    made = {
        "admissible": submit(file_amendment(), ngo_user),
        "other_org": submit(file_amendment(user=other_ngo_user), other_ngo_user),
        "delete": submit(file_amendment(operation=Amendment.Operation.DELETE), ngo_user),
        "para_3": submit(file_amendment(eid="para_3"), ngo_user),
        "second": submit(file_amendment(edition=second), ngo_user),
    }
    services.amendment_screen(
        amendment=made["admissible"], user=secretariat_user, admissible=True, reason=""
    )
    return made


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("edition", "second-draft", "second"),
        ("organisation", "other_ngo", "other_org"),
        ("clause", "para_3", "para_3"),
        ("status", "admissible", "admissible"),
        ("operation", "delete", "delete"),
    ],
)
def test_list_filters_are_applied_and_kept_in_the_form(
    client, request, spread, key, value, expected
):
    if key == "organisation":
        value = str(request.getfixturevalue(value).pk)
    response = client.get("/amendments/", {key: value})
    assert response.status_code == 200
    assert listed(response) == {spread[expected].pk}
    page = content(response)
    kept = (
        f'name="{key}" value="{value}"' if key == "clause" else f'<option value="{value}" selected>'
    )
    assert kept in page


def test_list_filters_combine(client, spread, ngo):
    response = client.get(
        "/amendments/",
        {"edition": "revision-draft", "organisation": ngo.pk, "status": "submitted"},
    )
    assert response.status_code == 200
    assert listed(response) == {spread["delete"].pk, spread["para_3"].pk}


@pytest.mark.parametrize(
    "query",
    [
        {"status": "pending"},
        {"operation": "amend"},
        {"organisation": "999999"},
        {"organisation": "abc"},
        {"edition": "no-such-edition"},
        {"edition": "hidden-draft"},  # unpublished: not a choice for the public
        {"edition": "og-adopted"},  # adopted editions take no amendments
        {"sort": "proposer"},
    ],
    ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()),
)
def test_list_with_a_bad_filter_value_is_400(client, submitted, make_edition, query):
    make_edition("1. Private words.", slug="hidden-draft", published=False)
    make_edition("1. Adopted words.", slug="og-adopted", status="adopted")
    response = client.get("/amendments/", query)
    assert response.status_code == 400
    assert "Select a valid choice." in content(response)
    assert listed(response) == set()


def test_list_filter_choices_exclude_what_the_user_cannot_read(
    client, submitted, make_edition, secretariat_user
):
    make_edition("1. Private words.", slug="hidden-draft", published=False)
    assert 'value="hidden-draft"' not in content(client.get("/amendments/"))
    client.force_login(secretariat_user)
    assert 'value="hidden-draft"' in content(client.get("/amendments/"))


def test_list_is_paginated_and_the_pages_keep_the_filters(
    client, monkeypatch, file_amendment, ngo_user, draft
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for eid in ("para_1", "para_2", "para_2-1", "para_3", "para_1"):
        amendment = file_amendment(eid=eid)
        services.amendment_submit(amendment=amendment, user=ngo_user, expected_version=1)
    client.force_login(ngo_user)
    seen: list[set[int]] = []
    for number in (1, 2, 3):
        response = client.get("/amendments/", {"status": "submitted", "page": number})
        assert response.status_code == 200
        page = content(response)
        assert f"Page {number} of 3" in page
        assert "5 amendments" in page
        if number < 3:
            assert f'href="?status=submitted&amp;page={number + 1}"' in page
        if number > 1:
            assert f'href="?status=submitted&amp;page={number - 1}"' in page
        seen.append(listed(response))
    assert [len(rows) for rows in seen] == [2, 2, 1]
    every = set().union(*seen)
    assert len(every) == 5
    assert draft.pk not in every  # the status filter holds on every page


def test_list_out_of_range_page_shows_the_last(client, monkeypatch, submitted):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    response = client.get("/amendments/", {"page": "99"})
    assert response.status_code == 200
    assert listed(response) == {submitted.pk}


def test_list_escapes_what_users_wrote(client, window, django_user_model):
    crafty = Organisation.objects.create(
        name="<script>alert(1)</script>", kind=Organisation.Kind.NGO, accredited=True
    )
    user = member(django_user_model, "crafty", crafty)
    amendment = services.amendment_create(
        user=user,
        edition=window.edition,
        clause=clause_of(window.edition),
        operation="replace",
        proposed_text="<script>alert(2)</script>",
        justification="<script>alert(3)</script>",
    )
    services.amendment_submit(amendment=amendment, user=user, expected_version=1)
    page = content(client.get("/amendments/"))
    assert f"<td>{ESCAPED_SCRIPT}</td>" in page
    assert "<script>" not in page


LIST_QUERIES = {
    # the filter form's two choice lists (editions, organisations), the count, the page,
    # its co-sponsors
    None: 5,
    # and the session, the user, the user's organisation and the header's count of
    # unread notifications
    "ngo_user": 9,
}


@pytest.mark.parametrize("who", [None, "ngo_user"], ids=["anonymous", "ngo"])
def test_list_query_count_does_not_grow_with_the_amendments(
    as_user, django_assert_num_queries, file_amendment, ngo_user, other_ngo_user, who
):
    def add(count: int) -> None:
        for n in range(count):
            amendment = file_amendment(eid=("para_1", "para_2", "para_3")[n % 3])
            services.amendment_submit(amendment=amendment, user=ngo_user, expected_version=1)
            services.amendment_cosign(amendment=amendment, user=other_ngo_user)
            file_amendment()  # a draft too: visible to its organisation, not to the public

    client = as_user(who)
    add(3)
    with django_assert_num_queries(LIST_QUERIES[who]):
        response = client.get("/amendments/")
    assert len(listed(response)) == (6 if who else 3)
    assert content(response).count("<td>OF</td>") == 3
    add(30)
    with django_assert_num_queries(LIST_QUERIES[who]):
        response = client.get("/amendments/")
    # The organisation also sees its 33 drafts, after the numbered ones: a full page of 50.
    assert f"{66 if who else 33} amendments" in content(response)
    assert len(listed(response)) == (50 if who else 33)
    assert content(response).count("<td>OF</td>") == 33


# --- the clause page -------------------------------------------------------------------


@pytest.fixture
def clause_page(submitted, draft, file_amendment, other_ngo_user, ngo, window):
    """On para_1: a submitted amendment (A-1), a draft of ``ngo``, a draft of ``other_ngo``
    and a position of ``ngo``."""
    other_draft = file_amendment(user=other_ngo_user)
    paper = position_services.paper_import(
        text="We say: diversity must be named plainly.",
        organisations=[ngo],
        title="Our paper",
        language="en",
    ).paper
    position_services.position_create(
        paper=paper,
        stance="amend",
        summary="Name diversity plainly",
        excerpt="diversity must be named plainly",
        links=[(clause_of(window.edition), "It names diversity.")],
    )
    return {"submitted": submitted, "draft": draft, "other_draft": other_draft}


CLAUSE_URL = "/editions/revision-draft/para_1/"
PROPOSE = '<a class="button" href="/amendments/new/?edition=revision-draft&amp;clause=para_1">'


def test_clause_page_lists_the_visible_amendments_and_the_positions(client, clause_page, ngo_user):
    client.force_login(ngo_user)
    response = client.get(CLAUSE_URL)
    assert response.status_code == 200
    page = content(response)
    assert f'<a href="/amendments/{clause_page["submitted"].pk}/">A-1</a>' in page
    assert f'<a href="/amendments/{clause_page["draft"].pk}/">draft</a>' in page
    assert f'href="/amendments/{clause_page["other_draft"].pk}/"' not in page
    assert "Other Federation" not in page
    assert "Name diversity plainly" in page
    assert "diversity must be named plainly" in page
    assert "It names diversity." in page


@pytest.mark.parametrize("who", [None, "reader_user", "secretariat_user"])
def test_clause_page_shows_others_only_the_submitted_amendments(as_user, clause_page, who):
    page = content(as_user(who).get(CLAUSE_URL))
    assert f'<a href="/amendments/{clause_page["submitted"].pk}/">A-1</a>' in page
    assert f'href="/amendments/{clause_page["draft"].pk}/"' not in page
    assert f'href="/amendments/{clause_page["other_draft"].pk}/"' not in page
    assert "Name diversity plainly" in page


@pytest.mark.parametrize(
    ("who", "offered"),
    [
        (None, False),
        ("reader_user", False),
        ("ngo_user", True),
        ("other_ngo_user", True),
        ("delegate_user", True),
        ("secretariat_user", False),
        ("admin_user", False),
    ],
)
def test_clause_page_offers_to_propose_an_amendment_to_who_may_file(as_user, window, who, offered):
    response = as_user(who).get(CLAUSE_URL)
    assert response.status_code == 200
    assert (PROPOSE in content(response)) is offered


def test_clause_page_of_an_adopted_edition_offers_no_amendment(client, make_edition, ngo_user):
    make_edition("1. Adopted words.", slug="adopted", status="adopted")
    client.force_login(ngo_user)
    response = client.get("/editions/adopted/para_1/")
    assert response.status_code == 200
    assert "Propose an amendment" not in content(response)


def test_clause_page_warns_when_an_amendments_base_is_stale(
    client, submitted, window, secretariat_user
):
    guideline_services.clause_update(
        clause=clause_of(window.edition),
        user=secretariat_user,
        expected_version=1,
        reason="Typo",
        text="Parties recognise the diversity of cultural expressions.",
    )
    page = content(client.get(f"/amendments/{submitted.pk}/"))
    assert "The clause has changed since this amendment was filed" in page


def test_clause_page_names_no_user(client, window, django_user_model, secretariat):
    clerk = member(django_user_model, "jdupont", secretariat)
    guideline_services.clause_update(
        clause=clause_of(window.edition),
        user=clerk,
        expected_version=1,
        reason="Typo",
        text="Parties recognise the diversity of cultural expressions.",
    )
    page = content(client.get(CLAUSE_URL))
    assert "<td>Typo</td>" in page
    assert "jdupont" not in page
    assert f"<td>{secretariat.name}</td>" in page
