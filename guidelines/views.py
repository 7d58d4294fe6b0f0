from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from guidelines import selectors
from guidelines.forms import VersionPairForm


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    instruments = selectors.dashboard(user=request.user)
    return render(request, "guidelines/dashboard.html", {"instruments": instruments})


@require_safe
def edition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    edition = selectors.edition_get(slug=slug, user=request.user)
    clauses, toc = selectors.edition_text(edition=edition)
    return render(
        request,
        "guidelines/edition_detail.html",
        {"edition": edition, "clauses": clauses, "toc": toc},
    )


@require_safe
def clause_detail(request: HttpRequest, slug: str, eid: str) -> HttpResponse:
    edition = selectors.edition_get(slug=slug, user=request.user)
    clause = selectors.clause_get(edition=edition, eid=eid)
    versions = selectors.clause_versions(clause=clause)
    form = VersionPairForm(request.GET or None, versions=[v.version for v in versions])
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        diff = None
    else:
        cleaned = form.cleaned_data if form.is_bound else {}
        diff = selectors.clause_version_diff(
            versions=versions, old=cleaned.get("old"), new=cleaned.get("new")
        )
    return render(
        request,
        "guidelines/clause_detail.html",
        {
            "edition": edition,
            "clause": clause,
            "children": clause.children.order_by("order"),
            "versions": versions,
            "diff": diff,
            "form": form,
        },
        status=status,
    )
