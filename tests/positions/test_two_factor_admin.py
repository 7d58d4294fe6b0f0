"""The Django admin and the second factors: an administrator may remove a lost
authenticator (the README's way back in) but never read anyone's key or backup codes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from positions import accounts

pytestmark = pytest.mark.django_db

KEY = "3132333435363738393031323334353637383930"


@pytest.fixture
def admin_client(django_user_model) -> Client:
    admin = django_user_model.objects.create_superuser("root", password="root-pass-123")
    client = Client()
    client.force_login(admin)  # with both factors (tests/conftest.py)
    return client


def test_the_admin_shows_no_totp_key_nor_its_qr_code(admin_client, secretariat_user):
    device = TOTPDevice.objects.create(user=secretariat_user, name="phone", key=KEY)
    page = admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert KEY not in html and accounts.secret_for_display(KEY).split()[0] not in html
    assert 'name="key"' not in html
    listing = admin_client.get(reverse("admin:otp_totp_totpdevice_changelist")).content
    assert b"qrcode" not in listing
    for view in ("admin:otp_totp_totpdevice_config", "admin:otp_totp_totpdevice_qrcode"):
        assert admin_client.get(reverse(view, kwargs={"pk": device.pk})).status_code == 403


def test_the_admin_shows_no_backup_code(admin_client, secretariat_user):
    TOTPDevice.objects.create(user=secretariat_user, name="phone", key=KEY, confirmed=True)
    codes = accounts.backup_codes_issue(user=secretariat_user)
    device = StaticDevice.objects.get(user=secretariat_user)
    page = admin_client.get(reverse("admin:otp_static_staticdevice_change", args=[device.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert not [code for code in codes if code in html]


def test_the_admin_still_removes_a_lost_authenticator(admin_client, secretariat_user):
    device = TOTPDevice.objects.create(user=secretariat_user, name="phone", key=KEY)
    delete = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not StaticToken.objects.exists()
