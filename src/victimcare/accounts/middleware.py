"""Staff sessions: the second factor before any staff page, and an idle timeout.

``StaffTwoFactorMiddleware`` denies by default: a session that has passed the password but
not yet the code is anonymous everywhere except the few pages that finish (or abandon)
signing in, which are marked with ``two_factor_step``. So every staff view, the admin site
and the session-authenticated API require a verified session without each stating it,
and the public pages (report, Track my case, health) behave as for any visitor.

``StaffIdleTimeoutMiddleware`` signs a staff member out after ``STAFF_IDLE_MINUTES``
without a request; the sign-in page then says why.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

LAST_SEEN_SESSION_KEY = "staff_last_seen"
# The last-seen time is written at most this often, so that a busy page does not write
# its session on every request; the timeout is therefore exact to within this.
LAST_SEEN_RESOLUTION_SECONDS = 60


def two_factor_step(view: Callable) -> Callable:
    """Mark a view that a signed-in but not yet verified session may reach."""
    view.two_factor_step = True  # type: ignore[attr-defined]
    return view


def is_two_factor_step(view: Callable) -> bool:
    view_class = getattr(view, "view_class", None)
    return bool(
        getattr(view, "two_factor_step", False) or getattr(view_class, "two_factor_step", False)
    )


def is_verified(user) -> bool:
    """Signed in with both factors (django-otp's middleware gives users ``is_verified``)."""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())


class _Unverified(AnonymousUser):
    """The visitor of a half-signed-in session, as every page but the sign-in steps sees it."""

    otp_device = None

    def is_verified(self) -> bool:
        return False


class StaffTwoFactorMiddleware:
    """After django_otp's OTPMiddleware: no staff page without a verified session."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):  # noqa: ARG002 (Django's middleware hook signature)
        if auth.SESSION_KEY not in request.session:
            return None
        if is_verified(request.user) or is_two_factor_step(view_func):
            return None
        request.user = _Unverified()
        return None


class StaffIdleTimeoutMiddleware:
    """Sign out (flush the session of) a staff member idle longer than STAFF_IDLE_MINUTES."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if auth.SESSION_KEY in session:
            now = int(timezone.now().timestamp())
            last_seen = session.get(LAST_SEEN_SESSION_KEY)
            idle_limit = settings.STAFF_IDLE_MINUTES * 60
            if isinstance(last_seen, int) and now - last_seen > idle_limit:
                auth.logout(request)
                messages.info(
                    request,
                    _(
                        "You were signed out because you had not used victimcare for "
                        "%(minutes)d minutes. Sign in again to carry on."
                    )
                    % {"minutes": settings.STAFF_IDLE_MINUTES},
                )
            elif not isinstance(last_seen, int) or (
                now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS
            ):
                session[LAST_SEEN_SESSION_KEY] = now
        return self.get_response(request)
