"""Authentication for /api/v1/: records systems by service token, staff by session.

A route that records systems and staff both call uses ``auth=API_AUTH``; the route then
asks ``api_caller(request)`` who is calling and which force's data it may touch.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, has_capability
from victimcare.accounts.services import service_token_check

if TYPE_CHECKING:
    from victimcare.accounts.models import ServiceToken

# Tokens recently checked in this process: SHA-256 of the presented token -> (checked at,
# ServiceToken with its force). A records system sends hundreds of reports a second with
# one token, and checking it against the database each time cost a query per report.
# An entry lives API_TOKEN_CACHE_SECONDS, so a revoked token stops working within that
# many seconds in every worker process. Only tokens that checked out are kept (a wrong
# token is looked up every time), and the cache is emptied when it holds too many.
_CHECKED: dict[str, tuple[float, object]] = {}
_CHECKED_LIMIT = 1000
_clock = time.monotonic  # a test may replace it to move time on


def token_check_cached(token: str):
    """``service_token_check``, remembered for API_TOKEN_CACHE_SECONDS."""
    seconds = settings.API_TOKEN_CACHE_SECONDS
    if seconds <= 0:
        return service_token_check(token)
    key = hashlib.sha256(token.encode()).hexdigest()
    now = _clock()
    entry = _CHECKED.get(key)
    if entry is not None and now - entry[0] < seconds:
        return entry[1]
    found = service_token_check(token)
    if found is None:
        _CHECKED.pop(key, None)
        return None
    if len(_CHECKED) >= _CHECKED_LIMIT:
        _CHECKED.clear()
    _CHECKED[key] = (now, found)
    return found


class ServiceTokenAuth(HttpBearer):
    """`Authorization: Bearer vc_...`: a per-force records-system token."""

    openapi_description = "A per-force records-system token from `victimcare token create`."

    def authenticate(self, request: HttpRequest, token: str):
        found = token_check_cached(token)
        if found is not None:
            request.service_token = found  # type: ignore[attr-defined]
        return found


API_AUTH = [ServiceTokenAuth(), django_auth]


@dataclass(frozen=True)
class ApiCaller:
    """Who is calling the API and which force's cases it may act on (None: none)."""

    force_id: int | None
    user: User | None
    token: ServiceToken | None
    label: str

    def may(self, capability: Capability) -> bool:
        if self.token is not None:
            return True  # a token acts for its records system within its own force
        return self.user is not None and has_capability(self.user, capability)


def api_caller(request: HttpRequest) -> ApiCaller:
    token = getattr(request, "service_token", None)
    if token is not None:
        return ApiCaller(
            force_id=token.force_id, user=None, token=token, label=f"token:{token.name}"
        )
    user = request.user
    return ApiCaller(
        force_id=getattr(user, "force_id", None),
        user=user if isinstance(user, User) else None,
        token=None,
        label=user.get_username(),
    )
