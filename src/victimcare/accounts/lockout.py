"""Sign-in lockout beyond the password form: wrong second-factor codes count as failed
sign-ins, and only a complete sign-in (password and code) clears failures, and only the
signed-in username's own.

django-axes records a failure per (username, address) and locks when the failures of a
username, or the failures from an address, reach ``AXES_FAILURE_LIMIT``. Its own
``AXES_RESET_ON_SUCCESS`` is off: it deletes every failure matching any lockout parameter,
so one good sign-in from an address would wipe the failures against every other account
from it (the interleaving attack: guess at B, sign in as A, guess at B again ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.contrib.auth.signals import user_login_failed

if TYPE_CHECKING:
    from django.http import HttpRequest

    from victimcare.accounts.models import User


def sign_in_locked(request: HttpRequest, user: User) -> bool:
    """Whether ``user``'s username, or the request's address, is locked out now."""
    credentials = get_credentials(user.get_username())
    if AxesProxyHandler.is_allowed(request, credentials):
        return False
    request.axes_locked_out = True  # type: ignore[attr-defined]
    request.axes_credentials = credentials  # type: ignore[attr-defined]
    return True


def sign_in_failure_record(request: HttpRequest, user: User) -> bool:
    """Count a wrong code as a failed sign-in of ``user``; True when it locks them out
    (axes' middleware then answers with the lockout page)."""
    user_login_failed.send(
        sender=__name__, credentials=get_credentials(user.get_username()), request=request
    )
    return bool(getattr(request, "axes_locked_out", False))


def sign_in_failures_clear(user: User) -> int:
    """After a complete sign-in: forget the failures against this username (from every
    address), and nobody else's."""
    return AxesProxyHandler.reset_attempts(username=user.get_username())
