"""``{% follow_button edition=edition %}`` (or ``clause=``, ``amendment=``): the form that
follows or stops following the thing, for a logged-in user, on any page, with no help
from the page's view (one query: does the user follow it?)."""

from __future__ import annotations

from typing import Any

from django import template

from amendments import following
from amendments.models import Amendment
from guidelines.models import Clause, Edition

register = template.Library()


@register.inclusion_tag("amendments/_follow_button.html", takes_context=True)
def follow_button(
    context: template.Context,
    *,
    edition: Edition | None = None,
    clause: Clause | None = None,
    amendment: Amendment | None = None,
) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    if edition is not None:
        name, value = "edition", edition.slug
    elif clause is not None:
        name, value = "clause", f"{clause.edition.slug}/{clause.eid}"
    elif amendment is not None:
        name, value = "amendment", str(amendment.pk)
    else:
        raise template.TemplateSyntaxError("follow_button needs an edition, clause or amendment")
    return {
        "show": True,
        "name": name,
        "value": value,
        "next": request.get_full_path() if request is not None else "",
        "is_following": following.following_state(
            user, edition=edition, clause=clause, amendment=amendment
        ),
    }
