from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from guidelines import permissions


def roles(request: HttpRequest) -> dict[str, Any]:
    """The user's organisation and role, read only when a template asks (then cached)."""
    return {
        "user_organisation": SimpleLazyObject(lambda: permissions.organisation_of(request.user)),
        "user_role": SimpleLazyObject(lambda: permissions.role_of(request.user)),
    }
