"""Authentication for /api/v1/: records systems by service token, staff by session.

A route that records systems and staff both call uses ``auth=API_AUTH``; the route then
asks ``api_caller(request)`` who is calling and which force's data it may touch.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from victimcare.accounts.permissions import Capability, has_capability
from victimcare.accounts.services import service_token_check


class ServiceTokenAuth(HttpBearer):
    """`Authorization: Bearer vc_...`: a per-force records-system token."""

    openapi_description = "A per-force records-system token from `victimcare token create`."

    def authenticate(self, request: HttpRequest, token: str):
        found = service_token_check(token)
        if found is not None:
            request.service_token = found  # type: ignore[attr-defined]
        return found


API_AUTH = [ServiceTokenAuth(), django_auth]


@dataclass(frozen=True)
class ApiCaller:
    """Who is calling the API and which force's cases it may act on (None: none)."""

    force_id: int | None
    user: object | None
    token: object | None
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
        force_id=getattr(user, "force_id", None), user=user, token=None, label=user.get_username()
    )
