"""The secretariat sets the amendment window, in the meeting's time zone."""

from __future__ import annotations

import datetime

import pytest

from amendments.models import AmendmentWindow

pytestmark = pytest.mark.django_db

URL = "/editions/test-draft/window/"


@pytest.fixture
def draft(make_edition):
    return make_edition("1. Text.", slug="test-draft")


def test_times_are_read_in_paris_time(client, draft, secretariat_user):
    client.force_login(secretariat_user)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"opens_at": "2031-03-02T09:00", "closes_at": "2031-03-12T18:00"})
    assert response.status_code == 302
    window = AmendmentWindow.objects.get(edition=draft)
    assert window.closes_at == datetime.datetime(2031, 3, 12, 17, 0, tzinfo=datetime.UTC)
    assert window.time_zone == "Europe/Paris"
    page = client.get(URL).content.decode()
    assert "12 March 2031, 18:00 CET" in page
    assert 'value="2031-03-12T18:00"' in page


@pytest.mark.parametrize(
    "data",
    [
        {"opens_at": "2031-03-12T18:00", "closes_at": "2031-03-02T09:00"},
        {"opens_at": "tomorrow", "closes_at": "2031-03-02T09:00"},
        {"opens_at": "2031-03-12T18:00"},
    ],
)
def test_bad_window_is_400_and_writes_nothing(client, draft, secretariat_user, data):
    client.force_login(secretariat_user)
    assert client.post(URL, data).status_code == 400
    assert not AmendmentWindow.objects.exists()


@pytest.mark.parametrize("user", ["ngo_user", "delegate_user", "reader_user"])
def test_others_get_403(client, draft, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(URL).status_code == 403
    data = {"opens_at": "2031-03-02T09:00", "closes_at": "2031-03-12T18:00"}
    assert client.post(URL, data).status_code == 403
    assert not AmendmentWindow.objects.exists()


def test_adopted_edition_has_no_window(client, edition_2017, secretariat_user):
    client.force_login(secretariat_user)
    assert client.get("/editions/og-2017-fr/window/").status_code == 403


def test_unpublished_edition_is_404_to_outsiders(client, make_edition, ngo_user):
    make_edition("1. Private.", slug="private", published=False)
    client.force_login(ngo_user)
    assert client.get("/editions/private/window/").status_code == 404


def test_anonymous_is_sent_to_log_in(client, draft):
    assert client.get(URL)["Location"] == f"/accounts/login/?next={URL}"
