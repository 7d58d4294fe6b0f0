"""Accreditation and invitations: the secretariat's pages and the invited person's."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from guidelines.permissions import role_of
from positions.models import Invitation, Membership, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """Post the invitation form; the mail leaves when the transaction commits."""

    def post(organisation, email="new.member@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/organisations/{organisation.pk}/invite/", {"email": email})

    return post


def link_in_mail() -> str:
    match = re.search(r"http://testserver(/invitations/[^/\s]+/)", str(mail.outbox[-1].body))
    assert match is not None
    return match.group(1)


def test_secretariat_lists_adds_and_accredits(client, secretariat_user, ngo):
    client.force_login(secretariat_user)
    content = client.get("/organisations/").content.decode()
    assert "Test Coalition" in content
    response = client.post(
        "/organisations/", {"name": "New Network", "acronym": "NN", "kind": "ngo"}
    )
    assert response.status_code == 302
    new = Organisation.objects.get(name="New Network")
    assert not new.accredited
    client.post(f"/organisations/{new.pk}/accredit/", {"accredited": "1"})
    new.refresh_from_db()
    assert new.accredited


def test_invitation_mail_link_creates_a_member_and_logs_in(client, secretariat_user, ngo, invite):
    client.force_login(secretariat_user)
    assert invite(ngo).status_code == 302
    assert mail.outbox[-1].to == ["new.member@example.org"]
    link = link_in_mail()
    invitation = Invitation.objects.get()
    assert link.split("/")[2] not in invitation.token_hash  # only the hash is stored
    client.logout()
    assert "Join Test Coalition" in client.get(link).content.decode()
    response = client.post(
        link,
        {
            "username": "newbie",
            "password": "a-Long-pass-4321",
            "password_again": "a-Long-pass-4321",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="newbie")
    assert membership.organisation == ngo
    assert role_of(membership.user) == "ngo"
    assert membership.user.email == "new.member@example.org"
    # The link is spent.
    assert client.get(link).status_code == 404


def test_expired_or_unknown_link_is_404_with_a_message(client, secretariat_user, ngo, invite):
    client.force_login(secretariat_user)
    invite(ngo)
    link = link_in_mail()
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(link)
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert client.get("/invitations/not-a-token/").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "x", "password": "a-Long-pass-4321", "password_again": "other-Pass-999"},
         "The two passwords differ."),
        ({"username": "x", "password": "123", "password_again": "123"}, "too short"),
        ({"username": "secretariat", "password": "a-Long-pass-4321",
          "password_again": "a-Long-pass-4321"}, "this one is taken"),
        ({"username": "", "password": "a", "password_again": "a"}, "This field is required"),
    ],
)  # fmt: skip
def test_bad_answers_to_an_invitation_write_nothing(
    client, secretariat_user, ngo, data, message, invite
):
    client.force_login(secretariat_user)
    invite(ngo)
    link = link_in_mail()
    client.logout()
    users_before = Membership.objects.count()
    response = client.post(link, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Membership.objects.count() == users_before
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.parametrize("user", ["ngo_user", "delegate_user", "reader_user"])
def test_organisation_pages_are_403_without_the_right(client, request, user, ngo, invite):
    client.force_login(request.getfixturevalue(user))
    assert client.get("/organisations/").status_code == 403
    assert invite(ngo).status_code == 403
    assert client.post(f"/organisations/{ngo.pk}/accredit/", {"accredited": "0"}).status_code == 403
    assert client.post("/organisations/", {"name": "X", "kind": "ngo"}).status_code == 403
    ngo.refresh_from_db()
    assert ngo.accredited
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_anonymous_is_sent_to_log_in(client, ngo):
    response = client.get("/organisations/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("invite", {"email": "not-an-address"}),
        ("accredit", {"accredited": "maybe"}),
    ],
)
def test_bad_input_is_400_and_writes_nothing(client, secretariat_user, ngo, path, data):
    client.force_login(secretariat_user)
    response = client.post(f"/organisations/{ngo.pk}/{path}/", data)
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    ngo.refresh_from_db()
    assert ngo.accredited


def test_duplicate_organisation_name_is_refused(client, secretariat_user, ngo):
    client.force_login(secretariat_user)
    response = client.post("/organisations/", {"name": "test coalition", "kind": "ngo"})
    assert response.status_code == 400
    assert "exists already" in response.content.decode()
    assert Organisation.objects.filter(name__iexact="test coalition").count() == 1


def test_unknown_organisation_is_404(client, secretariat_user):
    client.force_login(secretariat_user)
    assert client.post("/organisations/999/invite/", {"email": "a@b.org"}).status_code == 404
