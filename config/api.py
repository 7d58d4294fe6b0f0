"""The REST API under ``/api/``: the router, the schema and what every endpoint shares.

Reads use the same visibility as the pages (``visible_to`` querysets: what a user may not
see is a 404); writes call the same services, which check the same permission module
(``guidelines.permissions``): a service's ``PermissionDenied`` is a 403, its
``ValidationError`` a 400, a stale version a 412. Clauses and amendments carry an
``ETag`` naming their version; a write with ``If-Match`` is refused with 412 when the
row has moved on (and nothing is written).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler

STALE_VERSION = "stale-version"


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since you read it: read it again."
    default_code = "precondition-failed"


def etag(kind: str, pk: int, version: int) -> str:
    return f'"{kind}-{pk}-v{version}"'


_ETAG = re.compile(r'^(?:W/)?"([a-z]+)-(\d+)-v(\d+)"$')


def expected_version(request: Request, kind: str, pk: int, current: int) -> int:
    """The version the client says it read (``If-Match``), else the current one.

    A tag of another resource, a malformed tag or an old version: 412, nothing written.
    """
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return current
    for tag in (t.strip() for t in header.split(",")):
        match = _ETAG.match(tag)
        if match and match.group(1) == kind and int(match.group(2)) == pk:
            version = int(match.group(3))
            if version != current:
                raise PreconditionFailed()
            return version
    raise PreconditionFailed()


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Django's refusals as HTTP: ``ValidationError`` 400 (a stale version 412),
    ``PermissionDenied`` 403, ``Http404`` 404, each with its message."""
    if isinstance(exc, DjangoValidationError):
        if getattr(exc, "code", None) == STALE_VERSION:
            exc = PreconditionFailed(" ".join(exc.messages))
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, PermissionDenied) and not isinstance(exc, exceptions.APIException):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return exception_handler(exc, context)
