"""Requests carrying NUL characters are refused with a 400 before any view sees them.

PostgreSQL text cannot hold NUL (0x00); without this, a form or API field containing one
would reach the database and fail there as a server error.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, JsonResponse

NUL = re.compile(rb"\x00|%00|\\u0000", re.IGNORECASE)
MESSAGE = "Text must not contain NUL characters (0x00); remove them and try again."


class RejectNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "").encode("latin-1", "replace")
        body = b""
        # File uploads are left to the view that parses them: a file may hold any bytes.
        is_upload = request.content_type == "multipart/form-data"
        if request.method in {"POST", "PUT", "PATCH"} and not is_upload:
            try:
                body = request.body
            except Exception:  # noqa: BLE001 - an oversized body is refused later by Django
                body = b""
        if NUL.search(query) or NUL.search(body) or "\x00" in request.path:
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE}, status=400)
            return HttpResponse(MESSAGE, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
