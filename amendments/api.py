"""The API of amendments: list and read what the user may see, file drafts, edit them,
and every step of the procedure (submit, withdraw, co-sign, support, screen, recommend,
decide, consolidate), each through its service, whose permission checks are the pages'.

An amendment's ``ETag`` names its version; every write on an amendment honours
``If-Match`` (412 when the amendment changed since, nothing written).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from amendments import services
from amendments.forms import AmendmentFilter
from amendments.models import Amendment, AmendmentSupport, CoSponsorship
from config.api import MAX_ID, etag, expected_version
from guidelines import selectors as guideline_selectors
from guidelines.api import EditionSerializer
from guidelines.models import Clause, Edition


class AmendmentSerializer(serializers.ModelSerializer):
    edition = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    clause = serializers.SlugRelatedField(slug_field="eid", read_only=True)
    clause_number = serializers.CharField(source="clause.number", read_only=True)
    proposer = serializers.SlugRelatedField(slug_field="name", read_only=True)
    cosponsors = serializers.SerializerMethodField()

    class Meta:
        model = Amendment
        fields = [
            "id",
            "number",
            "edition",
            "clause",
            "clause_number",
            "operation",
            "insert_position",
            "base_text",
            "base_version",
            "proposed_text",
            "justification",
            "proposer",
            "cosponsors",
            "status",
            "inadmissibility_reason",
            "adopted_text",
            "recommendation",
            "recommended_outcome",
            "submitted_at",
            "decided_at",
            "version",
        ]

    def get_cosponsors(self, amendment: Amendment) -> list[str]:
        return [c.organisation.name for c in amendment.cosponsorships.all()]


class AmendmentCreateSerializer(serializers.Serializer):
    edition = serializers.SlugField(help_text="slug of the edition amended")
    clause = serializers.CharField(
        max_length=200, help_text="eid of the clause replaced, deleted or inserted by"
    )
    operation = serializers.ChoiceField(choices=Amendment.Operation.choices)
    insert_position = serializers.ChoiceField(
        choices=Amendment.InsertPosition.choices, required=False, allow_blank=True
    )
    proposed_text = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    justification = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


class AmendmentUpdateSerializer(serializers.Serializer):
    proposed_text = serializers.CharField(allow_blank=True, max_length=20_000)
    justification = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5_000)


class ScreenSerializer(serializers.Serializer):
    admissible = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5_000)


class RecommendSerializer(serializers.Serializer):
    recommendation = serializers.CharField(max_length=20_000)
    outcome = serializers.ChoiceField(
        choices=Amendment.Outcome.choices, required=False, allow_blank=True
    )


class DecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Amendment.Outcome.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5_000)
    adopted_text = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


class SupportSerializer(serializers.ModelSerializer):
    amendment = serializers.PrimaryKeyRelatedField(read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = AmendmentSupport
        fields = ["id", "amendment", "organisation", "stance", "created_at", "updated_at"]


class StanceSerializer(serializers.Serializer):
    stance = serializers.ChoiceField(choices=AmendmentSupport.Stance.choices)


def _invalid(serializer: serializers.Serializer) -> None:
    serializer.is_valid(raise_exception=True)


# Anyone reads what they may see; writes need a user (the services decide the rest).
# DRF's own class, not a copy: the schema generator knows it, so the schema says that
# reads need no credentials.
ReadOrAuthenticated = drf_permissions.IsAuthenticatedOrReadOnly


WRITE_RESPONSES = {
    200: AmendmentSerializer,
    400: OpenApiResponse(description="refused: not now or not like this"),
    401: OpenApiResponse(description="not logged in"),
    403: OpenApiResponse(description="not allowed"),
    404: OpenApiResponse(description="no such amendment (or not visible to you)"),
    412: OpenApiResponse(description="the amendment changed since you read it (If-Match)"),
}


class AmendmentFilterBackend(DjangoFilterBackend):
    """The amendment list's filters choose among the editions the user may read (the
    browsable API's filter form is built through here too)."""

    def get_filterset_kwargs(
        self, request: Request, queryset: QuerySet[Amendment], view: Any
    ) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["editions"] = Edition.objects.visible_to(request.user)
        return kwargs


