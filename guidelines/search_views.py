"""The search page, ``/search/?q=``: a thin view over ``guidelines.searching.search``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from guidelines import searching


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Clauses, amendments and positions matching ``q``. No query, or one without a word
    of two letters: the prompt (200). Over ``MAX_QUERY_LENGTH`` characters: 400."""
    query = request.GET.get("q", "")
    context: dict[str, Any] = {
        "query": query,
        "results": None,
        "max_length": searching.MAX_QUERY_LENGTH,
        "min_length": searching.MIN_WORD_LENGTH,
    }
    try:
        results = searching.search(query=query, user=request.user)
    except ValidationError as error:
        context.update(query=query[: searching.MAX_QUERY_LENGTH], error=" ".join(error.messages))
        return render(request, "guidelines/search.html", context, status=400)
    if results.words:
        context["results"] = results
    return render(request, "guidelines/search.html", context)
