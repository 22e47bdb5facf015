"""Middleware of every request.

Requests carrying NUL characters are refused with a 400 before any view sees them:
PostgreSQL text cannot hold NUL (0x00); without this, a form or API field containing one
would reach the database and fail there as a server error. Answers are never cached
(``NoStoreMiddleware``), and the client's address is read through trusted proxies only
(``TrustedProxyMiddleware``).
"""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control

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


class NoStoreMiddleware:
    """Every page and API answer is ``Cache-Control: no-store``: no browser, shared computer
    or proxy keeps a copy of a case, a victim's details, the audit log or a survey answer.

    It sits after WhiteNoise, so static assets (public, the same for everyone) keep their
    own caching. A view that marks its answer ``public`` keeps its own header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "public" not in response.get("Cache-Control", ""):
            patch_cache_control(response, no_store=True, private=True)
        return response


class TrustedProxyMiddleware:
    """Behind VICTIMCARE_TRUSTED_PROXY reverse proxies, the client's address is the entry of
    X-Forwarded-For that many places from the right (the one the outermost trusted proxy
    saw); it replaces REMOTE_ADDR for everything after (sign-in lockouts, rate limits).

    Entries further left were written by the client and are never believed. Without a
    trusted proxy the header is ignored: anyone can send it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = settings.TRUSTED_PROXY_COUNT
        if count:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            if len(hops) >= count and _is_address(hops[-count]):
                request.META["REMOTE_ADDR"] = hops[-count]
        return self.get_response(request)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
