"""Every place a password is chosen refuses weak ones (AUTH_PASSWORD_VALIDATORS), writes
nothing and says why in the form."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from positions.models import Invitation, Membership

pytestmark = pytest.mark.django_db

USERNAME = "marguerite"
# Each is refused by one of the validators in config/settings.py.
WEAK = {
    "common": ("password", "This password is too common."),
    "numeric": ("4815162342", "This password is entirely numeric."),
    "short": ("Xy7!q", "This password is too short."),
    "like the user name": ("marguerite7", "The password is too similar to the username."),
}
STRONG = "a-long-Passw0rd-of-mine"


def link_in_mail(pattern: str) -> str:
    match = re.search(rf"http://testserver({pattern})", str(mail.outbox[-1].body))
    assert match is not None
    return match.group(1)


@pytest.fixture
def invitation_link(client, secretariat_user, ngo, django_capture_on_commit_callbacks) -> str:
    client.force_login(secretariat_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/organisations/{ngo.pk}/invite/", {"email": "marguerite@example.org"})
    client.post("/accounts/logout/")
    return link_in_mail(r"/invitations/[^/\s]+/")


@pytest.fixture
def reset_form_url(client, django_user_model) -> str:
    django_user_model.objects.create_user(USERNAME, email="marguerite@example.org", password=STRONG)
    client.post("/accounts/password_reset/", {"email": "marguerite@example.org"})
    link = link_in_mail(r"/accounts/reset/\S+/")
    return client.get(link, follow=True).redirect_chain[-1][0]


@pytest.mark.parametrize("kind", list(WEAK))
def test_invitation_acceptance_refuses_a_weak_password(client, invitation_link, kind):
    password, message = WEAK[kind]
    members = Membership.objects.count()
    response = client.post(
        invitation_link,
        {"username": USERNAME, "password": password, "password_again": password},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username=USERNAME).exists()
    assert Membership.objects.count() == members
    assert Invitation.objects.get().accepted_at is None


def test_invitation_acceptance_takes_a_strong_password(client, invitation_link):
    response = client.post(
        invitation_link, {"username": USERNAME, "password": STRONG, "password_again": STRONG}
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(username=USERNAME).check_password(STRONG)


@pytest.mark.parametrize("kind", list(WEAK))
def test_password_reset_refuses_a_weak_password(client, reset_form_url, kind):
    password, message = WEAK[kind]
    response = client.post(reset_form_url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert get_user_model().objects.get(username=USERNAME).check_password(STRONG)


@pytest.mark.parametrize("kind", list(WEAK))
def test_the_password_change_form_refuses_a_weak_password(client, django_user_model, kind):
    user = django_user_model.objects.create_user(USERNAME, password=STRONG)
    client.force_login(user)
    password, message = WEAK[kind]
    response = client.post(
        "/accounts/password_change/",
        {"old_password": STRONG, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(STRONG)


@pytest.mark.parametrize("kind", list(WEAK))
def test_the_admin_refuses_a_weak_password_for_a_new_user(admin_client, kind):
    password, message = WEAK[kind]
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": USERNAME,
            "usable_password": "true",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username=USERNAME).exists()


def test_the_admin_creates_a_user_with_a_strong_password(admin_client):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {"username": USERNAME, "usable_password": "true", "password1": STRONG, "password2": STRONG},
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(username=USERNAME).check_password(STRONG)
