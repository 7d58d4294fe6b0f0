from django.urls import path

from guidelines import search_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("compare/<slug:a>/<slug:b>/", views.compare, name="compare"),
    path(
        "compare/<slug:a>/<slug:b>/synoptic.<str:fmt>",
        views.compare_synoptic,
        name="compare_synoptic",
    ),
    path("compare/<slug:a>/<slug:b>/map/", views.compare_map, name="compare_map"),
    path("search/", search_views.search, name="search"),
    path("editions/<slug:slug>/", views.edition_detail, name="edition_detail"),
    path("editions/<slug:slug>/fork/", views.edition_fork, name="edition_fork"),
    # Before the clause pattern, which would read "export.pdf" as an eid.
    path("editions/<slug:slug>/export.<str:fmt>", views.edition_export, name="edition_export"),
    path("editions/<slug:slug>/<str:eid>/", views.clause_detail, name="clause_detail"),
    path("editions/<slug:slug>/<str:eid>/edit/", views.clause_edit, name="clause_edit"),
]
