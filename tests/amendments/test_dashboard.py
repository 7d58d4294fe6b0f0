"""The dashboard shows each edition's visible amendments and its window."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from amendments.services import window_set
from guidelines.models import Edition

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("load_seed", stdout=StringIO())
    return Edition.objects.get(slug="og-draft-19igc-en")


def test_dashboard_counts_amendments_and_shows_the_open_window_in_paris_time(client, seeded):
    closes = datetime.datetime(2031, 3, 12, 17, 0, tzinfo=datetime.UTC)
    window_set(
        edition=seeded, user=None, opens_at=timezone.now() - datetime.timedelta(days=1),
        closes_at=closes,
    )  # fmt: skip
    content = client.get("/").content.decode()
    assert '<a href="/amendments/?edition=og-draft-19igc-en">3</a>' in content
    assert "closes 12 March 2031, 18:00 CET (Europe/Paris)" in content


def test_dashboard_without_a_window_says_nothing_is_open(client, seeded):
    content = client.get("/").content.decode()
    assert "closes" not in content


def test_dashboard_queries_do_not_grow_with_amendments(client, seeded, django_assert_num_queries):
    with django_assert_num_queries(2):
        client.get("/")


def test_demo_users_open_a_demo_window_only_with_debug(settings, seeded):
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_users", stdout=out)
    assert "Demo only: an amendment window on og-draft-19igc-en" in out.getvalue()
    assert seeded.amendment_window.contains()
