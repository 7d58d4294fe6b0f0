"""The admin shows amendments and their history; the procedure runs through the services.

Status, number and everything that the status machine sets are read-only here: moving an
amendment along its statuses, or renumbering it, in a form would bypass the checks (and
could leave a gap in the numbers). Changes made here still bump the version, so a user
editing the same amendment meanwhile is refused instead of overwriting them.

Every change made here is appended to the audit trail as an edit (``services.
audit_admin_edit``), with what the amendment then holds: a draft's receipt is then of its
new wording, and a correction to a submitted amendment (a typo in its justification) is
on the record beside the filing receipt, which stays that of its submission.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from amendments import services
from amendments.models import (
    Amendment,
    AmendmentSupport,
    AmendmentWindow,
    AuditRecord,
    CoSponsorship,
)

_PROCEDURE_FIELDS = [
    "edition",
    "clause",
    "operation",
    "insert_position",
    "base_text",
    "base_version",
    "proposer",
    "status",
    "number",
    "sequence",
    "submitted_at",
    "decided_at",
    "version",
    "created_by",
    "created_at",
    "updated_at",
]


class CoSponsorshipInline(admin.TabularInline):
    model = CoSponsorship
    extra = 0
    fields = readonly_fields = ("organisation", "created_by", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # through amendment_cosign


class AmendmentSupportInline(admin.TabularInline):
    model = AmendmentSupport
    extra = 0
    fields = readonly_fields = ("organisation", "stance", "user", "updated_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # through amendment_support


@admin.register(Amendment)
class AmendmentAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "edition", "clause", "operation", "proposer", "status", "version"]
    list_filter = ["edition", "status", "operation", "proposer"]
    search_fields = ["number", "proposed_text", "justification"]
    list_select_related = ["edition", "clause", "proposer"]
    raw_id_fields = ["positions"]
    inlines = [CoSponsorshipInline, AmendmentSupportInline]
    fields = [
        *_PROCEDURE_FIELDS,
        "proposed_text",
        "justification",
        "positions",
        "inadmissibility_reason",
        "adopted_text",
        "recommendation",
        "recommended_outcome",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and not obj.is_draft:
            # A submitted text is frozen, in the admin as everywhere.
            return [*_PROCEDURE_FIELDS, "proposed_text"]
        return list(_PROCEDURE_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # amendments are filed through amendment_create

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A numbered amendment stays: deleting it would leave a gap in the numbers.
        if obj is not None and not obj.is_draft:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Amendment, form: Any, change: bool) -> None:
        obj.version += 1
        obj._change_reason = "Edited in the admin"  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # the positions, then the record
        if change and form.has_changed():
            services.audit_admin_edit(amendment=form.instance, user=request.user)  # type: ignore[arg-type]


@admin.register(AmendmentWindow)
class AmendmentWindowAdmin(SimpleHistoryAdmin):
    list_display = ["edition", "opens_at", "closes_at", "time_zone"]
    list_select_related = ["edition"]


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """The audit trail, to read only: the application never changes nor deletes a record
    (``verify_audit`` would report it), so the admin may neither add, change nor delete."""

    list_display = ["sequence", "recorded_at", "action", "amendment_id", "edition_id"]
    list_filter = ["action"]
    search_fields = ["record_hash", "content_hash"]
    ordering = ["-sequence"]
    fields = readonly_fields = (
        "sequence",
        "recorded_at",
        "action",
        "amendment_id",
        "edition_id",
        "organisation_id",
        "user_id",
        "content",
        "content_hash",
        "previous_hash",
        "record_hash",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