class AmendmentViewSet(viewsets.ModelViewSet):
    """Amendments the user may see (submitted ones are public; a draft is its proposing
    organisation's alone), filtered as the amendment list is."""

    filterset_class = AmendmentFilter
    filter_backends = [AmendmentFilterBackend]
    permission_classes = [ReadOrAuthenticated]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Amendment]:
        return (
            Amendment.objects.visible_to(self.request.user)
            .select_related("edition", "clause", "proposer")
            .prefetch_related(
                Prefetch(
                    "cosponsorships",
                    queryset=CoSponsorship.objects.select_related("organisation"),
                )
            )
            .in_number_order()
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return AmendmentCreateSerializer
        if self.action == "partial_update":
            return AmendmentUpdateSerializer
        return AmendmentSerializer

    def filter_queryset(self, queryset: QuerySet[Amendment]) -> QuerySet[Amendment]:
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _respond(self, amendment: Amendment, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=amendment.pk)
        response = Response(AmendmentSerializer(fresh).data, status=code)
        response["ETag"] = etag("amendment", fresh.pk, fresh.version)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        amendment = self.get_object()
        response = Response(AmendmentSerializer(amendment).data)
        response["ETag"] = etag("amendment", amendment.pk, amendment.version)
        return response

    @extend_schema(request=AmendmentCreateSerializer, responses={201: AmendmentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """File a draft amendment for the user's organisation."""
        serializer = AmendmentCreateSerializer(data=request.data)
        _invalid(serializer)
        data = serializer.validated_data
        edition = guideline_selectors.edition_get(slug=data["edition"], user=request.user)
        clause = Clause.objects.filter(edition=edition, eid=data["clause"]).first()
        if clause is None:
            raise serializers.ValidationError({"clause": ["No such clause in this edition."]})
        amendment = services.amendment_create(
            user=request.user,  # type: ignore[arg-type]
            edition=edition,
            clause=clause,
            operation=data["operation"],
            proposed_text=data.get("proposed_text", ""),
            justification=data.get("justification", ""),
            insert_position=data.get("insert_position") or None,
        )
        return self._respond(amendment, status.HTTP_201_CREATED)

    @extend_schema(request=AmendmentUpdateSerializer, responses=WRITE_RESPONSES)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit a draft's text and justification (the proposer's members)."""
        amendment = self.get_object()
        # A PATCH: what is not sent stays as it is.
        serializer = AmendmentUpdateSerializer(data=request.data, partial=True)
        _invalid(serializer)
        data = serializer.validated_data
        updated = services.amendment_update(
            amendment=amendment,
            user=request.user,  # type: ignore[arg-type]
            expected_version=self._version(request, amendment),
            proposed_text=data.get("proposed_text", amendment.proposed_text),
            justification=data.get("justification", amendment.justification),
        )
        return self._respond(updated)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # pragma: no cover
        return self.partial_update(request, *args, **kwargs)

    def _version(self, request: Request, amendment: Amendment) -> int:
        return expected_version(request, "amendment", amendment.pk, amendment.version)

    def _act(self, request: Request, work: Callable[[Amendment, int], Any]) -> Response:
        amendment = self.get_object()
        work(amendment, self._version(request, amendment))
        return self._respond(amendment)

    @extend_schema(request=None, responses=WRITE_RESPONSES)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit a draft: it is numbered and becomes public."""
        return self._act(
            request,
            lambda a, v: services.amendment_submit(
                amendment=a,
                user=request.user,  # type: ignore[arg-type]
                expected_version=v,
            ),
        )

    @extend_schema(request=ReasonSerializer, responses=WRITE_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        serializer = ReasonSerializer(data=request.data)
        _invalid(serializer)
        reason = serializer.validated_data.get("reason", "")
        return self._act(
            request,
            lambda a, v: services.amendment_withdraw(
                amendment=a,
                user=request.user,  # type: ignore[arg-type]
                expected_version=v,
                reason=reason,
            ),
        )

    @extend_schema(request=None, responses=WRITE_RESPONSES)
    @action(detail=True, methods=["post"])
    def cosign(self, request: Request, pk: str) -> Response:
        """The user's organisation co-signs the amendment."""
        return self._act(
            request,
            lambda a, _v: services.amendment_cosign(amendment=a, user=request.user),  # type: ignore[arg-type]
        )

    @extend_schema(request=StanceSerializer, responses=WRITE_RESPONSES)
    @action(detail=True, methods=["post"])
    def support(self, request: Request, pk: str) -> Response:
        """The user's delegation supports or opposes the amendment."""
        serializer = StanceSerializer(data=request.data)
        _invalid(serializer)
        stance = serializer.validated_data["stance"]
        return self._act(
            request,
            lambda a, _v: services.amendment_support(
                amendment=a,
                user=request.user,  # type: ignore[arg-type]
                stance=stance,
            ),
        )

    @extend_schema(request=ScreenSerializer, responses=WRITE_RESPONSES)
    @action(detail=True, methods=["post"])
    def screen(self, request: Request, pk: str) -> Response:
        """The secretariat declares the amendment admissible or inadmissible."""
        serializer = ScreenSerializer(data=request.data)
        _invalid(serializer)
        data = serializer.validated_data
        return self._act(
            request,
            lambda a, v: services.amendment_screen(
                amendment=a,
                user=request.user,  # type: ignore[arg-type]
                admissible=data["admissible"],
                reason=data.get("reason", ""),
                expected_version=v,
            ),
        )

    @extend_schema(request=RecommendSerializer, responses=WRITE_RESPONSES)
    @action(detail=True, methods=["post"])
    def recommend(self, request: Request, pk: str) -> Response:
        serializer = RecommendSerializer(data=request.data)
        _invalid(serializer)
        data = serializer.validated_data
        return self._act(
            request,
            lambda a, v: services.amendment_recommend(
                amendment=a,
                user=request.user,  # type: ignore[arg-type]
                recommendation=data["recommendation"],
                outcome=data.get("outcome") or None,
                expected_version=v,
            ),
        )

    @extend_schema(request=DecideSerializer, responses=WRITE_RESPONSES)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        """The secretariat records the decision: adopted, adopted as amended or rejected."""
        serializer = DecideSerializer(data=request.data)
        _invalid(serializer)
        data = serializer.validated_data
        return self._act(
            request,
            lambda a, v: services.amendment_decide(
                amendment=a,
                user=request.user,  # type: ignore[arg-type]
                outcome=data["outcome"],
                reason=data.get("reason", ""),
                adopted_text=data.get("adopted_text") or None,
                expected_version=v,
            ),
        )


def visible_amendments(request: Request | None) -> QuerySet[Amendment]:
    return Amendment.objects.visible_to(getattr(request, "user", None))


class SupportFilter(django_filters.FilterSet):
    # Chosen among the amendments the user may see: another organisation's draft is "not
    # a valid choice", as an id that does not exist is (its existence stays private).
    amendment = django_filters.ModelChoiceFilter(queryset=visible_amendments)

    class Meta:
        model = AmendmentSupport
        fields = ["amendment", "stance"]


class SupportViewSet(viewsets.ReadOnlyModelViewSet):
    """Supports and oppositions recorded on the amendments the user may see."""

    serializer_class = SupportSerializer
    filterset_class = SupportFilter

    def get_queryset(self) -> QuerySet[AmendmentSupport]:
        visible = Amendment.objects.visible_to(self.request.user)
        return (
            AmendmentSupport.objects.filter(amendment__in=visible)
            .select_related("organisation")
            .order_by("amendment_id", "organisation__name")
        )


class ConsolidateSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=80, help_text="slug of the new working edition")
    label = serializers.CharField(max_length=200)
    amendments = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        help_text="ids of adopted amendments to apply (default: all adopted ones)",
    )


class ConsolidateView(APIView):
    """The secretariat applies the adopted amendments of an edition: a new working edition."""

    permission_classes = [ReadOrAuthenticated]

    @extend_schema(
        request=ConsolidateSerializer,
        responses={
            201: EditionSerializer,
            400: OpenApiResponse(description="conflicts to resolve, or a bad slug"),
            401: OpenApiResponse(description="not logged in"),
            403: OpenApiResponse(description="not the secretariat"),
            404: OpenApiResponse(description="no such edition (or not visible to you)"),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        base = guideline_selectors.edition_get(slug=slug, user=request.user)
        serializer = ConsolidateSerializer(data=request.data)
        _invalid(serializer)
        data = serializer.validated_data
        chosen = None
        if "amendments" in data:
            chosen = list(Amendment.objects.filter(pk__in=data["amendments"], edition=base))
            if len(chosen) != len(set(data["amendments"])):
                raise serializers.ValidationError(
                    {"amendments": ["Only amendments of this edition can be consolidated."]}
                )
        fork, _plan = services.edition_consolidate(
            base=base,
            user=request.user,  # type: ignore[arg-type]
            slug=data["slug"],
            label=data["label"],
            amendments=chosen,
        )
        return Response(EditionSerializer(fork).data, status=status.HTTP_201_CREATED)
