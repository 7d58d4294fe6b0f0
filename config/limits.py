"""The request body limit: a body bigger than the site accepts is refused (413) from its
Content-Length, before a byte of it is read, parsed or spooled to disk.

Django bounds the form fields it parses (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but streams
uploaded files to disk whatever their size, and DRF's JSON parser reads the body without
Django's bound. Here: a multipart body (the Word upload) may hold one Word file at most
``guidelines.wordfiles.MAX_FILE_BYTES`` and its form fields; any other body (a form, an
API call) at most ``DATA_UPLOAD_MAX_MEMORY_SIZE``.

A body without a Content-Length (``Transfer-Encoding: chunked``, which gunicorn passes
through as ``HTTP_TRANSFER_ENCODING`` with no ``CONTENT_LENGTH``) is refused with 411
Length Required: Django reads such a body as empty (its stream is bounded by the
Content-Length, 0 when there is none), so the request would otherwise go on as if it
had sent nothing (an API call acting on an empty body) and no limit could be checked
before it is read. Browsers and the API's clients always send a Content-Length.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

MB = 1024 * 1024
# The multipart framing and the form's other fields, beside the file itself.
MULTIPART_ROOM = 256 * 1024


def body_limit(request: HttpRequest) -> int:
    from guidelines.wordfiles import MAX_FILE_BYTES

    if request.content_type == "multipart/form-data":
        return MAX_FILE_BYTES + MULTIPART_ROOM
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def request_body_limit(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    def middleware(request: HttpRequest) -> HttpResponse:
        if request.META.get("HTTP_TRANSFER_ENCODING"):
            message = _("Send the request with its Content-Length: chunked bodies are refused.")
            return _refusal(request, message, status=411)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponseBadRequest(_("The request's length is not a number."))
        limit = body_limit(request)
        if limit and length > limit:
            message = _("The request is too large: at most %(limit)s MB is accepted.") % {
                "limit": max(limit // MB, 1)
            }
            return _refusal(request, message, status=413)
        return get_response(request)

    return middleware


def _refusal(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    title = _("Too large") if status == 413 else _("Length required")
    return render(request, "413.html", {"title": title, "message": message}, status=status)
