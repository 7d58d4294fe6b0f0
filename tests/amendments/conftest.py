"""Amendment fixtures: a draft edition with an open window, and amendments in any status,
reached through the services (never by writing a status directly)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone

from amendments import services
from amendments.models import Amendment, AmendmentWindow
from guidelines.models import Clause, Edition
from positions.models import Membership, Organisation

TEXT = """## Principles

1. Parties recognise the diversité of cultural expressions.

2. Parties support the development of digital skills.

2.1. Including artificial intelligence.

## Measures

3. Parties report every four years.
"""

Status = Amendment.Status


def member(django_user_model, username: str, organisation: Organisation):
    user = django_user_model.objects.create_user(username, password=f"{username}-pass-123")
    Membership.objects.create(user=user, organisation=organisation)
    return user


def clause_of(edition: Edition, eid: str = "para_1") -> Clause:
    return Clause.objects.get(edition=edition, eid=eid)


def history_count(amendment: Amendment) -> int:
    return Amendment.history.filter(id=amendment.pk).count()


def state(amendment: Amendment) -> tuple:
    """Everything a refused service must leave as it was."""
    fresh = Amendment.objects.get(pk=amendment.pk)
    return (
        fresh.status,
        fresh.version,
        fresh.number,
        fresh.sequence,
        fresh.proposed_text,
        fresh.justification,
        fresh.inadmissibility_reason,
        fresh.adopted_text,
        fresh.recommendation,
        fresh.decided_at,
        history_count(fresh),
        fresh.cosponsorships.count(),
        fresh.supports.count(),
    )


def open_window(edition: Edition) -> AmendmentWindow:
    now = timezone.now()
    return AmendmentWindow.objects.create(
        edition=edition,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=1),
    )


@pytest.fixture
def edition(make_edition) -> Edition:
    return make_edition(TEXT, slug="revision-draft")


@pytest.fixture
def window(edition) -> AmendmentWindow:
    return open_window(edition)


@pytest.fixture
def file_amendment(window, ngo_user) -> Callable[..., Amendment]:
    """File a draft through the service: ``file_amendment(eid="para_2", user=...)``."""

    def make(
        *,
        user=None,
        edition: Edition | None = None,
        eid: str = "para_1",
        operation: str = Amendment.Operation.REPLACE,
        proposed_text: str | None = None,
        justification: str = "Say it better.",
        insert_position: str | None = None,
    ) -> Amendment:
        target = edition or window.edition
        if proposed_text is None:
            proposed_text = (
                "" if operation == Amendment.Operation.DELETE else "Parties cherish diversity."
            )
        return services.amendment_create(
            user=user or ngo_user,
            edition=target,
            clause=clause_of(target, eid),
            operation=operation,
            proposed_text=proposed_text,
            justification=justification,
            insert_position=insert_position,
        )

    return make


@pytest.fixture
def draft(file_amendment) -> Amendment:
    return file_amendment()


@pytest.fixture
def amendment_in(file_amendment, ngo_user, secretariat_user) -> Callable[[str], Amendment]:
    """An amendment brought to ``status`` by the services, as the procedure would.

    ``withdrawn`` is withdrawn after submission (so it is public, like every status but
    the draft).
    """

    def make(status: str) -> Amendment:
        amendment = file_amendment()
        if status == Status.DRAFT:
            return amendment
        amendment = services.amendment_submit(
            amendment=amendment, user=ngo_user, expected_version=amendment.version
        )
        if status == Status.SUBMITTED:
            return amendment
        if status == Status.WITHDRAWN:
            return services.amendment_withdraw(
                amendment=amendment,
                user=ngo_user,
                expected_version=amendment.version,
                reason="Superseded.",
            )
        amendment = services.amendment_screen(
            amendment=amendment,
            user=secretariat_user,
            admissible=status != Status.INADMISSIBLE,
            reason="Out of scope." if status == Status.INADMISSIBLE else "",
        )
        if status in (Status.ADMISSIBLE, Status.INADMISSIBLE):
            return amendment
        return services.amendment_decide(
            amendment=amendment,
            user=secretariat_user,
            outcome=status,
            adopted_text="Parties value diversity."
            if status == Status.ADOPTED_AS_AMENDED
            else None,
            reason="Decision 19.IGC 7",
        )

    return make


@pytest.fixture
def submitted(amendment_in) -> Amendment:
    return amendment_in(Status.SUBMITTED)


@pytest.fixture
def admissible(amendment_in) -> Amendment:
    return amendment_in(Status.ADMISSIBLE)


@pytest.fixture
def ngo_colleague(django_user_model, ngo):
    """A second member of the proposing organisation."""
    return member(django_user_model, "ngo-colleague", ngo)


@pytest.fixture
def other_party(db) -> Organisation:
    return Organisation.objects.create(name="Otherland", kind=Organisation.Kind.PARTY)


@pytest.fixture
def other_delegate_user(django_user_model, other_party):
    return member(django_user_model, "other-delegate", other_party)
