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

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema_field
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


MAX_ID = 2**63 - 1  # the largest integer both SQLite and PostgreSQL (bigint) hold


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An object's id in a query string: a whole number the database can hold, else 400.

    ``NumberFilter`` takes decimals (1.5 matched id 1) and numbers past the database's
    integers (a 500 on SQLite)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

    def get_max_validator(self) -> None:
        return None


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


ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "Why the request was refused.",
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "additionalProperties": {},
    "description": (
        "What is wrong, by field (``detail`` for the request as a whole): a list of "
        "messages, or for a list field the messages by position."
    ),
}
_REFUSALS = {
    400: ("ValidationErrors", "refused: not now, or not like this (the messages say why)"),
    401: ("Error", "not logged in, or the credentials sent are not valid"),
    403: ("Error", "not allowed"),
    404: ("Error", "no such object, or not visible to you"),
    412: ("Error", "the object changed since you read it (If-Match)"),
}
_PAGING = {"page", "page_size"}
IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": (
        "The ETag read with the object: the write is refused (412) if it has changed "
        'since. Absent or "*": no check.'
    ),
}


def _refusals(method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, as the code above and DRF give them."""
    codes = {401}  # credentials that are not valid are refused everywhere
    parameters = operation.get("parameters", [])
    names = {p["name"] for p in parameters if p.get("in") == "query"}
    if method != "get":
        codes |= {400, 403, 404}
    else:
        if any(p.get("in") == "path" for p in parameters) or names & _PAGING:
            codes.add(404)  # an object the user cannot see, or a page past the end
        if names - _PAGING:
            codes.add(400)  # a filter's value that is not valid
    return codes


def declare_refusals(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation declares the refusals it can
    answer (400/401/403/404, 412 where a view says so), each with its body's schema, so
    the schema tells clients (and schemathesis) the truth."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationErrors", VALIDATION_ERROR_SCHEMA)
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            responses = operation.setdefault("responses", {})
            codes = _refusals(method, operation) | {
                code for code in _REFUSALS if str(code) in responses
            }
            if 412 in codes and not any(
                p.get("in") == "header" for p in operation.get("parameters", [])
            ):
                operation.setdefault("parameters", []).append(IF_MATCH_PARAMETER)
            for code in sorted(codes):
                component, description = _REFUSALS[code]
                response = responses.setdefault(str(code), {"description": description})
                response.setdefault(
                    "content",
                    {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                )
    return result


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
