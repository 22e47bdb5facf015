from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone

from victimcare.accounts.constants import AuditAction, Role
from victimcare.accounts.models import OversightBody, ServiceToken, SupportOrganisation, User
from victimcare.accounts.signals import security_event
from victimcare.forces.models import Force, Team


class StaffError(ValueError):
    """A staff account cannot be created as asked; the message says why."""


STAFF_NEEDS_FORCE = "Every staff member belongs to a force"
STAFF_NEEDS_ORGANISATION = "A support organisation user needs their organisation"
SUPERUSER_HAS_NO_FORCE = "A superuser belongs to no force: leave out --force, --team and --oversees"


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str,
    role: str,
    force: Force | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    oversees: list[Force] | None = None,
    support_organisation: SupportOrganisation | None = None,
    collar_number: str = "",
    contact_route: str = "",
    team: Team | None = None,
    superuser: bool = False,
    oversight_body: OversightBody | None = None,
) -> User:
    """Create a staff member in one force (oversight users may oversee several), in one of
    its teams if ``team`` is given; or, with ``superuser``, a platform superuser, who
    belongs to no force and manages national data in the administration site. This is
    the only way a superuser is made.

    The password is checked against the password validators with the new user, so one
    like the username or the name is refused."""
    if role not in Role.values:
        raise StaffError(f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}")
    if superuser:
        if force is not None or team is not None or oversees:
            raise StaffError(SUPERUSER_HAS_NO_FORCE)
        if role != Role.ADMINISTRATOR:
            raise StaffError("A superuser has the administrator role")
    elif force is None:
        raise StaffError(STAFF_NEEDS_FORCE)
    if role == Role.SUPPORT_ORGANISATION and support_organisation is None:
        raise StaffError(STAFF_NEEDS_ORGANISATION)
    if team is not None and force is not None and team.force_id != force.pk:
        raise StaffError(f"Team {team.code!r} is not a team of {force.code}")
    if User.objects.filter(username__iexact=username).exists():
        raise StaffError(f"A staff member with username {username!r} already exists")
    user = User(
        username=username,
        role=role,
        force=force,
        team=team,
        first_name=first_name,
        last_name=last_name,
        email=email,
        support_organisation=support_organisation,
        oversight_body=oversight_body if role == Role.OVERSIGHT else None,
        collar_number=collar_number,
        contact_route=contact_route,
        is_staff=superuser or role == Role.ADMINISTRATOR,
        is_superuser=superuser,
    )
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise StaffError("Password rejected: " + " ".join(error.messages)) from None
    user.set_password(password)
    user.full_clean()
    user.save()
    if role == Role.OVERSIGHT and force is not None:  # (a superuser is no oversight role)
        user.oversees.set(oversees or [force])
    return user


@transaction.atomic
def staff_access_settle(*, user: User, within_force: bool) -> None:
    """Bring what a staff member can reach into line with their role, after a change in
    the administration site. Staff status (the administration site) follows the role.
    Only oversight users oversee forces; one set up by a force administrator
    (``within_force``) oversees that force alone, and one set up by a superuser with no
    forces chosen oversees their own force, as ``staff_create`` does."""
    is_staff = user.is_superuser or user.role == Role.ADMINISTRATOR
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    if user.role != Role.OVERSIGHT or user.force_id is None:
        user.oversees.clear()
    elif within_force or not user.oversees.exists():
        user.oversees.set([user.force_id])


@transaction.atomic
def support_organisation_link(
    *, organisation: SupportOrganisation, force: Force, linked: bool
) -> None:
    """Let ``force``'s officers refer victims to ``organisation``, or stop them; the
    organisation's links to other forces are untouched."""
    if linked:
        organisation.forces.add(force)
    else:
        organisation.forces.remove(force)


TOKEN_PREFIX = "vc"  # noqa: S105 (a label, not a secret)


def _token_hash(secret: str) -> str:
    import hashlib

    # Tokens carry 256 bits of randomness, so a plain SHA-256 is enough (no stretching).
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def service_token_create(*, force: Force, name: str, created_by: User | None = None) -> str:
    """Create a token for a records system and return it. It is shown once, stored hashed."""
    import secrets

    name = name.strip()
    if not name:
        raise StaffError("A token needs a name saying what uses it")
    if ServiceToken.objects.filter(force=force, name=name, revoked_at__isnull=True).exists():
        raise StaffError(
            f"{force.code} already has an active token named {name!r}; revoke it first"
        )
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    ServiceToken.objects.create(
        force=force,
        name=name,
        prefix=prefix,
        secret_hash=_token_hash(secret),
        created_at=timezone.now(),
        created_by=created_by,
    )
    return f"{TOKEN_PREFIX}_{prefix}_{secret}"


