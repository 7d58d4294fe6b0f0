from django.contrib import admin

from positions.models import Membership, Organisation, Position, PositionLink, PositionPaper


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "kind", "accredited"]
    list_filter = ["kind", "accredited"]
    search_fields = ["name", "acronym"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(PositionPaper)
class PositionPaperAdmin(admin.ModelAdmin):
    list_display = ["title", "date", "language", "meeting_reference", "source_file"]
    list_filter = ["language", "organisations"]
    search_fields = ["title", "meeting_reference"]
    filter_horizontal = ["organisations"]
    # Positions quote the text by character offsets: it is never edited.
    readonly_fields = ["text", "source_file"]


class PositionLinkInline(admin.TabularInline):
    model = PositionLink
    extra = 0
    raw_id_fields = ["clause"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["summary", "organisation", "stance", "paper"]
    list_filter = ["stance", "organisation"]
    list_select_related = ["organisation", "paper"]
    search_fields = ["summary"]
    raw_id_fields = ["paper", "organisation", "created_by"]
    # The range is checked against the paper by services.position_create only.
    readonly_fields = ["excerpt_start", "excerpt_end", "excerpt"]
    inlines = [PositionLinkInline]
