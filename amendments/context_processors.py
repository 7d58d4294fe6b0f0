from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from amendments import following


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The user's unread notifications, counted when a template shows them (one COUNT per
    page for a logged-in user; the header shows no link to anonymous visitors)."""
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: following.unread_count(getattr(request, "user", None))
        )
    }
