"""Working drafts: fork an edition, edit its clauses with optimistic locking."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guidelines import services
from guidelines.models import Clause, Edition

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(make_edition):
    return make_edition("## Part\n\n1. Original text.\n\n2. Second.", slug="draft")


def edit_url(edition, eid="para_1"):
    return reverse("clause_edit", kwargs={"slug": edition.slug, "eid": eid})


def test_fork_copies_every_clause_with_the_same_eids(edition_2017, secretariat_user):
    fork = services.edition_fork(
        base=edition_2017, user=secretariat_user, slug="og-working", label="Working"
    )
    assert (fork.status, fork.based_on, fork.published) == ("working", edition_2017, False)
    base = list(edition_2017.clauses.order_by("order").values_list("eid", "text", "parent__eid"))
    copy = list(fork.clauses.order_by("order").values_list("eid", "text", "parent__eid"))
    assert copy == base
    record = Clause.history.filter(edition_id=fork.pk).first()
    assert record.history_user == secretariat_user
    assert record.history_change_reason == "Forked from 2017 Operational Guidelines (FR)"


def test_fork_page_creates_a_working_draft(client, edition_2017, secretariat_user):
    client.force_login(secretariat_user)
    url = reverse("edition_fork", kwargs={"slug": "og-2017-fr"})
    assert client.get(url).status_code == 200
    response = client.post(url, {"slug": "og-working", "label": "Working draft"})
    assert response.status_code == 302
    assert response["Location"] == "/editions/og-working/"
    assert Edition.objects.get(slug="og-working").clauses.count() == 103


@pytest.mark.parametrize("user", ["ngo_user", "delegate_user", "reader_user"])
def test_fork_page_is_403_without_the_right(client, edition_2017, user, request):
    client.force_login(request.getfixturevalue(user))
    url = reverse("edition_fork", kwargs={"slug": "og-2017-fr"})
    assert client.get(url).status_code == 403
    assert client.post(url, {"slug": "x", "label": "x"}).status_code == 403
    assert Edition.objects.count() == 1


def test_fork_of_an_unpublished_edition_is_404_to_outsiders(client, make_edition, ngo_user):
    make_edition("1. Private.", slug="private", published=False)
    client.force_login(ngo_user)
    assert client.get("/editions/private/fork/").status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"slug": "og-2017-fr", "label": "Taken"}, "slug"),
        ({"slug": "no spaces!", "label": ""}, "slug"),
    ],
)
def test_fork_bad_input_is_400_and_writes_nothing(
    client, edition_2017, secretariat_user, data, field
):
    client.force_login(secretariat_user)
    response = client.post("/editions/og-2017-fr/fork/", data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert Edition.objects.count() == 1


def test_edit_page_saves_with_history(client, draft, secretariat_user):
    client.force_login(secretariat_user)
    response = client.get(edit_url(draft))
    assert response.status_code == 200
    assert 'name="version" value="1"' in response.content.decode()
    response = client.post(
        edit_url(draft),
        {"text": "Amended text.", "heading": "", "reason": "Drafting", "version": 1},
    )
    assert response.status_code == 302
    clause = Clause.objects.get(edition=draft, eid="para_1")
    assert (clause.text, clause.version) == ("Amended text.", 2)
    record = clause.history.order_by("-history_id").first()
    assert (record.history_user, record.history_change_reason) == (secretariat_user, "Drafting")


def test_two_editors_from_the_same_version_one_wins_the_other_gets_409(
    client, draft, secretariat_user, django_user_model, secretariat
):
    from tests.conftest import member

    second = member(django_user_model, "second-editor", secretariat)
    client.force_login(secretariat_user)
    first = client.post(
        edit_url(draft), {"text": "First editor.", "heading": "", "reason": "A", "version": 1}
    )
    assert first.status_code == 302
    client.force_login(second)
    response = client.post(
        edit_url(draft), {"text": "Second editor.", "heading": "", "reason": "B", "version": 1}
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "Someone else changed this clause" in content
    assert "First editor." in content  # the current text, shown
    assert "Second editor." in content  # and the user's own text, kept in the form
    clause = Clause.objects.get(edition=draft, eid="para_1")
    assert (clause.text, clause.version) == ("First editor.", 2)


@pytest.mark.parametrize("user", ["ngo_user", "delegate_user", "reader_user"])
def test_edit_page_is_403_without_the_right(client, draft, user, request):
    client.force_login(request.getfixturevalue(user))
    assert client.get(edit_url(draft)).status_code == 403
    response = client.post(edit_url(draft), {"text": "x", "reason": "x", "version": 1})
    assert response.status_code == 403
    assert Clause.objects.get(edition=draft, eid="para_1").version == 1


def test_edit_page_of_an_adopted_edition_is_403(client, edition_2017, secretariat_user):
    client.force_login(secretariat_user)
    assert client.get(edit_url(edition_2017)).status_code == 403


def test_edit_page_of_an_unpublished_draft_is_404_to_outsiders(client, make_edition, ngo_user):
    private = make_edition("1. Private.", slug="private", published=False)
    client.force_login(ngo_user)
    assert client.get(edit_url(private)).status_code == 404


def test_edit_page_sends_anonymous_visitors_to_log_in(client, draft):
    response = client.get(edit_url(draft))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={edit_url(draft)}"
    assert (
        client.post(edit_url(draft), {"text": "x", "reason": "x", "version": 1}).status_code == 302
    )
    assert Clause.objects.get(edition=draft, eid="para_1").version == 1


@pytest.mark.parametrize(
    "data",
    [
        {"text": "x", "reason": "", "version": 1},
        {"text": "x", "reason": "why", "version": "abc"},
        {"text": "x", "reason": "why"},
    ],
)
def test_edit_page_bad_input_is_400_and_writes_nothing(client, draft, secretariat_user, data):
    client.force_login(secretariat_user)
    response = client.post(edit_url(draft), data)
    assert response.status_code == 400
    assert Clause.objects.get(edition=draft, eid="para_1").version == 1


def test_clause_page_offers_edit_only_to_the_secretariat(client, draft, secretariat_user, ngo_user):
    url = reverse("clause_detail", kwargs={"slug": "draft", "eid": "para_1"})
    client.force_login(ngo_user)
    assert "Edit this clause" not in client.get(url).content.decode()
    client.force_login(secretariat_user)
    assert "Edit this clause" in client.get(url).content.decode()
