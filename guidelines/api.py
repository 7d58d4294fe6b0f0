"""The API of the texts: instruments, editions, clauses (with their history),
correspondences and the comparison as data. Read-only; visibility as on the pages."""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from config.api import Pagination, etag
from guidelines import selectors
from guidelines.models import Clause, ClauseCorrespondence, Edition, Instrument


class InstrumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instrument
        fields = ["slug", "title", "body"]


class EditionSerializer(serializers.ModelSerializer):
    instrument = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    based_on = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Edition
        fields = [
            "slug",
            "label",
            "instrument",
            "language",
            "status",
            "completeness",
            "title",
            "subtitle",
            "date",
            "based_on",
            "published",
        ]


class ClauseSerializer(serializers.ModelSerializer):
    edition = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="eid", read_only=True, allow_null=True)

    class Meta:
        model = Clause
        fields = [
            "id",
            "edition",
            "eid",
            "number",
            "kind",
            "parent",
            "order",
            "depth",
            "heading",
            "text",
            "note",
            "version",
        ]


class ClauseVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    date = serializers.DateTimeField()
    organisation = serializers.CharField(source="user", help_text="who changed it (never a person)")
    reason = serializers.CharField()
    text = serializers.CharField()
    heading = serializers.CharField()


class ClauseDetailSerializer(ClauseSerializer):
    history = serializers.SerializerMethodField()

    class Meta(ClauseSerializer.Meta):
        fields = [*ClauseSerializer.Meta.fields, "history"]

    @extend_schema_field(ClauseVersionSerializer(many=True))
    def get_history(self, clause: Clause) -> list[dict[str, Any]]:
        versions = selectors.clause_versions(clause=clause)
        return ClauseVersionSerializer(versions, many=True).data  # type: ignore[return-value]


class CorrespondenceSerializer(serializers.ModelSerializer):
    edition_a = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    edition_b = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    source = serializers.SlugRelatedField(slug_field="eid", read_only=True, allow_null=True)
    target = serializers.SlugRelatedField(slug_field="eid", read_only=True, allow_null=True)

    class Meta:
        model = ClauseCorrespondence
        fields = [
            "id",
            "edition_a",
            "edition_b",
            "source",
            "target",
            "kind",
            "method",
            "score",
            "confirmed",
        ]


def visible_editions(request: Request) -> QuerySet[Edition]:
    return Edition.objects.visible_to(request.user)


class InstrumentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = InstrumentSerializer
    lookup_field = "slug"
    queryset = Instrument.objects.order_by("slug")


class EditionFilter(django_filters.FilterSet):
    instrument = django_filters.CharFilter(field_name="instrument__slug")

    class Meta:
        model = Edition
        fields = ["instrument", "language", "status", "completeness"]


class EditionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EditionSerializer
    lookup_field = "slug"
    filterset_class = EditionFilter

    def get_queryset(self) -> QuerySet[Edition]:
        return (
            visible_editions(self.request)
            .select_related("instrument", "based_on")
            .order_by("instrument__slug", "slug")
        )


class ClauseFilter(django_filters.FilterSet):
    edition = django_filters.CharFilter(field_name="edition__slug", method="filter_edition")

    def filter_edition(self, queryset: QuerySet[Clause], name: str, value: str) -> QuerySet[Clause]:
        # The edition's id as a scalar subquery, not a join on its slug: PostgreSQL then
        # reads the page straight from the (edition, order) index instead of walking
        # the clauses of the editions before it (95 ms at 100,000 clauses, now 1 ms).
        edition_id = Edition.objects.filter(slug=value).order_by().values("pk")[:1]
        return queryset.filter(edition_id=Subquery(edition_id))

    class Meta:
        model = Clause
        fields = ["edition", "eid", "kind", "number"]


