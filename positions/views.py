from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from positions import selectors
from positions.forms import PositionFilterForm

# Clause groups per page of /positions/.
GROUPS_PER_PAGE = 30


@require_safe
def position_list(request: HttpRequest) -> HttpResponse:
    form = PositionFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "positions/position_list.html",
            {"form": form, "page": None, "total": 0, "papers": selectors.papers_list()},
            status=400,
        )
    cleaned = form.cleaned_data if form.is_bound else {}
    listing = selectors.positions_by_clause(
        user=request.user,
        organisation=cleaned.get("organisation"),
        stance=cleaned.get("stance") or "",
        edition=cleaned.get("edition"),
    )
    page = Paginator(listing.groups, GROUPS_PER_PAGE).get_page(cleaned.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "positions/position_list.html",
        {
            "form": form,
            "page": page,
            "total": listing.total,
            "query": query.urlencode(),
            "papers": selectors.papers_list(),
        },
    )


@require_safe
def paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    paper = selectors.paper_get(pk=pk)
    positions = selectors.paper_positions(paper=paper, user=request.user)
    return render(
        request,
        "positions/paper_detail.html",
        {
            "paper": paper,
            "positions": positions,
            "segments": selectors.paper_segments(text=paper.text, positions=positions),
        },
    )
