from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from victimcare.accounts.forms import (
    CODE_WRONG,
    RECOVERY_CODE_WRONG,
    AuthenticatorCodeForm,
    RecoveryCodeForm,
)
from victimcare.accounts.lockout import (
    sign_in_failure_record,
    sign_in_failures_clear,
    sign_in_locked,
)
from victimcare.accounts.middleware import is_verified, two_factor_step
from victimcare.accounts.services import (
    TwoFactorError,
    recovery_code_use,
    recovery_codes_left,
    totp_device_start,
    totp_secret,
    two_factor_enrol,
    two_factor_verify,
)

RECOVERY_CODES_SESSION_KEY = "two_factor_recovery_codes"


@two_factor_step
class SignInView(auth_views.LoginView):
    """The password; then the second factor (set up at the first sign-in)."""

    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        if is_verified(self.request.user):
            return super().get_success_url()
        return _second_factor_url(self.request.user, self.get_redirect_url())


@two_factor_step
class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


def _next_url(request: HttpRequest) -> str:
    """Where to go once signed in: a safe ``next`` or the staff home."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    if not next_url or next_url == resolve_url(settings.LOGIN_REDIRECT_URL):
        return url
    return f"{url}?{urlencode({'next': next_url})}"


def _has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _second_factor_url(user, next_url: str) -> str:
    name = "accounts:two-factor" if _has_authenticator(user) else "accounts:two-factor-enrol"
    return _with_next(reverse(name), next_url)


def _locked_out(request: HttpRequest) -> HttpResponse:
    """End the half-signed-in session; axes' middleware answers with the lockout page."""
    logout(request)
    return HttpResponse(status=429)


def _signed_in(request: HttpRequest, device) -> None:
    """The second factor is given: the session is verified, under a new session key."""
    otp_login(request, device)
    request.session.cycle_key()
    sign_in_failures_clear(request.user)


def _wrong_code(request: HttpRequest, form, message) -> HttpResponse | None:
    """A wrong code counts as a failed sign-in; returns the lockout answer if it locks."""
    if sign_in_failure_record(request, request.user):
        return _locked_out(request)
    form.add_error("code", message)
    return None


def _second_factor_gate(request: HttpRequest, *, enrolling: bool) -> HttpResponse | None:
    """Who may be on a second-factor page: a signed-in, unverified, unlocked session."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_verified(user):
        return redirect(_next_url(request))
    if enrolling == _has_authenticator(user):
        return redirect(_second_factor_url(user, _next_url(request)))
    if sign_in_locked(request, user):
        return _locked_out(request)
    return None


@two_factor_step
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """After the password: the 6-digit code from the staff member's authenticator app."""
    if (gate := _second_factor_gate(request, enrolling=False)) is not None:
        return gate
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor_verify(
            user=request.user, code=form.cleaned_data["code"], page=request.path
        )
        if device is not None:
            _signed_in(request, device)
            return redirect(_next_url(request))
        if (locked := _wrong_code(request, form, CODE_WRONG)) is not None:
            return locked
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@two_factor_step
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_recovery(request: HttpRequest) -> HttpResponse:
    """After the password, without the app: one of the single-use recovery codes."""
    if (gate := _second_factor_gate(request, enrolling=False)) is not None:
        return gate
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = recovery_code_use(
            user=request.user, code=form.cleaned_data["code"], page=request.path
        )
        if device is not None:
            _signed_in(request, device)
            left = recovery_codes_left(user=request.user)
            messages.warning(
                request,
                ngettext(
                    "You signed in with a recovery code. You have %(left)d recovery code "
                    "left: if you have lost your authenticator app, ask your administrator "
                    "to reset your two-factor sign-in.",
                    "You signed in with a recovery code. You have %(left)d recovery codes "
                    "left: if you have lost your authenticator app, ask your administrator "
                    "to reset your two-factor sign-in.",
                    left,
                )
                % {"left": left},
            )
            return redirect(_next_url(request))
        if (locked := _wrong_code(request, form, RECOVERY_CODE_WRONG)) is not None:
            return locked
    return render(
        request, "accounts/two_factor_recovery.html", {"form": form, "next": _next_url(request)}
    )


@two_factor_step
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: add victimcare to an authenticator app, prove it with a code, and
    receive the recovery codes."""
    if (gate := _second_factor_gate(request, enrolling=True)) is not None:
        return gate
    try:
        device = totp_device_start(user=request.user)
    except TwoFactorError:
        return redirect(_second_factor_url(request.user, _next_url(request)))
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed, codes = two_factor_enrol(
            user=request.user, code=form.cleaned_data["code"], page=request.path
        )
        if confirmed is not None:
            _signed_in(request, confirmed)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            return redirect(
                _with_next(reverse("accounts:two-factor-recovery-codes"), _next_url(request))
            )
        if (locked := _wrong_code(request, form, CODE_WRONG)) is not None:
            return locked
    secret = totp_secret(device)
    context = {
        "form": form,
        "next": _next_url(request),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "otpauth_uri": device.config_url,
        "qr_svg": _qr_svg(device.config_url),
    }
    return render(request, "accounts/two_factor_enrol.html", context)


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code, named for screen readers."""
    import segno
    from django.utils.html import escape

    label = escape(_("QR code to scan with your authenticator app"))
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#0b0c0c", light="#ffffff")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


@never_cache
@require_GET
def second_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, once, straight after setting up the authenticator app."""
    if not is_verified(request.user):
        return redirect_to_login(request.get_full_path())
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        return redirect(_next_url(request))
    return render(
        request,
        "accounts/two_factor_recovery_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )


def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The admin site's sign-in: the staff sign-in with both factors, never a password alone.
    A verified staff member sent here lacks the right to the admin site."""
    if is_verified(request.user):
        raise PermissionDenied
    return redirect_to_login(
        _next_url(request) if request.GET.get("next") else reverse("admin:index")
    )
