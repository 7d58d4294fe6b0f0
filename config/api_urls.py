"""The API's URLs: the schema, its documentation page, the router's endpoints."""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.routers import DefaultRouter

from amendments import api as amendments_api
from guidelines import api as guidelines_api
from positions import api as positions_api

router = DefaultRouter()
router.register("instruments", guidelines_api.InstrumentViewSet, basename="api-instrument")
router.register("editions", guidelines_api.EditionViewSet, basename="api-edition")
router.register("clauses", guidelines_api.ClauseViewSet, basename="api-clause")
router.register(
    "correspondences", guidelines_api.CorrespondenceViewSet, basename="api-correspondence"
)
router.register("papers", positions_api.PaperViewSet, basename="api-paper")
router.register("positions", positions_api.PositionViewSet, basename="api-position")
router.register("amendments", amendments_api.AmendmentViewSet, basename="api-amendment")
router.register("supports", amendments_api.SupportViewSet, basename="api-support")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Redoc (a React bundle from our static files) writes its styles as <style> elements
    # at run time, draws its icons as data: images and searches in a blob: worker: this
    # page alone lets those in. Its scripts stay 'self' only, its template
    # (templates/drf_spectacular/redoc.html) has no inline code, and its CDN logo is
    # blocked.
    path(
        "docs/",
        csp_update(
            {
                "style-src": [SELF, UNSAFE_INLINE],
                "img-src": [SELF, "data:"],
                "worker-src": [SELF, "blob:"],
            }
        )(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("compare/<slug:a>/<slug:b>/", guidelines_api.CompareView.as_view(), name="api-compare"),
    path(
        "editions/<slug:slug>/consolidate/",
        amendments_api.ConsolidateView.as_view(),
        name="api-consolidate",
    ),
    path("", include(router.urls)),
]