class ClauseViewSet(viewsets.ReadOnlyModelViewSet):
    """Clauses of the editions the user may read, in document order; the detail has the
    clause's history and an ``ETag`` naming its version."""

    filterset_class = ClauseFilter

    def get_queryset(self) -> QuerySet[Clause]:
        return (
            Clause.objects.filter(edition__in=visible_editions(self.request))
            .select_related("edition", "parent")
            .order_by("edition_id", "order", "id")
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return ClauseDetailSerializer if self.action == "retrieve" else ClauseSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        clause = self.get_object()
        response = Response(self.get_serializer(clause).data)
        response["ETag"] = etag("clause", clause.pk, clause.version)
        return response


class CorrespondenceFilter(django_filters.FilterSet):
    a = django_filters.CharFilter(field_name="edition_a__slug", label="edition A (slug)")
    b = django_filters.CharFilter(field_name="edition_b__slug", label="edition B (slug)")

    class Meta:
        model = ClauseCorrespondence
        fields = ["a", "b", "kind", "confirmed"]


class CorrespondenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Clause correspondences stored for pairs of editions the user may both read."""

    serializer_class = CorrespondenceSerializer
    filterset_class = CorrespondenceFilter

    def get_queryset(self) -> QuerySet[ClauseCorrespondence]:
        editions = visible_editions(self.request)
        return (
            ClauseCorrespondence.objects.filter(edition_a__in=editions, edition_b__in=editions)
            .select_related("edition_a", "edition_b", "source", "target")
            .order_by("edition_a_id", "edition_b_id", "id")
        )


class CompareRowSerializer(serializers.Serializer):
    kind = serializers.CharField()
    a = serializers.ListField(child=serializers.CharField(), help_text="eids in edition A")
    b = serializers.CharField(allow_null=True, help_text="eid in edition B")
    changed = serializers.BooleanField()
    ops = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        help_text='[operation, text] pairs: "equal", "insert" or "delete"',
    )
    positions = serializers.ListField(child=serializers.IntegerField())
    amendments = serializers.ListField(child=serializers.IntegerField())


class CompareView(APIView):
    """Edition A against edition B as data, a page of rows at a time (``page``,
    ``page_size`` as on the other lists): per aligned pair, the word diff operations and
    the ids of the positions and amendments (visible to the user) beside it; ``count``
    and ``summary`` cover every row. Only the page's rows are diffed, so a page costs
    about the same at any length."""

    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int, description="A page number within the rows."),
            OpenApiParameter("page_size", int, description="Rows on a page (at most 500)."),
        ],
        responses=inline_serializer(
            "Comparison",
            {
                "a": serializers.CharField(),
                "b": serializers.CharField(),
                "method": serializers.CharField(),
                "word_diff": serializers.BooleanField(),
                "summary": serializers.DictField(
                    child=serializers.IntegerField(), help_text="rows of each kind"
                ),
                "count": serializers.IntegerField(help_text="rows on every page"),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "rows": CompareRowSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request, a: str, b: str) -> Response:
        edition_a = selectors.edition_get(slug=a, user=request.user)
        edition_b = selectors.edition_get(slug=b, user=request.user)
        raw_page = request.query_params.get("page", "1")
        # As the other lists answer it: a page that is not a number of the rows is a 404.
        if not raw_page.isdigit() or int(raw_page) < 1 or len(raw_page) > 12:
            raise NotFound(_("Invalid page."))
        number = int(raw_page)
        size = Pagination().get_page_size(request) or Pagination.page_size
        # Cached as the comparison page's table is: the stamp names everything the rows
        # depend on (the viewer's drafts included), so the data is never stale.
        stamp = selectors.comparison_stamp(a=edition_a, b=edition_b, user=request.user)
        key = f"redraft:api-compare:v2:{stamp}:{number}:{size}"
        data = cache.get(key)
        if data is None:
            data = self.comparison(edition_a, edition_b, request.user, number, size)
            cache.set(key, data, settings.REDRAFT_DIFF_CACHE_SECONDS)
        if data is _NO_SUCH_PAGE:
            raise NotFound(_("Invalid page."))
        url = request.build_absolute_uri()
        last = data["pages"]
        body = {k: v for k, v in data.items() if k != "pages"}
        body["next"] = replace_query_param(url, "page", number + 1) if number < last else None
        body["previous"] = (
            None
            if number == 1
            else remove_query_param(url, "page")
            if number == 2
            else replace_query_param(url, "page", number - 1)
        )
        return Response(body)

    @staticmethod
    def comparison(
        edition_a: Edition, edition_b: Edition, user: Any, number: int, size: int
    ) -> dict[str, Any] | str:
        comparison = selectors.compare_editions(
            a=edition_a, b=edition_b, user=user, page=str(number), per_page=size
        )
        if comparison.page != number:
            return _NO_SUCH_PAGE
        rows = [
            {
                "kind": row.kind,
                "a": [c["eid"] for c in row.a],
                "b": row.b["eid"] if row.b else None,
                "changed": row.changed,
                "ops": [[op.op, op.text] for op in row.ops],
                "positions": [p.id for p in row.positions],
                "amendments": [m.pk for m in row.amendments],
            }
            for row in comparison.rows
        ]
        return {
            "a": edition_a.slug,
            "b": edition_b.slug,
            "method": comparison.method,
            "word_diff": comparison.word_diff,
            "summary": comparison.summary,
            "count": comparison.count,
            "pages": comparison.pages,
            "rows": rows,
        }


# Cached for a page past the last, so that asking again costs no comparison.
_NO_SUCH_PAGE = "no-such-page"
