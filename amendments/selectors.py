"""Every non-trivial read of amendments, filtered by what the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import Http404

from amendments.models import Amendment, AmendmentQuerySet, CoSponsorship
from guidelines.models import Clause
from guidelines.permissions import User, organisation_of


def amendments_visible_to(user: User | None) -> AmendmentQuerySet:
    """Submitted amendments (and all later statuses) on editions the user may read, plus
    the drafts of the user's own organisation. Nobody else's drafts, not even for the
    secretariat: a draft is private to its organisation until submitted.
    """
    return Amendment.objects.visible_to(user)


def amendment_get(*, pk: int, user: User | None) -> Amendment:
    """The amendment if the user may see it; ``Http404`` otherwise (a private draft's
    existence stays private)."""
    amendment = (
        amendments_visible_to(user)
        .select_related("edition", "clause", "proposer", "created_by")
        .filter(pk=pk)
        .first()
    )
    if amendment is None:
        raise Http404("No such amendment.")
    return amendment


@dataclass(frozen=True)
class AmendmentFilters:
    """The list's filters; empty means "any". ``edition`` is a slug, ``proposer`` and
    ``clause`` are ids."""

    edition: str = ""
    status: str = ""
    proposer: int | None = None
    clause: int | None = None
    operation: str = ""


def amendment_list(
    *, user: User | None, filters: AmendmentFilters | None = None
) -> AmendmentQuerySet:
    """The amendments the user may see, filtered, in number order within each edition
    (drafts last), with everything a list row shows (edition, clause, proposer,
    co-sponsors) fetched up front: the number of queries does not grow with the rows.
    """
    filters = filters or AmendmentFilters()
    queryset = amendments_visible_to(user)
    if filters.edition:
        queryset = queryset.filter(edition__slug=filters.edition)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.proposer is not None:
        queryset = queryset.filter(proposer_id=filters.proposer)
    if filters.clause is not None:
        queryset = queryset.filter(clause_id=filters.clause)
    if filters.operation:
        queryset = queryset.filter(operation=filters.operation)
    return (
        queryset.select_related("edition", "clause", "proposer")
        .prefetch_related(
            Prefetch(
                "cosponsorships",
                queryset=CoSponsorship.objects.select_related("organisation"),
            ),
        )
        .in_number_order()
    )


def amendments_of_clause(*, clause: Clause, user: User | None) -> list[Amendment]:
    """The amendments the user may see that target ``clause``, numbered ones first in
    number order, then the user's organisation's drafts; with their proposer."""
    return list(
        amendments_visible_to(user)
        .filter(clause=clause)
        .select_related("edition", "clause", "proposer")
        .in_number_order()
    )


@dataclass(frozen=True)
class TimelineEvent:
    """A change of status: when, to what, by which organisation (never which person:
    public pages name organisations only), and why."""

    date: datetime.datetime
    status: str
    organisation: str
    reason: str


def amendment_timeline(*, amendment: Amendment) -> list[TimelineEvent]:
    """The amendment's statuses over time, from its history (one query)."""
    records = (
        Amendment.history.filter(id=amendment.pk)
        .select_related("history_user__membership__organisation")
        .order_by("history_id")
    )
    events: list[TimelineEvent] = []
    previous = None
    for record in records:
        if record.status == previous:
            continue
        previous = record.status
        membership = getattr(record.history_user, "membership", None)
        events.append(
            TimelineEvent(
                date=record.history_date,
                status=str(Amendment.Status(record.status).label),
                organisation=str(membership.organisation) if membership else "",
                reason=record.history_change_reason or "",
            )
        )
    return events


def amendment_page(*, amendment: Amendment, user: User | None) -> dict[str, Any]:
    """What the amendment's page shows besides the amendment itself: co-sponsors,
    supports, linked positions, the timeline, and the user's organisation's own signature
    and stance. The caller has checked that the user may see the amendment."""
    cosponsors = list(amendment.cosponsorships.select_related("organisation"))
    supports = list(amendment.supports.select_related("organisation"))
    organisation = organisation_of(user)
    own = organisation.pk if organisation is not None else None
    return {
        "cosponsors": cosponsors,
        "supports": supports,
        "positions": list(amendment.positions.select_related("paper", "organisation")),
        "timeline": amendment_timeline(amendment=amendment),
        "user_cosigned": any(c.organisation_id == own for c in cosponsors),
        "user_support": next((s for s in supports if s.organisation_id == own), None),
    }
