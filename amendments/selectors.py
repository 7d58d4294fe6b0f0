"""Every non-trivial read of amendments, filtered by what the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from amendments import auditing, consolidating
from amendments.compilation import CompilationRow, CompilationSupport
from amendments.models import (
    Amendment,
    AmendmentQuerySet,
    AmendmentSupport,
    AuditChain,
    AuditRecord,
    CoSponsorship,
)
from guidelines.models import Clause, Edition
from guidelines.permissions import User, organisation_of
from guidelines.selectors import CompareOptions, Comparison, compare_editions


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


WHAT_IF_STATUSES = (
    Amendment.Status.SUBMITTED,
    Amendment.Status.ADMISSIBLE,
    Amendment.Status.ADOPTED,
    Amendment.Status.ADOPTED_AS_AMENDED,
)


def what_if_candidates(*, edition: Edition, user: User | None) -> AmendmentQuerySet:
    """The amendments a what-if may apply: submitted and still open, or adopted."""
    return (
        amendments_visible_to(user)
        .filter(edition=edition, status__in=WHAT_IF_STATUSES)
        .select_related("clause", "proposer")
        .in_number_order()
    )


def plan_rows(plan: consolidating.Plan) -> list[dict[str, Any]]:
    """The planned text as rows for ``compare_editions(b_rows=...)``."""
    return [
        {
            "id": -index,
            "kind": clause.kind,
            "number": clause.number,
            "eid": clause.eid,
            "depth": clause.depth,
            "heading": clause.heading,
            "text": clause.text,
            "note": "",
            "words": f"{clause.heading} {clause.text}".strip(),
            "inserted_by": clause.inserted_by,
        }
        for index, clause in enumerate(plan.clauses, start=1)
    ]


def what_if(
    *,
    edition: Edition,
    amendments: list[Amendment],
    user: User,
    options: CompareOptions | None = None,
    resolutions: dict[str, consolidating.Resolution] | None = None,
    as_proposed: bool = True,
) -> tuple[consolidating.Plan, Comparison]:
    """The edition as it would read with ``amendments`` applied, and its comparison
    with the edition. Nothing is recorded. ``as_proposed`` applies each amendment's
    proposed text (a what-if), else what was adopted (a consolidation preview)."""
    from amendments.services import plan_amendments, plan_clauses

    planned = plan_amendments(amendments)
    if as_proposed:
        in_order = sorted(amendments, key=lambda a: (a.sequence or 0, a.pk))
        planned = [replace(p, text=a.proposed_text) for p, a in zip(planned, in_order, strict=True)]
    plan = consolidating.plan_consolidation(plan_clauses(edition), planned, resolutions)
    hypothetical = Edition(
        instrument=edition.instrument,
        slug=edition.slug,
        label=_("%(label)s, with the selected amendments") % {"label": edition.label},
        language=edition.language,
        status=Edition.Status.WORKING,
        completeness=edition.completeness,
        based_on=edition,
    )
    comparison = compare_editions(
        a=edition, b=hypothetical, user=user, options=options, b_rows=plan_rows(plan)
    )
    return plan, comparison


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


def compilation_rows(*, edition: Edition, user: User | None) -> list[CompilationRow]:
    """The compilation of the edition's amendments: one row per amendment submitted once
    (numbered), in number order (A-1, A-2, …, A-10), whatever its status since:
    withdrawn and inadmissible ones stay, with their status, so the numbering reads
    without gaps. Drafts are never compiled, not even the user's organisation's own:
    the compilation is of what was tabled.

    Only what the user may see (``amendments_visible_to``); the caller has checked that
    the user may read the edition. Organisations are named, never users. Three queries,
    however many amendments, co-sponsors and supports.
    """
    # Plain values and label tables built once: model instances, prefetch copies and
    # get_FOO_display() per row cost seconds on a compilation of thousands.
    rows = list(
        amendments_visible_to(user)
        .filter(edition=edition, sequence__isnull=False)
        .in_number_order()
        .values(
            "pk", "number", "operation", "insert_position", "base_text", "proposed_text",
            "adopted_text", "justification", "status", "recommendation",
            "recommended_outcome", "clause__number", "clause__eid", "proposer__name",
        )
    )  # fmt: skip
    ids = [row["pk"] for row in rows]
    cosponsors: dict[int, list[str]] = {}
    for amendment_id, name in (
        CoSponsorship.objects.filter(amendment_id__in=ids)
        .order_by("created_at", "pk")
        .values_list("amendment_id", "organisation__name")
    ):
        cosponsors.setdefault(amendment_id, []).append(name)
    stance_labels = {k: str(v) for k, v in AmendmentSupport.Stance.choices}
    supports: dict[int, list[CompilationSupport]] = {}
    for amendment_id, name, stance in (
        AmendmentSupport.objects.filter(amendment_id__in=ids)
        .order_by("organisation__name", "pk")
        .values_list("amendment_id", "organisation__name", "stance")
    ):
        supports.setdefault(amendment_id, []).append(
            CompilationSupport(organisation=name, stance=stance, stance_label=stance_labels[stance])
        )
    labels = {
        name: {k: str(v) for k, v in choices}
        for name, choices in (
            ("operation", Amendment.Operation.choices),
            ("insert_position", Amendment.InsertPosition.choices),
            ("status", Amendment.Status.choices),
            ("recommended_outcome", Amendment.Outcome.choices),
        )
    }
    return [
        CompilationRow(
            number=row["number"],
            clause_number=row["clause__number"],
            clause_eid=row["clause__eid"],
            operation=row["operation"],
            insert_position=row["insert_position"],
            base_text=row["base_text"],
            proposed_text=row["proposed_text"],
            adopted_text=row["adopted_text"],
            justification=row["justification"],
            proposer=row["proposer__name"],
            status=row["status"],
            recommendation=row["recommendation"],
            recommended_outcome=row["recommended_outcome"],
            cosponsors=tuple(cosponsors.get(row["pk"], ())),
            supports=tuple(supports.get(row["pk"], ())),
            operation_label=labels["operation"].get(row["operation"], ""),
            # A blank code (no position, no outcome) has a blank label.
            insert_position_label=labels["insert_position"].get(row["insert_position"], ""),
            status_label=labels["status"].get(row["status"], ""),
            recommended_outcome_label=labels["recommended_outcome"].get(
                row["recommended_outcome"], ""
            ),
        )
        for row in rows
    ]


# --- the audit trail -------------------------------------------------------------------


def audit_records() -> QuerySet[AuditRecord, tuple[Any, ...]]:
    """Every audit record in sequence order, as the tuples ``auditing.StoredRecord``
    takes (its fields, in its order); iterate with ``.iterator()`` to hold few at once."""
    return AuditRecord.objects.order_by("sequence").values_list(
        "sequence",
        "recorded_at",
        "action",
        "amendment_id",
        "edition_id",
        "content",
        "content_hash",
        "previous_hash",
        "record_hash",
    )


def audit_head() -> tuple[int, str] | None:
    """The chain's head (last sequence, last hash); None when it has no head row (a
    database where nothing was ever recorded, or one whose head was removed)."""
    return AuditChain.objects.filter(pk=1).values_list("sequence", "last_hash").first()


@dataclass(frozen=True)
class FilingReceipt:
    """What an organisation keeps to prove what it filed and when: the audit record of
    the filing, its canonical content and header, and their SHA-256."""

    record: AuditRecord
    canonical_content: str
    canonical_header: str

    @property
    def recorded_at(self) -> datetime.datetime:
        return self.record.recorded_at

    @property
    def record_hash(self) -> str:
        return self.record.record_hash

    def as_json(self) -> dict[str, Any]:
        """The receipt as ``receipt.json`` gives it; no user is named."""
        record = self.record
        return {
            "sequence": record.sequence,
            "recorded_at": auditing.recorded_at_text(record.recorded_at),
            "action": record.action,
            "amendment_id": record.amendment_id,
            "edition_id": record.edition_id,
            "content": record.content,
            "canonical_content": self.canonical_content,
            "content_hash": record.content_hash,
            "previous_hash": record.previous_hash,
            "canonical_header": self.canonical_header,
            "record_hash": record.record_hash,
        }


FILING_ACTIONS = (AuditRecord.Action.SUBMITTED, AuditRecord.Action.RECORDED)
DRAFTING_ACTIONS = (AuditRecord.Action.FILED, AuditRecord.Action.EDITED)


def amendment_receipt(*, amendment: Amendment) -> FilingReceipt | None:
    """The filing receipt of an amendment the caller has checked the user may see: for an
    amendment submitted once, the record of its submission; for a draft, the record of
    its current wording (its filing, or its last edit). None for an amendment filed
    before the audit trail began."""
    actions = FILING_ACTIONS if amendment.is_public else DRAFTING_ACTIONS
    record = (
        AuditRecord.objects.filter(amendment_id=amendment.pk, action__in=actions)
        .order_by("-sequence")
        .first()
    )
    if record is None:
        return None
    fields = auditing.header_of(record)
    return FilingReceipt(
        record=record,
        canonical_content=auditing.canonical_json(record.content),
        canonical_header=auditing.canonical_json(fields),
    )
