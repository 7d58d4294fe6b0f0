"""The secretariat's clause map: propose, confirm, remove, match by hand."""

from __future__ import annotations

import pytest

from guidelines.models import ClauseCorrespondence

pytestmark = pytest.mark.django_db

TEXT = "## Part\n\n1. Artists shall be supported.\n\n2. Remuneration shall be fair.\n"
URL = "/compare/fr/en/map/"


@pytest.fixture
def pair(make_edition):
    return (
        make_edition(TEXT, slug="fr", language="fr"),
        make_edition(TEXT, slug="en", language="en"),
    )


@pytest.fixture
def same_language(make_edition):
    return make_edition(TEXT, slug="a"), make_edition(TEXT.replace("fair", "just"), slug="b")


def test_propose_confirm_and_remove(client, same_language, secretariat_user):
    client.force_login(secretariat_user)
    response = client.post("/compare/a/b/map/", {"action": "align"})
    assert response.status_code == 302
    rows = ClauseCorrespondence.objects.all()
    assert rows.count() == 3
    modified = rows.get(kind="modified")
    client.post("/compare/a/b/map/", {"action": "confirm", "id": modified.pk})
    modified.refresh_from_db()
    assert modified.confirmed
    client.post("/compare/a/b/map/", {"action": "delete", "id": modified.pk})
    assert not ClauseCorrespondence.objects.filter(pk=modified.pk).exists()
    page = client.get("/compare/a/b/map/").content.decode()
    assert "para_1" in page and "Propose correspondences" in page


def test_across_languages_matching_by_hand_drives_the_comparison(client, pair, secretariat_user):
    client.force_login(secretariat_user)
    refused = client.post(URL, {"action": "align"})
    assert refused.status_code == 400
    assert "different languages" in refused.content.decode()
    assert not ClauseCorrespondence.objects.exists()
    response = client.post(
        URL, {"action": "add", "source": "para_1", "target": "para_1", "kind": "same"}
    )
    assert response.status_code == 302
    manual = ClauseCorrespondence.objects.get()
    assert (manual.method, manual.confirmed) == ("manual", True)
    page = client.get("/compare/fr/en/").content.decode()
    assert page.count("Artists shall be supported.") == 2  # side by side on one row


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "add", "source": "para_9", "target": "para_1", "kind": "same"},
         "No clause para_9 in Fr."),
        ({"action": "add", "source": "", "target": "", "kind": "same"},
         "Name a clause of A, of B, or both."),
        ({"action": "add", "source": "para_1", "target": "para_1", "kind": "cousin"},
         "Correct the form."),
        ({"action": "explode"}, "Unknown action."),
    ],
)  # fmt: skip
def test_bad_input_is_400_and_writes_nothing(client, pair, secretariat_user, data, message):
    client.force_login(secretariat_user)
    response = client.post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ClauseCorrespondence.objects.exists()


def test_unknown_correspondence_is_404(client, pair, secretariat_user):
    client.force_login(secretariat_user)
    assert client.post(URL, {"action": "delete", "id": "999"}).status_code == 404


@pytest.mark.parametrize("user", ["ngo_user", "delegate_user", "reader_user"])
def test_others_get_403(client, pair, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "align"}).status_code == 403


def test_anonymous_is_sent_to_log_in(client, pair):
    assert client.get(URL)["Location"] == f"/accounts/login/?next={URL}"


def test_unpublished_edition_is_404_to_outsiders(client, make_edition, ngo_user):
    make_edition(TEXT, slug="hidden", published=False)
    make_edition(TEXT, slug="shown")
    client.force_login(ngo_user)
    assert client.get("/compare/hidden/shown/map/").status_code == 404
