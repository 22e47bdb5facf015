from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from victimcare.accounts.constants import AuditAction, Role
from victimcare.accounts.models import AuditRecord, SupportOrganisation, User
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
    if team is not None and team.force_id != force.pk:
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
    if role == Role.OVERSIGHT:
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


def audit_record_create(*, user: User, victim, page: str, action: str = AuditAction.VIEW) -> None:
    """Write down that ``user`` saw ``victim``'s personal data on ``page``."""
    AuditRecord.objects.create(
        at=timezone.now(),
        user=user,
        force_id=victim.case.force_id,
        victim=victim,
        action=action,
        page=page[:200],
    )


TOKEN_PREFIX = "vc"  # noqa: S105 (a label, not a secret)


def _token_hash(secret: str) -> str:
    import hashlib

    # Tokens carry 256 bits of randomness, so a plain SHA-256 is enough (no stretching).
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def service_token_create(*, force: Force, name: str, created_by: User | None = None) -> str:
    """Create a token for a records system and return it. It is shown once, stored hashed."""
    import secrets

    from victimcare.accounts.models import ServiceToken

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

    from victimcare.accounts.models import ServiceToken

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
    from victimcare.accounts.models import ServiceToken

    return ServiceToken.objects.filter(force=force, name=name, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
