"""The amendment window: filing and submitting only inside it, shown in Paris time."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from amendments import services
from amendments.models import Amendment, AmendmentWindow
from tests.amendments.conftest import clause_of, state

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)


def file(edition, user):
    return services.amendment_create(
        user=user,
        edition=edition,
        clause=clause_of(edition),
        operation=Amendment.Operation.REPLACE,
        proposed_text="Parties cherish diversity.",
        justification="",
    )


def move_window(window, *, opens_at, closes_at):
    AmendmentWindow.objects.filter(pk=window.pk).update(opens_at=opens_at, closes_at=closes_at)


def test_filing_inside_the_window_is_accepted(window, edition, ngo_user):
    assert window.contains()
    assert file(edition, ngo_user).status == Amendment.Status.DRAFT


def test_an_edition_without_a_window_takes_no_filing(edition, ngo_user):
    with pytest.raises(ValidationError) as error:
        file(edition, ngo_user)
    assert error.value.code == services.NO_WINDOW
    assert error.value.messages[0].startswith("Filing is closed for Revision Draft")
    assert "has not opened an amendment window" in error.value.messages[0]
    assert Amendment.objects.count() == 0


def test_filing_after_the_window_closed_is_refused_with_the_paris_time(window, edition, ngo_user):
    # 17:00 UTC on 12 March 2026 is 18:00 in Paris (CET, winter time).
    move_window(
        window,
        opens_at=datetime.datetime(2026, 3, 1, 9, tzinfo=UTC),
        closes_at=datetime.datetime(2026, 3, 12, 17, tzinfo=UTC),
    )
    with pytest.raises(ValidationError) as error:
        file(edition, ngo_user)
    assert error.value.code == services.WINDOW_CLOSED
    assert "closed on 2026-03-12 18:00 CET (Europe/Paris)" in error.value.messages[0]
    assert (Amendment.objects.count(), Amendment.history.count()) == (0, 0)


def test_filing_before_the_window_opens_is_refused(window, edition, ngo_user):
    now = timezone.now()
    move_window(window, opens_at=now + HOUR, closes_at=now + 2 * HOUR)
    with pytest.raises(ValidationError) as error:
        file(edition, ngo_user)
    assert error.value.code == services.WINDOW_CLOSED
    assert "opens on" in error.value.messages[0]
    assert Amendment.objects.count() == 0


def test_submitting_after_the_window_closed_is_refused(draft, window, ngo_user):
    now = timezone.now()
    move_window(window, opens_at=now - 2 * HOUR, closes_at=now - HOUR)
    before = state(draft)
    with pytest.raises(ValidationError) as error:
        services.amendment_submit(amendment=draft, user=ngo_user, expected_version=1)
    assert error.value.code == services.WINDOW_CLOSED
    assert state(draft) == before


def test_contains_includes_the_opening_and_excludes_the_closing_instant(edition):
    opens = datetime.datetime(2026, 6, 1, 8, tzinfo=UTC)
    closes = datetime.datetime(2026, 6, 30, 16, tzinfo=UTC)
    window = AmendmentWindow(edition=edition, opens_at=opens, closes_at=closes)
    assert window.contains(opens)
    assert window.contains(closes - datetime.timedelta(microseconds=1))
    assert not window.contains(closes)
    assert not window.contains(opens - datetime.timedelta(microseconds=1))
    # The same instant given in another zone is the same instant.
    assert not window.contains(closes.astimezone(ZoneInfo("America/New_York")))


@pytest.mark.parametrize(
    ("closes_utc", "local"),
    [
        (datetime.datetime(2026, 1, 15, 17, tzinfo=UTC), "2026-01-15 18:00 CET (Europe/Paris)"),
        (datetime.datetime(2026, 7, 15, 16, tzinfo=UTC), "2026-07-15 18:00 CEST (Europe/Paris)"),
    ],
)
def test_window_is_shown_in_the_meetings_time_zone(edition, closes_utc, local):
    window = AmendmentWindow(edition=edition, opens_at=closes_utc - 24 * HOUR, closes_at=closes_utc)
    assert window.time_zone == "Europe/Paris"
    assert window.closes_at_local.hour == 18
    assert window.closes_at_local.tzinfo == ZoneInfo("Europe/Paris")
    assert window.format(window.closes_at) == local


# --- window_set ------------------------------------------------------------------------


def test_window_set_opens_then_moves_the_window(edition, secretariat_user):
    opens = datetime.datetime(2026, 3, 1, 9, tzinfo=UTC)
    closes = datetime.datetime(2026, 3, 12, 17, tzinfo=UTC)
    window = services.window_set(
        edition=edition, user=secretariat_user, opens_at=opens, closes_at=closes
    )
    assert (window.opens_at, window.closes_at, window.time_zone) == (opens, closes, "Europe/Paris")
    moved = services.window_set(
        edition=edition,
        user=secretariat_user,
        opens_at=opens,
        closes_at=closes + 24 * HOUR,
        time_zone="America/Montreal",
    )
    assert moved.pk == window.pk
    assert AmendmentWindow.objects.get().closes_at == closes + 24 * HOUR
    records = list(window.history.order_by("history_id"))
    assert [(r.history_type, r.history_user) for r in records] == [
        ("+", secretariat_user),
        ("~", secretariat_user),
    ]


def test_window_set_from_the_command_line(edition):
    now = timezone.now()
    window = services.window_set(edition=edition, user=None, opens_at=now, closes_at=now + HOUR)
    assert window.contains(now)


@pytest.mark.parametrize(
    ("opens", "closes", "time_zone", "code"),
    [
        (
            datetime.datetime(2026, 3, 1, 9),
            datetime.datetime(2026, 3, 2, 9),
            "Europe/Paris",
            "naive-datetime",
        ),
        (
            datetime.datetime(2026, 3, 2, 9, tzinfo=UTC),
            datetime.datetime(2026, 3, 2, 9, tzinfo=UTC),
            "Europe/Paris",
            "window-order",
        ),
        (
            datetime.datetime(2026, 3, 3, 9, tzinfo=UTC),
            datetime.datetime(2026, 3, 2, 9, tzinfo=UTC),
            "Europe/Paris",
            "window-order",
        ),
        (
            datetime.datetime(2026, 3, 1, 9, tzinfo=UTC),
            datetime.datetime(2026, 3, 2, 9, tzinfo=UTC),
            "Paris/Europe",
            "unknown-time-zone",
        ),
    ],
)
def test_window_set_refusals(edition, secretariat_user, opens, closes, time_zone, code):
    with pytest.raises(ValidationError) as error:
        services.window_set(
            edition=edition,
            user=secretariat_user,
            opens_at=opens,
            closes_at=closes,
            time_zone=time_zone,
        )
    assert error.value.code == code
    assert not AmendmentWindow.objects.exists()


@pytest.mark.parametrize("who", ["ngo_user", "delegate_user", "reader_user"])
def test_only_the_secretariat_sets_windows(request, edition, who):
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        services.window_set(
            edition=edition, user=request.getfixturevalue(who), opens_at=now, closes_at=now + HOUR
        )
    assert not AmendmentWindow.objects.exists()


def test_an_adopted_edition_gets_no_window(make_edition, secretariat_user):
    adopted = make_edition("1. In force.", slug="in-force", status="adopted")
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        services.window_set(edition=adopted, user=secretariat_user, opens_at=now, closes_at=now)
    assert not AmendmentWindow.objects.exists()


def test_the_database_refuses_a_window_closing_before_it_opens(edition):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        AmendmentWindow.objects.create(edition=edition, opens_at=now, closes_at=now - HOUR)
