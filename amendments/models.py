"""What is proposed and what happens to it: amendments, their co-sponsors and supporters,
and the window in which an edition accepts them.

The status machine lives here as data (``Amendment.NEXT_STATUSES``); the services in
``amendments/services.py`` are the only code that moves an amendment along it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from guidelines.models import Clause, Edition
from positions.models import Organisation

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

MEETING_TIME_ZONE = "Europe/Paris"  # UNESCO meetings are held in Paris


def _history(*, excluded_fields: list[str] | None = None) -> HistoricalRecords:
    """History with the user and a reason of any length: the reasons are the users' own
    words (why an amendment is inadmissible, withdrawn, decided), not a 100-character
    label, which PostgreSQL would refuse."""
    return HistoricalRecords(
        user_model=settings.AUTH_USER_MODEL,
        history_change_reason_field=models.TextField(null=True),
        excluded_fields=excluded_fields,
    )


class AmendmentQuerySet(models.QuerySet["Amendment"]):
    def public(self) -> AmendmentQuerySet:
        """Amendments that were submitted once: a draft never is, even when withdrawn."""
        return self.filter(submitted_at__isnull=False)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser | None) -> AmendmentQuerySet:
        """The queryset form of ``permissions.can_view_amendment`` (keep the two in step).

        Submitted amendments (and everything after) are public; drafts are private to
        the proposing organisation's members, the secretariat included. Amendments to an
        edition the user cannot read are hidden with it.
        """
        from guidelines.permissions import is_secretariat, organisation_of

        visible = Q(submitted_at__isnull=False)
        organisation = organisation_of(user)
        if organisation is not None:
            visible |= Q(proposer=organisation)
        queryset = self.filter(visible)
        if not is_secretariat(user):
            queryset = queryset.filter(edition__published=True)
        return queryset

    def in_number_order(self) -> AmendmentQuerySet:
        return self.order_by("edition_id", F("sequence").asc(nulls_last=True), "pk")


class Amendment(models.Model):
    """A proposal to replace, insert or delete one clause of a draft or working edition.

    ``base_text``/``base_version`` are the clause as it read when the amendment was
    filed, so a later change of the clause shows as a stale base instead of being
    silently merged. ``number`` (A-1, A-2, …) is given at submission, gapless per target
    edition; drafts have none. ``version`` counts the changes of this row and guards
    concurrent writes (see the services).
    """

    class Operation(models.TextChoices):
        REPLACE = "replace", _("replace the text")
        INSERT = "insert", _("insert a new clause")
        DELETE = "delete", _("delete the clause")

    class InsertPosition(models.TextChoices):
        # "before" places a clause ahead of the first known one, in a text (such as a
        # partial edition) that has no section to insert at the start of.
        BEFORE = "before", _("before the clause")
        AFTER = "after", _("after the clause")
        START = "start", _("at the start of the section")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        ADMISSIBLE = "admissible", _("admissible")
        INADMISSIBLE = "inadmissible", _("inadmissible")
        ADOPTED = "adopted", _("adopted")
        ADOPTED_AS_AMENDED = "adopted_as_amended", _("adopted as amended")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Outcome(models.TextChoices):
        """A decision (or the secretariat's recommendation of one): the decided status."""

        ADOPTED = "adopted", _("adopt")
        ADOPTED_AS_AMENDED = "adopted_as_amended", _("adopt as amended")
        REJECTED = "rejected", _("reject")

    # The status machine: from a status, the statuses an amendment may move to.
    NEXT_STATUSES: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
        Status.SUBMITTED: frozenset({Status.ADMISSIBLE, Status.INADMISSIBLE, Status.WITHDRAWN}),
        Status.ADMISSIBLE: frozenset(
            {Status.ADOPTED, Status.ADOPTED_AS_AMENDED, Status.REJECTED, Status.WITHDRAWN}
        ),
        Status.INADMISSIBLE: frozenset(),
        Status.ADOPTED: frozenset(),
        Status.ADOPTED_AS_AMENDED: frozenset(),
        Status.REJECTED: frozenset(),
        Status.WITHDRAWN: frozenset(),
    }
    # What may happen to an amendment without moving it: editing its text (drafts only,
    # afterwards the text is frozen), co-signing, supporting, recommending an outcome.
    EDITABLE_STATUSES = frozenset({Status.DRAFT})
    COSIGNABLE_STATUSES = frozenset({Status.DRAFT, Status.SUBMITTED})
    SUPPORTABLE_STATUSES = frozenset({Status.SUBMITTED, Status.ADMISSIBLE})
    RECOMMENDABLE_STATUSES = frozenset({Status.SUBMITTED, Status.ADMISSIBLE})
    OPEN_STATUSES = frozenset({Status.DRAFT, Status.SUBMITTED, Status.ADMISSIBLE})

    edition = models.ForeignKey(
        Edition,
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("target edition"),
    )
    number = models.CharField(_("number"), max_length=16, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True, editable=False)
    operation = models.CharField(_("operation"), max_length=10, choices=Operation.choices)
    clause = models.ForeignKey(
        Clause,
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("target clause"),
        help_text=_(
            "The clause replaced or deleted; for an insertion, the clause after which the "
            "new clause goes, or the section at whose start it goes."
        ),
    )
    insert_position = models.CharField(
        _("insert position"), max_length=6, choices=InsertPosition.choices, blank=True
    )
    base_text = models.TextField(_("base text"), blank=True)
    base_version = models.PositiveIntegerField(_("base clause version"))
    proposed_text = models.TextField(_("proposed text"), blank=True)
    justification = models.TextField(_("justification"), blank=True)
    proposer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="amendments_proposed",
        verbose_name=_("proposing organisation"),
    )
    cosponsors: models.ManyToManyField[Organisation, CoSponsorship] = models.ManyToManyField(
        Organisation,
        through="CoSponsorship",
        related_name="amendments_cosponsored",
        verbose_name=_("co-sponsors"),
        blank=True,
    )
    positions = models.ManyToManyField(
        "positions.Position",
        related_name="amendments",
        verbose_name=_("linked positions"),
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    inadmissibility_reason = models.TextField(_("reason for inadmissibility"), blank=True)
    adopted_text = models.TextField(
        _("adopted text"), blank=True, help_text=_("The text adopted, when adopted as amended.")
    )
    recommendation = models.TextField(_("secretariat recommendation"), blank=True)
    recommended_outcome = models.CharField(
        _("recommended outcome"), max_length=20, choices=Outcome.choices, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Proposed text and justification folded for search (guidelines.searching).
    search_text = models.TextField(blank=True, default="", editable=False)

    # The search text is derived from the wording: the history need not keep it.
    history = _history(excluded_fields=["search_text"])

    objects = AmendmentQuerySet.as_manager()

    class Meta:
        ordering = ["edition", F("sequence").asc(nulls_last=True), "pk"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "sequence"],
                condition=Q(sequence__isnull=False),
                name="amendment_number_unique_in_edition",
            ),
            # Numbered exactly when submitted once; a draft never has a number.
            models.CheckConstraint(
                condition=(
                    Q(sequence__isnull=True, submitted_at__isnull=True, number="")
                    | (Q(sequence__isnull=False, submitted_at__isnull=False) & ~Q(number=""))
                ),
                name="amendment_numbered_when_submitted",
            ),
            models.CheckConstraint(
                condition=~Q(status="draft") | Q(submitted_at__isnull=True),
                name="amendment_draft_not_submitted",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "withdrawn"]) | Q(submitted_at__isnull=False),
                name="amendment_submitted_before_screening",
            ),
            models.CheckConstraint(
                condition=(
                    Q(operation="insert", insert_position__in=["before", "after", "start"])
                    | (~Q(operation="insert") & Q(insert_position=""))
                ),
                name="amendment_insert_position_for_inserts",
            ),
        ]
        indexes = [
            models.Index(fields=["edition", "status"], name="amendment_edition_status"),
            # The list's order (in_number_order): the page is read off the index.
            models.Index(fields=["edition", "sequence", "id"], name="amendment_number_order"),
            models.Index(fields=["status"], name="amendment_status"),
            models.Index(fields=["proposer", "status"], name="amendment_proposer_status"),
            models.Index(fields=["clause", "status"], name="amendment_clause_status"),
            models.Index(fields=["operation"], name="amendment_operation"),
            # The list's "submitted" ordering, within an edition and across them.
            models.Index(fields=["edition", "submitted_at"], name="amendment_edition_submitted"),
            models.Index(fields=["submitted_at"], name="amendment_submitted"),
        ]

    def __str__(self) -> str:
        return self.number or _("draft amendment %(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("amendment_detail", kwargs={"pk": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_public(self) -> bool:
        """Submitted once (and so numbered): visible to everyone who can read the edition."""
        return self.submitted_at is not None

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def may_move_to(self, status: str) -> bool:
        return status in self.NEXT_STATUSES[self.status]

    @property
    def base_is_stale(self) -> bool:
        """The target clause changed since the amendment was filed (reads the clause)."""
        return self.clause.version != self.base_version


class CoSponsorship(models.Model):
    """An organisation's signature on another organisation's amendment.

    Withdrawing the signature deletes the row; its history keeps who signed, who
    withdrew, when and why.
    """

    amendment = models.ForeignKey(
        Amendment,
        on_delete=models.CASCADE,
        related_name="cosponsorships",
        verbose_name=_("amendment"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="cosponsorships",
        verbose_name=_("organisation"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    created_at = models.DateTimeField(_("signed at"), auto_now_add=True)

    history = _history()

    class Meta:
        ordering = ["amendment", "created_at", "pk"]
        verbose_name = _("co-sponsorship")
        verbose_name_plural = _("co-sponsorships")
        constraints = [
            models.UniqueConstraint(
                fields=["amendment", "organisation"], name="cosponsorship_once_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.amendment}"


class AmendmentSupport(models.Model):
    """A delegation's (or an organisation's) support for, or opposition to, an amendment."""

    class Stance(models.TextChoices):
        SUPPORT = "support", _("supports")
        OPPOSE = "oppose", _("opposes")

    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, related_name="supports", verbose_name=_("amendment")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="amendment_supports",
        verbose_name=_("organisation"),
    )
    stance = models.CharField(_("stance"), max_length=7, choices=Stance.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = _history()

    class Meta:
        ordering = ["amendment", "organisation"]
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(
                fields=["amendment", "organisation"], name="amendment_support_once_per_organisation"
            ),
        ]
        indexes = [models.Index(fields=["amendment", "stance"], name="amendment_support_stance")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.get_stance_display()} {self.amendment}"


class AmendmentWindow(models.Model):
    """When an edition accepts amendments: from ``opens_at`` (included) to ``closes_at``
    (excluded), stored in UTC and shown in the meeting's time zone.

    An edition without a window accepts none.
    """

    edition = models.OneToOneField(
        Edition,
        on_delete=models.CASCADE,
        related_name="amendment_window",
        verbose_name=_("edition"),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    time_zone = models.CharField(
        _("meeting time zone"),
        max_length=64,
        default=MEETING_TIME_ZONE,
        help_text=_("The times are shown in this zone (an IANA name such as Europe/Paris)."),
    )

    history = _history()

    class Meta:
        verbose_name = _("amendment window")
        verbose_name_plural = _("amendment windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at")), name="amendment_window_opens_first"
            ),
        ]

    def __str__(self) -> str:
        return _("%(edition)s: from %(opens)s to %(closes)s") % {
            "edition": self.edition,
            "opens": self.format(self.opens_at),
            "closes": self.format(self.closes_at),
        }

    def contains(self, instant: datetime.datetime | None = None) -> bool:
        """Whether ``instant`` (an aware datetime; now by default) is inside the window."""
        instant = instant or timezone.now()
        return self.opens_at <= instant < self.closes_at

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local(self, instant: datetime.datetime) -> datetime.datetime:
        """``instant`` in the meeting's time zone, for display."""
        return instant.astimezone(self.zone)

    @property
    def opens_at_local(self) -> datetime.datetime:
        return self.local(self.opens_at)

    @property
    def closes_at_local(self) -> datetime.datetime:
        return self.local(self.closes_at)

    def format(self, instant: datetime.datetime) -> str:
        """``2026-03-12 18:00 CET (Europe/Paris)``: unambiguous in messages and exports."""
        return f"{self.local(instant):%Y-%m-%d %H:%M %Z} ({self.time_zone})"


# --- following and notifications -----------------------------------------------------


class Follow(models.Model):
    """A user follows one edition, one clause or one amendment (exactly one of the three).

    ``language`` is the interface language the user had when they followed: their
    e-mails are written in it (the application keeps no other language preference).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="follows",
        verbose_name=_("user"),
    )
    edition = models.ForeignKey(
        Edition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follows",
        verbose_name=_("edition"),
    )
    clause = models.ForeignKey(
        Clause,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follows",
        verbose_name=_("clause"),
    )
    amendment = models.ForeignKey(
        Amendment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follows",
        verbose_name=_("amendment"),
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "-created_at", "pk"]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(edition__isnull=False, clause__isnull=True, amendment__isnull=True)
                    | Q(edition__isnull=True, clause__isnull=False, amendment__isnull=True)
                    | Q(edition__isnull=True, clause__isnull=True, amendment__isnull=False)
                ),
                name="follow_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "edition"],
                condition=Q(edition__isnull=False),
                name="follow_edition_once",
            ),
            models.UniqueConstraint(
                fields=["user", "clause"],
                condition=Q(clause__isnull=False),
                name="follow_clause_once",
            ),
            models.UniqueConstraint(
                fields=["user", "amendment"],
                condition=Q(amendment__isnull=False),
                name="follow_amendment_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.edition or self.clause or self.amendment}"


class Notification(models.Model):
    """Something happened to what a user follows.

    The facts are stored (the verb, the amendment's number, the old and new status codes,
    the edition's label), not a sentence: ``message`` writes the sentence in the language
    of whoever reads it.
    """

    class Verb(models.TextChoices):
        AMENDMENT_SUBMITTED = "amendment_submitted", _("amendment submitted")
        STATUS_CHANGED = "status_changed", _("status changed")
        EDITION_CREATED = "edition_created", _("edition created")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="+", verbose_name=_("edition")
    )
    amendment = models.ForeignKey(
        Amendment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("amendment"),
    )
    verb = models.CharField(_("what happened"), max_length=20, choices=Verb.choices)
    amendment_number = models.CharField(_("amendment number"), max_length=16, blank=True)
    old_status = models.CharField(
        _("old status"), max_length=20, choices=Amendment.Status.choices, blank=True
    )
    new_status = models.CharField(
        _("new status"), max_length=20, choices=Amendment.Status.choices, blank=True
    )
    edition_label = models.CharField(_("edition label"), max_length=200)
    url = models.CharField(_("link"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"], name="notification_user_unread")
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def message(self) -> str:
        """The sentence, in the active language."""
        facts = {
            "amendment": self.amendment_number,
            "edition": self.edition_label,
            "old": _status_label(self.old_status),
            "new": _status_label(self.new_status),
        }
        if self.verb == self.Verb.AMENDMENT_SUBMITTED:
            return _("Amendment %(amendment)s to %(edition)s was submitted.") % facts
        if self.verb == self.Verb.STATUS_CHANGED:
            return _("Amendment %(amendment)s to %(edition)s went from %(old)s to %(new)s.") % facts
        return _("A new edition was created: %(edition)s.") % facts


def _status_label(status: str) -> str:
    return str(Amendment.Status(status).label) if status in Amendment.Status.values else status


# --- the audit trail ---------------------------------------------------------------------


class AuditRecord(models.Model):
    """One thing done in the procedure, sealed into a hash chain (``amendments.auditing``).

    Appended by the services only (``services.audit_append``), inside the transaction of
    the write it records; never changed nor deleted by the application. ``content`` is
    what was done, in the organisations' names; ``content_hash`` and ``record_hash`` are
    computed from it and the header as ``amendments.auditing`` says, so whoever holds a
    receipt can recompute them.

    The subject is kept as plain ids, not foreign keys: a record outlives a deleted draft.
    ``user_id`` (who clicked) is kept beside the chain, outside both hashes: public
    receipts name organisations, never users, and must still be recomputable in full.
    """

    class Action(models.TextChoices):
        FILED = "filed", _("draft amendment filed")
        EDITED = "edited", _("draft amendment edited")
        SUBMITTED = "submitted", _("amendment submitted")
        RECORDED = "recorded", _("amendment recorded as submitted")
        WITHDRAWN = "withdrawn", _("amendment withdrawn")
        COSIGNED = "cosigned", _("amendment co-signed")
        SIGNATURE_WITHDRAWN = "signature_withdrawn", _("signature withdrawn")
        SUPPORTED = "supported", _("stance taken")
        SUPPORT_WITHDRAWN = "support_withdrawn", _("stance withdrawn")
        SCREENED = "screened", _("amendment screened")
        RECOMMENDED = "recommended", _("recommendation recorded")
        DECIDED = "decided", _("decision recorded")
        CONSOLIDATED = "consolidated", _("edition consolidated")

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    amendment_id = models.BigIntegerField(_("amendment id"), null=True, blank=True)
    edition_id = models.BigIntegerField(_("edition id"), null=True, blank=True)
    organisation_id = models.BigIntegerField(_("acting organisation id"), null=True, blank=True)
    user_id = models.BigIntegerField(_("acting user id"), null=True, blank=True)
    content = models.JSONField(_("content"))
    content_hash = models.CharField(_("content SHA-256"), max_length=64)
    previous_hash = models.CharField(_("previous record's SHA-256"), max_length=64)
    record_hash = models.CharField(_("record SHA-256"), max_length=64)

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        indexes = [
            models.Index(fields=["amendment_id", "action"], name="audit_amendment_action"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.get_action_display()}"


class AuditChain(models.Model):
    """The head of the audit chain: one row, the last record's sequence and hash.

    Appending locks this row, so appends queue one behind the other and the chain never
    forks (two records with the same predecessor); verifying compares the end of the
    records with it, which catches records removed from the end.
    """

    sequence = models.PositiveBigIntegerField(_("last sequence"), default=0)
    last_hash = models.CharField(_("last record's SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.last_hash}"
