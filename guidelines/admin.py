from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from guidelines import services
from guidelines.models import Clause, Edition, Instrument


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "body"]
    search_fields = ["slug", "title"]


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = [
        "slug",
        "label",
        "instrument",
        "status",
        "completeness",
        "language",
        "published",
    ]
    list_filter = ["instrument", "status", "completeness", "language", "published"]
    search_fields = ["slug", "label", "title"]

    def has_change_permission(self, request: HttpRequest, obj: Edition | None = None) -> bool:
        # An adopted edition is read-only, in the admin as everywhere.
        if obj is not None and obj.is_adopted:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Edition | None = None) -> bool:
        if obj is not None and obj.is_adopted:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Clause)
class ClauseAdmin(SimpleHistoryAdmin):
    list_display = ["eid", "number", "kind", "edition", "version"]
    list_filter = ["edition", "kind"]
    search_fields = ["eid", "number", "text", "heading"]
    list_select_related = ["edition"]
    fields = ["edition", "eid", "number", "kind", "parent", "heading", "text", "note", "version"]
    readonly_fields = ["edition", "eid", "number", "kind", "parent", "version"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # clauses come from imports and forks

    def has_change_permission(self, request: HttpRequest, obj: Clause | None = None) -> bool:
        if obj is not None and obj.edition.is_adopted:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Clause | None = None) -> bool:
        if obj is not None and obj.edition.is_adopted:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Clause, form: Any, change: bool) -> None:
        # Through the service: the version is checked and the history row gets a reason.
        services.clause_update(
            clause=obj,
            user=request.user,  # type: ignore[arg-type]
            expected_version=obj.version,
            reason="Edited in the admin",
            text=obj.text,
            heading=obj.heading,
        )
