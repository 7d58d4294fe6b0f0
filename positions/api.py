"""The API of papers and positions: read-only. Papers and positions are public; a
position's links to clauses are listed only for editions the user may read."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from config.api import IdFilter
from guidelines.models import Edition
from positions.models import Position, PositionLink, PositionPaper


class PaperSerializer(serializers.ModelSerializer):
    organisations = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = PositionPaper
        fields = ["id", "title", "date", "language", "meeting_reference", "organisations", "text"]


class PaperListSerializer(PaperSerializer):
    class Meta(PaperSerializer.Meta):
        fields = [f for f in PaperSerializer.Meta.fields if f != "text"]


class LinkSerializer(serializers.Serializer):
    edition = serializers.CharField()
    eid = serializers.CharField()
    clause = serializers.IntegerField()
    rationale = serializers.CharField()


class PositionSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="name", read_only=True)
    excerpt = serializers.CharField(read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Position
        fields = ["id", "paper", "organisation", "stance", "summary", "excerpt", "links"]

    @extend_schema_field(LinkSerializer(many=True))
    def get_links(self, position: Position) -> list[dict[str, Any]]:
        return [
            {
                "edition": link.clause.edition.slug,
                "eid": link.clause.eid,
                "clause": link.clause_id,
                "rationale": link.rationale,
            }
            for link in position.visible_links  # type: ignore[attr-defined]
        ]


class PaperViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = PositionPaper.objects.prefetch_related("organisations").order_by("date", "pk")
    filterset_fields = ["language"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return PaperSerializer if self.action == "retrieve" else PaperListSerializer


class PositionFilter(django_filters.FilterSet):
    organisation = IdFilter(field_name="organisation_id")
    clause = IdFilter(method="linked_to", label="clause (id)")

    class Meta:
        model = Position
        fields = ["paper", "organisation", "stance", "clause"]

    def linked_to(self, queryset: QuerySet[Position], name: str, value: int) -> QuerySet[Position]:
        # Only through links the user may see: a private edition's clause finds nothing.
        visible = Edition.objects.visible_to(self.request.user)  # type: ignore[union-attr]
        return queryset.filter(
            links__clause_id=value, links__clause__edition__in=visible
        ).distinct()


class PositionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PositionSerializer
    filterset_class = PositionFilter

    def get_queryset(self) -> QuerySet[Position]:
        links = PositionLink.objects.filter(
            clause__edition__in=Edition.objects.visible_to(self.request.user)
        ).select_related("clause__edition")
        return (
            Position.objects.select_related("organisation", "paper")
            .prefetch_related(Prefetch("links", queryset=links, to_attr="visible_links"))
            .order_by("paper_id", "excerpt_start", "pk")
        )
