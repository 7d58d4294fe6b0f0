"""Following editions, clauses and amendments: the follow button, the notifications (in
the header, on their page, by e-mail) and the Atom feed of an edition's amendments.

Who is told: the followers of the amendment, of its clause and of its edition (of the
instrument's editions for a new edition), once each, never the user who acted, never
about what they cannot see, never about a draft.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory
from django.utils import translation

from amendments import following, services
from amendments.context_processors import notifications as notifications_processor
from amendments.models import Amendment, Follow, Notification
from guidelines import services as guideline_services
from guidelines.importing import parse
from guidelines.models import Edition
from tests.amendments.conftest import clause_of, member

pytestmark = pytest.mark.django_db

S = Amendment.Status
V = Notification.Verb
ATOM = "{http://www.w3.org/2005/Atom}"
SCRIPT = "<script>alert(1)</script>"


def login_url(path: str) -> str:
    return f"/accounts/login/?next={quote(path, safe='/')}"


def told(verb: str | None = None) -> dict[str, list[tuple[str, str, str]]]:
    """Per username, what they were told: (verb, old status, new status), oldest first."""
    result: dict[str, list[tuple[str, str, str]]] = {}
    rows = Notification.objects.select_related("user").order_by("pk")
    for n in rows.filter(verb=verb) if verb else rows:
        result.setdefault(n.user.username, []).append((n.verb, n.old_status, n.new_status))
    return result


def logged_in(user, **headers) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


@pytest.fixture
def second_secretary(django_user_model, secretariat):
    return member(django_user_model, "second-secretary", secretariat)


@pytest.fixture
def followers(edition, draft, ngo_user, ngo_colleague, other_ngo_user, delegate_user, reader_user):
    """Everyone follows something of the draft edition: the colleague the draft itself,
    the delegate its clause, the others the edition; the proposer (the actor) too."""
    following.follow(user=ngo_colleague, target=draft)
    following.follow(user=delegate_user, target=draft.clause)
    for user in (ngo_user, other_ngo_user, reader_user):
        following.follow(user=user, target=edition)
    following.follow(user=reader_user, target=draft.clause)  # twice over: told once
    return draft


# --- the models ------------------------------------------------------------------------


def test_a_follow_has_exactly_one_target_and_is_unique(edition, ngo_user):
    clause = clause_of(edition)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=ngo_user, edition=edition, clause=clause)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=ngo_user)
    Follow.objects.create(user=ngo_user, edition=edition)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=ngo_user, edition=edition)
    Follow.objects.create(user=ngo_user, clause=clause)
    assert Follow.objects.count() == 2


def test_a_notification_stores_facts_and_writes_the_sentence_in_the_active_language(
    edition, ngo_user
):
    notification = Notification(
        user=ngo_user,
        edition=edition,
        verb=V.STATUS_CHANGED,
        amendment_number="A-3",
        old_status=S.SUBMITTED,
        new_status=S.ADMISSIBLE,
        edition_label="Revision Draft",
        url="/amendments/1/",
    )
    with translation.override("en"):
        assert (
            notification.message
            == "Amendment A-3 to Revision Draft went from submitted to admissible."
        )
    with translation.override("fr"):
        assert notification.message == (
            "L’amendement A-3 à Revision Draft est passé du statut «\u00a0soumis\u00a0» au statut "
            "«\u00a0recevable\u00a0»."
        )


# --- the services ----------------------------------------------------------------------


def test_follow_and_unfollow(edition, draft, ngo_user):
    row = following.follow(user=ngo_user, target=edition, language="fr")
    assert (row.edition, row.language) == (edition, "fr")
    assert following.follow(user=ngo_user, target=edition).pk == row.pk  # once
    following.follow(user=ngo_user, target=draft.clause)
    following.follow(user=ngo_user, target=draft)  # the organisation's own draft
    assert Follow.objects.filter(user=ngo_user).count() == 3
    assert following.following_state(ngo_user, edition=edition)
    following.unfollow(user=ngo_user, target=edition)
    following.unfollow(user=ngo_user, target=edition)  # not following: no error
    assert not following.following_state(ngo_user, edition=edition)
    assert following.following_state(ngo_user, amendment=draft)
    assert not following.following_state(AnonymousUser(), amendment=draft)


def test_only_what_one_can_see_is_followed(edition, draft, other_ngo_user, secretariat_user):
    with pytest.raises(PermissionDenied):
        following.follow(user=other_ngo_user, target=draft)  # another organisation's draft
    with pytest.raises(PermissionDenied):
        following.follow(user=secretariat_user, target=draft)  # not even the secretariat
    with pytest.raises(PermissionDenied):
        following.follow(user=AnonymousUser(), target=edition)
    Edition.objects.filter(pk=edition.pk).update(published=False)
    edition.refresh_from_db()
    for target in (edition, clause_of(edition)):
        with pytest.raises(PermissionDenied):
            following.follow(user=other_ngo_user, target=target)
    following.follow(user=secretariat_user, target=edition)
    assert Follow.objects.count() == 1


def test_submission_tells_the_followers_once_each_but_not_the_actor(followers, ngo_user):
    services.amendment_submit(amendment=followers, user=ngo_user, expected_version=1)
    submitted = [(V.AMENDMENT_SUBMITTED, "", S.SUBMITTED)]
    assert told() == {
        "ngo-colleague": submitted,  # follows the amendment
        "delegate": submitted,  # its clause
        "other-ngo": submitted,  # its edition
        "reader": submitted,  # the edition and the clause: once
    }
    notification = Notification.objects.filter(user__username="delegate").get()
    assert notification.amendment_number == "A-1"
    assert notification.edition_label == "Revision Draft"
    assert notification.url == followers.get_absolute_url()
    assert notification.read_at is None


def test_drafts_are_never_announced(followers, ngo_user, file_amendment):
    file_amendment()
    services.amendment_update(
        amendment=followers,
        user=ngo_user,
        expected_version=1,
        proposed_text="Parties treasure diversity.",
        justification="",
    )
    services.amendment_withdraw(
        amendment=followers, user=ngo_user, expected_version=2, reason="Not needed."
    )
    assert Notification.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "changes"),
    [
        (S.ADMISSIBLE, [(S.SUBMITTED, S.ADMISSIBLE)]),
        (S.INADMISSIBLE, [(S.SUBMITTED, S.INADMISSIBLE)]),
        (S.WITHDRAWN, [(S.SUBMITTED, S.WITHDRAWN)]),
        (S.ADOPTED, [(S.SUBMITTED, S.ADMISSIBLE), (S.ADMISSIBLE, S.ADOPTED)]),
        (
            S.ADOPTED_AS_AMENDED,
            [(S.SUBMITTED, S.ADMISSIBLE), (S.ADMISSIBLE, S.ADOPTED_AS_AMENDED)],
        ),
        (S.REJECTED, [(S.SUBMITTED, S.ADMISSIBLE), (S.ADMISSIBLE, S.REJECTED)]),
    ],
)
def test_each_status_change_tells_the_followers(
    status, changes, edition, amendment_in, ngo_user, other_ngo_user, secretariat_user
):
    for user in (ngo_user, other_ngo_user, secretariat_user):
        following.follow(user=user, target=edition)
    amendment_in(status)
    expected = [(V.AMENDMENT_SUBMITTED, "", S.SUBMITTED)] + [
        (V.STATUS_CHANGED, old, new) for old, new in changes
    ]
    # The proposer withdraws and submits, the secretariat screens and decides: each is
    # told what the other did, never what they did themselves.
    by_secretariat = [e for e in expected if e[2] not in (S.SUBMITTED, S.WITHDRAWN)]
    by_proposer = [e for e in expected if e not in by_secretariat]
    assert told() == {
        "other-ngo": expected,
        **({"ngo": by_secretariat} if by_secretariat else {}),
        "secretariat": by_proposer,
    }


def test_whoever_cannot_see_the_edition_is_not_told(
    edition, ngo, ngo_user, secretariat_user, second_secretary
):
    for user in (ngo_user, secretariat_user):
        following.follow(user=user, target=edition)
    Edition.objects.filter(pk=edition.pk).update(published=False)
    edition.refresh_from_db()
    # Recorded from the command line (no user): the secretariat's authority.
    services.amendment_record(
        proposer=ngo,
        edition=edition,
        clause=clause_of(edition),
        operation=Amendment.Operation.DELETE,
        proposed_text="",
        justification="",
        reason="Filed by letter",
    )
    assert told() == {"secretariat": [(V.AMENDMENT_SUBMITTED, "", S.SUBMITTED)]}


def test_inactive_users_are_not_told(followers, ngo_user, other_ngo_user):
    other_ngo_user.is_active = False
    other_ngo_user.save()
    services.amendment_submit(amendment=followers, user=ngo_user, expected_version=1)
    assert "other-ngo" not in told()


def test_a_new_edition_tells_the_followers_of_the_instruments_editions(
    edition, make_edition, ngo_user, other_ngo_user, secretariat_user, reader_user
):
    following.follow(user=ngo_user, target=edition)
    following.follow(user=other_ngo_user, target=clause_of(edition))  # a clause: not told
    other = make_edition("1. Elsewhere.", slug="other-text", instrument="other-instrument")
    following.follow(user=reader_user, target=other)  # another instrument: not told
    following.follow(user=secretariat_user, target=edition)
    guideline_services.edition_import(
        parsed=parse("1. Again."),
        instrument_slug="test-instrument",
        slug="second-draft",
        label="Second Draft",
        language="en",
        published=True,
        user=secretariat_user,
        reason="test",
    )
    assert told() == {"ngo": [(V.EDITION_CREATED, "", "")]}  # the importer is not told
    notification = Notification.objects.get()
    assert notification.url == "/editions/second-draft/"
    assert notification.message == "A new edition was created: Second Draft."


def test_a_fork_is_announced_to_whoever_can_see_it(
    edition, ngo_user, secretariat_user, second_secretary
):
    for user in (ngo_user, secretariat_user, second_secretary):
        following.follow(user=user, target=edition)
    fork = guideline_services.edition_fork(
        base=edition, user=secretariat_user, slug="working", label="Working Draft"
    )
    # Unpublished: the secretariat's alone; and not the secretary who forked.
    assert told() == {"second-secretary": [(V.EDITION_CREATED, "", "")]}
    assert Notification.objects.get().edition == fork


def test_a_consolidation_announces_its_edition_once(
    edition, amendment_in, ngo_user, secretariat_user, second_secretary
):
    amendment_in(S.ADOPTED)
    for user in (ngo_user, second_secretary):
        following.follow(user=user, target=edition)
    services.edition_consolidate(
        base=edition, user=secretariat_user, slug="consolidated", label="Consolidated"
    )
    assert told(V.EDITION_CREATED) == {"second-secretary": [(V.EDITION_CREATED, "", "")]}


def test_the_queries_do_not_grow_with_the_followers(
    django_user_model, django_assert_num_queries, edition, submitted, ngo
):
    def add_followers(count: int, start: int) -> None:
        for n in range(start, start + count):
            user = member(django_user_model, f"follower-{n}", ngo)
            user.email = f"follower-{n}@example.org"
            user.save()
            following.follow(user=user, target=edition if n % 2 else submitted)

    add_followers(1, 0)
    # The followers with their organisations, then one insert.
    with django_assert_num_queries(2):
        assert len(following.notify_amendment_submitted(submitted, actor=None)) == 1
    add_followers(40, 1)
    with django_assert_num_queries(2):
        assert len(following.notify_amendment_submitted(submitted, actor=None)) == 41
    with django_assert_num_queries(2):
        assert len(following.notify_edition_created(edition, actor=None)) == 20


# --- e-mails ---------------------------------------------------------------------------


def test_emails_go_after_the_commit_in_the_followers_language(
    followers, ngo_user, ngo_colleague, delegate_user, other_ngo_user,
    django_capture_on_commit_callbacks, mailoutbox,
):  # fmt: skip
    ngo_colleague.email = "colleague@example.org"
    ngo_colleague.save()
    delegate_user.email = "delegate@example.org"
    delegate_user.save()
    Follow.objects.filter(user=delegate_user).update(language="fr")
    # other-ngo and reader have no address: no e-mail for them.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.amendment_submit(amendment=followers, user=ngo_user, expected_version=1)
        assert mailoutbox == []  # not before the commit
    assert len(callbacks) == 1
    sent = {m.to[0]: m for m in mailoutbox}
    assert sorted(sent) == ["colleague@example.org", "delegate@example.org"]
    english, french = sent["colleague@example.org"], sent["delegate@example.org"]
    assert english.subject == "[Redraft] Amendment A-1 to Revision Draft was submitted."
    assert f"/amendments/{followers.pk}/" in english.body
    assert "you follow this edition, clause or amendment" in english.body
    assert french.subject == "[Redraft] L’amendement A-1 à Revision Draft a été soumis."
    assert "vous suivez cette édition" in french.body
    assert english.content_subtype == "plain"


def test_nothing_is_told_when_the_change_is_rolled_back(
    followers, ngo_user, ngo_colleague, django_capture_on_commit_callbacks, mailoutbox
):
    ngo_colleague.email = "colleague@example.org"
    ngo_colleague.save()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.amendment_submit(amendment=followers, user=ngo_user, expected_version=1)
        raise RuntimeError
    assert callbacks == []
    assert mailoutbox == []
    assert Notification.objects.count() == 0


# --- the follow button -----------------------------------------------------------------


def test_follow_and_unfollow_an_edition_from_its_page(edition, other_ngo_user):
    client = logged_in(other_ngo_user)
    page = client.get("/editions/revision-draft/").content.decode()
    assert 'name="edition" value="revision-draft"' in page
    assert ">Follow</button>" in page
    response = client.post(
        "/follow/",
        {"edition": "revision-draft", "action": "follow", "next": "/editions/revision-draft/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/editions/revision-draft/"
    assert Follow.objects.filter(user=other_ngo_user, edition=edition).exists()
    page = client.get("/editions/revision-draft/").content.decode()
    assert ">Stop following</button>" in page
    assert "You follow it now" in page
    response = client.post("/follow/", {"edition": "revision-draft", "action": "unfollow"})
    assert response["Location"] == "/editions/revision-draft/"  # no next: the edition
    assert not Follow.objects.exists()


def test_follow_a_clause_and_an_amendment(edition, submitted, delegate_user):
    client = logged_in(delegate_user)
    page = client.get(submitted.get_absolute_url()).content.decode()
    assert f'name="amendment" value="{submitted.pk}"' in page
    response = client.post("/follow/", {"amendment": str(submitted.pk), "action": "follow"})
    assert response["Location"] == submitted.get_absolute_url()
    response = client.post("/follow/", {"clause": "revision-draft/para_2", "action": "follow"})
    assert response["Location"] == "/editions/revision-draft/para_2/"
    assert {(f.amendment_id, f.clause_id) for f in Follow.objects.filter(user=delegate_user)} == {
        (submitted.pk, None),
        (None, clause_of(edition, "para_2").pk),
    }
    assert ">Stop following</button>" in client.get(submitted.get_absolute_url()).content.decode()


def test_an_unsafe_next_is_ignored(edition, other_ngo_user):
    response = logged_in(other_ngo_user).post(
        "/follow/",
        {"edition": "revision-draft", "action": "follow", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/editions/revision-draft/"


@pytest.mark.parametrize(
    "target",
    [
        {"amendment": "draft"},  # another organisation's draft
        {"edition": "hidden"},  # unpublished
        {"clause": "hidden/para_1"},
        {"edition": "no-such-edition"},
        {"clause": "revision-draft/para_99"},
        {"amendment": "999999"},
    ],
)
def test_what_one_cannot_see_is_404(target, draft, make_edition, other_ngo_user):
    make_edition("1. Secret.", slug="hidden", published=False)
    if target.get("amendment") == "draft":
        target = {"amendment": str(draft.pk)}
    response = logged_in(other_ngo_user).post("/follow/", {**target, "action": "follow"})
    assert response.status_code == 404
    assert not Follow.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "follow"},  # no target
        {"edition": "revision-draft", "amendment": "1", "action": "follow"},  # two
        {"clause": "para_1", "action": "follow"},  # no edition
        {"amendment": "A-1", "action": "follow"},  # not an id
        {"edition": "revision-draft", "action": "subscribe"},
        {"edition": "revision-draft"},
    ],
)
def test_a_bad_target_or_action_is_400(data, edition, other_ngo_user):
    response = logged_in(other_ngo_user).post("/follow/", data)
    assert response.status_code == 400
    assert not Follow.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in_and_see_no_button(client, edition):
    assert "/follow/" not in client.get("/editions/revision-draft/").content.decode()
    response = client.post(
        "/follow/",
        {"edition": "revision-draft", "action": "follow", "next": "/editions/revision-draft/"},
    )
    assert response.status_code == 302
    assert response["Location"] == login_url("/editions/revision-draft/")
    assert client.get("/follow/").status_code == 405
    assert not Follow.objects.exists()


def test_following_needs_the_csrf_token(edition, other_ngo_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(other_ngo_user)
    data = {"edition": "revision-draft", "action": "follow"}
    assert client.post("/follow/", data).status_code == 403
    assert not Follow.objects.exists()
    page = client.get("/editions/revision-draft/").content.decode()
    form = re.search(r'<form method="post" action="/follow/".*?</form>', page, re.S)
    assert form is not None
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(0))
    assert token is not None
    response = client.post("/follow/", {**data, "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert Follow.objects.count() == 1


# --- notifications in the header and on their page --------------------------------------


def make_notifications(user, edition, count: int) -> None:
    Notification.objects.bulk_create(
        Notification(
            user=user,
            edition=edition,
            verb=V.STATUS_CHANGED,
            amendment_number=f"A-{n}",
            old_status=S.SUBMITTED,
            new_status=S.ADMISSIBLE,
            edition_label=edition.label,
            url=f"/amendments/{n}/",
        )
        for n in range(1, count + 1)
    )


def test_the_header_counts_the_unread_notifications(edition, ngo_user, other_ngo_user):
    make_notifications(ngo_user, edition, 3)
    make_notifications(other_ngo_user, edition, 2)
    Notification.objects.filter(user=ngo_user, amendment_number="A-1").update(
        read_at="2026-01-01T00:00:00Z"
    )
    page = logged_in(ngo_user).get("/positions/").content.decode()
    assert '<a href="/notifications/">Notifications (2)</a>' in page
    assert "Notifications (" not in Client().get("/positions/").content.decode()


def test_the_count_is_one_query_for_a_user_and_none_for_the_public(
    ngo_user, django_assert_num_queries
):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert str(notifications_processor(request)["unread_notifications"]) == "0"
    request.user = ngo_user
    context = notifications_processor(request)
    with django_assert_num_queries(1):
        assert str(context["unread_notifications"]) == "0"
        assert not context["unread_notifications"]  # read once per page


def test_the_notifications_page_lists_the_newest_first_with_the_unread_marked(
    edition, ngo_user, other_ngo_user, django_assert_num_queries
):
    make_notifications(ngo_user, edition, 3)
    make_notifications(other_ngo_user, edition, 1)
    Notification.objects.filter(user=ngo_user, amendment_number="A-1").update(
        read_at="2026-01-01T00:00:00Z"
    )
    client = logged_in(ngo_user)
    # Session, user, the page's count and rows, the header's unread count, the organisation.
    with django_assert_num_queries(6):
        response = client.get("/notifications/")
    page = response.content.decode()
    assert re.findall(
        r"Amendment (A-\d) to Revision Draft went from submitted to admissible", page
    ) == [
        "A-3",
        "A-2",
        "A-1",
    ]
    assert page.count('class="unread"') == 2
    assert "Mark all as read" in page
    make_notifications(ngo_user, edition, 80)
    with django_assert_num_queries(6):
        page = client.get("/notifications/").content.decode()
    assert page.count("went from submitted to admissible") == 50
    assert "Page 1 of 2" in page
    page = client.get("/notifications/?page=2").content.decode()
    assert page.count("went from submitted to admissible") == 33


def test_mark_all_read(edition, ngo_user, other_ngo_user):
    make_notifications(ngo_user, edition, 3)
    make_notifications(other_ngo_user, edition, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ngo_user)
    assert client.post("/notifications/read/").status_code == 403  # no CSRF token
    page = client.get("/notifications/").content.decode()
    form = re.search(r'<form method="post" action="/notifications/read/">.*?</form>', page, re.S)
    assert form is not None
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(0))
    assert token is not None
    response = client.post("/notifications/read/", {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert following.unread_count(ngo_user) == 0
    assert following.unread_count(other_ngo_user) == 1  # someone else's stay unread
    page = client.get("/notifications/").content.decode()
    assert "Notifications (0)" in page
    assert 'class="unread"' not in page
    assert "Mark all as read" not in page


def test_the_notifications_pages_need_a_login(client):
    assert client.get("/notifications/")["Location"] == login_url("/notifications/")
    response = client.post("/notifications/read/")
    assert response["Location"] == login_url("/notifications/")
    assert client.get("/notifications/read/").status_code == 405


def test_the_notifications_speak_french(followers, ngo_user, other_ngo_user):
    services.amendment_submit(amendment=followers, user=ngo_user, expected_version=1)
    page = logged_in(other_ngo_user, HTTP_ACCEPT_LANGUAGE="fr").get("/notifications/")
    html = page.content.decode()
    assert '<html lang="fr">' in html
    assert "L’amendement A-1 à Revision Draft a été soumis." in html
    assert "Notifications (1)" in html
    assert "Tout marquer comme lu" in html


# --- the Atom feed ---------------------------------------------------------------------


@pytest.fixture
def feed_edition(edition, amendment_in, file_amendment, ngo_user, secretariat_user):
    """A-1 admissible, then A-2 submitted with markup in its text, a recommendation on
    A-1 (no status change), a draft and a draft withdrawn unsubmitted."""
    first = amendment_in(S.ADMISSIBLE)
    second = file_amendment(eid="para_2", proposed_text=f"Parties {SCRIPT} support it.")
    services.amendment_submit(amendment=second, user=ngo_user, expected_version=1)
    services.amendment_recommend(amendment=first, user=secretariat_user, recommendation="Adopt.")
    file_amendment(proposed_text="A secret draft.")
    withdrawn = file_amendment(proposed_text="A draft given up.")
    services.amendment_withdraw(
        amendment=withdrawn, user=ngo_user, expected_version=1, reason="Given up."
    )
    return edition


def entries(response) -> list[dict[str, str | None]]:
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    found = []
    for entry in root.findall(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link")
        assert link is not None
        found.append(
            {
                "title": entry.findtext(f"{ATOM}title"),
                "link": link.get("href"),
                "id": entry.findtext(f"{ATOM}id"),
                "summary": entry.findtext(f"{ATOM}summary"),
                "published": entry.findtext(f"{ATOM}published"),
            }
        )
    return found


def test_the_feed_lists_submissions_and_status_changes(client, feed_edition):
    response = client.get("/editions/revision-draft/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    found = entries(response)
    assert [e["title"] for e in found] == ["A-2 submitted", "A-1 admissible", "A-1 submitted"]
    first = Amendment.objects.get(number="A-1")
    assert str(found[1]["link"]).startswith(f"http://testserver/amendments/{first.pk}/#change-")
    assert len({e["id"] for e in found}) == 3
    assert all(e["published"] for e in found)
    assert found[2]["summary"] == "Parties cherish diversity."
    root = ET.fromstring(response.content)
    assert root.findtext(f"{ATOM}title") == "Amendments to Revision Draft"


def test_the_feed_shows_no_draft_and_escapes_the_text(client, feed_edition):
    raw = client.get("/editions/revision-draft/feed.atom").content.decode()
    assert "secret draft" not in raw
    assert "given up" not in raw
    assert "<script" not in raw
    found = entries(client.get("/editions/revision-draft/feed.atom"))
    # The summary is HTML: the XML holds the escaped text, once more escaped for XML.
    assert found[0]["summary"] == "Parties &lt;script&gt;alert(1)&lt;/script&gt; support it."


def test_the_feed_of_an_edition_one_cannot_read_is_404(
    client, feed_edition, ngo_user, secretariat_user
):
    Edition.objects.filter(pk=feed_edition.pk).update(published=False)
    assert client.get("/editions/revision-draft/feed.atom").status_code == 404
    assert logged_in(ngo_user).get("/editions/revision-draft/feed.atom").status_code == 404
    assert client.get("/editions/no-such-edition/feed.atom").status_code == 404
    response = logged_in(secretariat_user).get("/editions/revision-draft/feed.atom")
    assert response.status_code == 200
    assert len(entries(response)) == 3


def test_the_feed_is_bounded_and_linked_from_the_edition_page(
    client, edition, amendment_in, django_assert_max_num_queries
):
    for _n in range(3):
        amendment_in(S.ADMISSIBLE)
    with django_assert_max_num_queries(3):
        assert len(entries(client.get("/editions/revision-draft/feed.atom"))) == 6
    page = client.get("/editions/revision-draft/").content.decode()
    assert '<a href="/editions/revision-draft/feed.atom" type="application/atom+xml">' in page
