"""Log in, log out, password reset (Django's auth views, our templates)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import password_login

pytestmark = pytest.mark.django_db


def test_wrong_password_is_a_form_error(client, reader_user):
    response = client.post(reverse("login"), {"username": "reader", "password": "wrong"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_that_sets_a_new_password(client, reader_user):
    reader_user.email = "reader@example.org"
    reader_user.save()
    assert "Forgotten your password?" in client.get(reverse("login")).content.decode()
    response = client.post(reverse("password_reset"), {"email": "reader@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "a-new-Passw0rd-123", "new_password2": "a-new-Passw0rd-123"}
    )
    assert response.status_code == 302
    assert password_login(client, "reader", "a-new-Passw0rd-123")


def test_password_reset_for_unknown_address_sends_nothing_and_says_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_weak_password_is_refused(client, reader_user):
    reader_user.email = "reader@example.org"
    reader_user.save()
    client.post(reverse("password_reset"), {"email": "reader@example.org"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    form_url = client.get(link.group(1), follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert not password_login(client, "reader", "123")
