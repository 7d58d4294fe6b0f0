"""The request body limit: a body bigger than the site accepts is refused (413) from its
Content-Length, before a byte of it is read, parsed or spooled to disk.

Django bounds the form fields it parses (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but streams
uploaded files to disk whatever their size, and DRF's JSON parser reads the body without
Django's bound. Here: a multipart body (the Word upload) may hold one Word file at most
``guidelines.wordfiles.MAX_FILE_BYTES`` and its form fields; any other body (a form, an
API call) at most ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
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
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponseBadRequest(_("The request's length is not a number."))
        limit = body_limit(request)
        if limit and length > limit:
            message = _("The request is too large: at most %(limit)s MB is accepted.") % {
                "limit": max(limit // MB, 1)
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return render(request, "413.html", {"message": message}, status=413)
        return get_response(request)

    return middleware