def service_token_check(token: str):
    """The active ServiceToken a presented token belongs to, or None."""
    import hmac

    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    found = ServiceToken.objects.select_related("force").filter(prefix=parts[1]).first()
    if found is None or found.revoked_at is not None:
        return None
    if not hmac.compare_digest(found.secret_hash, _token_hash(parts[2])):
        return None
    now = timezone.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ServiceToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found


def service_token_revoke(*, force: Force, name: str) -> int:
    return ServiceToken.objects.filter(force=force, name=name, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- two-factor sign-in ------------------------------------------------------------------

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class TwoFactorError(ValueError):
    """A second factor cannot be set up or reset as asked; the message says why."""


def _security_record_create(*, user: User, subject: User, action: str, page: str) -> None:
    # The audit app, above accounts in the layers, writes the record (accounts/signals.py).
    answers = security_event.send(sender=User, user=user, subject=subject, action=action, page=page)
    if not answers:
        raise ImproperlyConfigured(
            "No audit trail records security events (is the audit app installed?)"
        )


def two_factor_failure_record(*, user: User, page: str) -> None:
    """Write down that ``user`` entered a wrong code (set-up, sign-in or recovery)."""
    _security_record_create(
        user=user, subject=user, action=AuditAction.TWO_FACTOR_FAILURE, page=page
    )


@transaction.atomic
def totp_device_start(*, user: User):
    """The authenticator-app device ``user`` is setting up: unconfirmed until a code from
    the app proves it was added. The same secret is offered until then, so leaving the
    page half-way does not leave a stale entry in the app."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise TwoFactorError(
            "Two-factor sign-in is already set up; ask an administrator to reset it"
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def two_factor_enrol(*, user: User, code: str, page: str):
    """Confirm ``user``'s authenticator app with a ``code`` from it and issue recovery codes.

    Returns ``(device, recovery_codes)``: the codes are shown once and stored only as the
    device's single-use tokens. A wrong code is recorded and returns ``(None, [])``.
    """
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise TwoFactorError("Start setting up two-factor sign-in again")
    if not device.verify_token(_code_digits(code)):
        two_factor_failure_record(user=user, page=page)
        return None, []
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    _security_record_create(user=user, subject=user, action=AuditAction.TWO_FACTOR_ENROL, page=page)
    return device, codes


def two_factor_verify(*, user: User, code: str, page: str):
    """The confirmed authenticator-app device that accepts ``code``, or None (recorded)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None and device.verify_token(_code_digits(code)):
            return device
    two_factor_failure_record(user=user, page=page)
    return None


def recovery_code_use(*, user: User, code: str, page: str):
    """Spend one of ``user``'s recovery codes: the recovery device if ``code`` is one of
    them (it is then used up, and the use recorded), otherwise None (recorded)."""
    from django_otp.plugins.otp_static.models import StaticDevice

    token = "".join(code.split()).replace("-", "").lower()
    with transaction.atomic():
        device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if token and device is not None and device.verify_token(token):
            _security_record_create(
                user=user, subject=user, action=AuditAction.RECOVERY_CODE_USE, page=page
            )
            return device
    two_factor_failure_record(user=user, page=page)
    return None


def recovery_codes_left(*, user: User) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def two_factor_reset(*, user: User, by: User, page: str) -> None:
    """Remove ``user``'s authenticator app and recovery codes: they set up a new app at
    their next sign-in, and any session of theirs stops counting as verified. An
    administrator resets staff of their own force; a superuser anyone's."""
    from django_otp import devices_for_user

    allowed = by.is_superuser or (
        by.is_active
        and by.role == Role.ADMINISTRATOR
        and by.force_id is not None
        and by.force_id == user.force_id
    )
    if not allowed:
        raise TwoFactorError(
            f"Only an administrator of {user.force or 'their force'} can reset "
            f"{user.get_username()}'s two-factor sign-in"
        )
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
    _security_record_create(user=by, subject=user, action=AuditAction.TWO_FACTOR_RESET, page=page)


@transaction.atomic
def totp_device_enrol_directly(*, user: User, page: str):
    """Give ``user`` a confirmed authenticator-app device without the set-up page (the demo
    logins, whose secrets are printed for the demonstrator). Returns the device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        return device
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    _security_record_create(user=user, subject=user, action=AuditAction.TWO_FACTOR_ENROL, page=page)
    return device


def totp_secret(device) -> str:
    """The device's secret as an authenticator app takes it: base32, no padding."""
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


def _code_digits(code: str) -> str:
    """What was typed, without the spaces and dashes people put in codes."""
    return "".join(code.split()).replace("-", "")
