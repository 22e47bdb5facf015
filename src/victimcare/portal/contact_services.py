"""A victim's change of contact details from Track my case: what takes effect now, and a
new email address or phone number that waits for the code sent to it."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from victimcare.cases.constants import ContactMethod, EventKind
from victimcare.cases.models import Victim, VictimPersonalDetails
from victimcare.cases.services import case_event_record
from victimcare.core.timezones import LONDON
from victimcare.notifications.constants import NotificationChannel, Purpose
from victimcare.notifications.services import notification_queue, victim_route
from victimcare.portal import constants as c
from victimcare.portal.models import (
    ContactChange,
    SignInAttempt,
)
from victimcare.portal.services import (
    PortalError,
    TrackThrottled,
    _code_new,
    _hash_matches,
    _scope,
)

CONTACT_FIELDS = ("preferred_contact", "email", "phone", "phone_is_safe", "times_to_avoid")
ADDRESS_FIELDS = ("email", "phone")  # a new one waits for the code sent to it


@dataclass(frozen=True)
class ContactChangeResult:
    """What a change of contact details did: ``changed`` names what took effect now;
    ``waiting`` is the change that waits for codes sent to new addresses (then ``changed``
    is empty: nothing takes effect before the codes are entered)."""

    changed: list[str]
    waiting: ContactChange | None = None


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit())


def _same_address(name: str, old: str, new: str) -> bool:
    if name == "email":
        return (old or "").strip().lower() == (new or "").strip().lower()
    return _digits(old) == _digits(new)


def address_mask(name: str, value: str) -> str:
    """A hint of an address that does not give it away: n***@e***.com, *******982."""
    if name == "phone":
        digits = _digits(value)
        return f"*******{digits[-3:]}" if digits else ""
    local, _sep, domain = (value or "").partition("@")
    host, dot, tld = domain.rpartition(".")
    if not local or not host:
        return "***"
    return f"{local[0]}***@{host[0]}***{dot}{tld}"


@transaction.atomic
def contact_preferences_change(*, victim: Victim, changes: dict) -> ContactChangeResult:
    """The victim changes how we contact them.

    A new email address or phone number takes effect only once the victim enters the code
    sent to it (``contact_change_confirm``), and everything asked in the same change waits
    with it; the old address is then told. Other changes (preferred way, times to avoid,
    whether the number is safe, removing an address) take effect at once; a removed
    address is told it was removed. Retyping an address with other spacing or capitals is
    no change.

    A new number the victim says is not safe to text cannot be checked by text, so it is
    refused here (the officer can change it). Raises PortalError (with the form field it is
    about) and TrackThrottled past the limit of changes a victim may start.
    """
    details = VictimPersonalDetails.objects.select_for_update().get(victim=victim)
    wanted = {name: changes[name] for name in CONTACT_FIELDS if name in changes}
    for name in ADDRESS_FIELDS:
        if name in wanted and _same_address(name, getattr(details, name), wanted[name]):
            wanted[name] = getattr(details, name)  # the same address: keep it as it was
    changed = [name for name in wanted if getattr(details, name) != wanted[name]]
    if not changed:
        return ContactChangeResult(changed=[])
    old = copy.copy(details)
    for name in changed:
        setattr(details, name, wanted[name])
    if details.preferred_contact == ContactMethod.EMAIL and not details.email:
        raise PortalError(
            _("Enter your email address, or choose another way to be contacted"), field="email"
        )
    details.full_clean(exclude=["victim"])
    new_addresses = [name for name in ADDRESS_FIELDS if name in changed and wanted[name]]
    if "phone" in new_addresses and details.phone_is_safe is False:
        raise PortalError(
            _(
                "We check a new number by texting a code to it. If it is not safe for us to "
                "text you, call 101 and ask for the number on your case to be changed"
            ),
            field="phone_is_safe",
        )
    if new_addresses:
        return ContactChangeResult(
            changed=[],
            waiting=_contact_change_wait(
                victim=victim,
                changes={name: wanted[name] for name in changed},
                new_addresses=new_addresses,
            ),
        )
    details.save(update_fields=changed)
    _contact_change_record(victim=victim, old=old, details=details, changed=changed)
    return ContactChangeResult(changed=changed)


def _contact_change_wait(
    *, victim: Victim, changes: dict, new_addresses: list[str]
) -> ContactChange:
    """Keep the change and send a code to each new address; an earlier waiting change of
    the same victim is replaced."""
    scope = _scope("contact", str(victim.pk))
    now = timezone.now()
    since = now - timedelta(minutes=c.LIMIT_WINDOW_MINUTES)
    if SignInAttempt.objects.filter(scope=scope, at__gte=since).count() >= (
        c.LIMIT_CONTACT_CHANGES
    ):
        raise TrackThrottled
    SignInAttempt.objects.create(scope=scope, at=now)
    ContactChange.objects.filter(victim=victim, ended_at__isnull=True).update(
        ended_at=now, changes={}
    )
    codes = {name: _code_new() for name in new_addresses}
    change = ContactChange.objects.create(
        case_id=victim.case_id,
        victim=victim,
        changes=changes,
        email_code_hash=codes["email"][1] if "email" in codes else "",
        phone_code_hash=codes["phone"][1] if "phone" in codes else "",
        created_at=now,
        expires_at=now + timedelta(minutes=settings.TRACK_CODE_MINUTES),
    )
    reference = victim.case.reference
    for name, (code, _hash) in codes.items():
        notification_queue(
            channel=NotificationChannel.EMAIL if name == "email" else NotificationChannel.SMS,
            recipient=changes[name],
            subject=_("Confirm your new email address")
            if name == "email"
            else _("Confirm your new phone number"),
            body=_(
                "Your code to confirm this %(what)s for crime reference %(ref)s is %(code)s. "
                "It works once, for %(minutes)s minutes. If you did not ask for it, you can "
                "ignore this message."
            )
            % {
                "what": _("email address") if name == "email" else _("phone number"),
                "ref": reference,
                "code": code,
                "minutes": settings.TRACK_CODE_MINUTES,
            },
            idempotency_key=f"contact-code:{change.pk}:{name}",
            purpose=Purpose.CONTACT_CODE,
            case=victim.case,
            sensitive=True,
        )
    return change


def contact_change_waiting(*, victim: Victim) -> ContactChange | None:
    """The victim's change of contact details that still waits for its codes, if any."""
    return (
        ContactChange.objects.filter(
            victim=victim, ended_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def contact_change_confirm(
    *, victim: Victim, email_code: str = "", phone_code: str = ""
) -> list[str]:
    """Make the victim's waiting change take effect once the code sent to each new address
    is entered; returns the names of what changed. The old addresses are told.

    A wrong code changes nothing and counts a try; after a few the change is void and the
    victim starts again (which sends new codes). Raises PortalError saying what to do (once
    the try is counted).
    """
    outcome, changed = _contact_change_try(
        victim=victim, email_code=email_code, phone_code=phone_code
    )
    if outcome == "none":
        raise PortalError(_("The code has expired. Make your change again to get a new code."))
    if outcome == "void":
        raise PortalError(
            _(
                "Too many wrong codes. Nothing was changed. Make your change again to get a new code."
            )
        )
    if outcome == "wrong":
        raise PortalError(_("The code is wrong. Check the code we sent you and try again."))
    return changed


@transaction.atomic
def _contact_change_try(*, victim: Victim, email_code: str, phone_code: str):
    now = timezone.now()
    change = (
        ContactChange.objects.select_for_update()
        .filter(victim=victim, ended_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )
    if change is None:
        return "none", []
    entered = {"email": "".join(email_code.split()), "phone": "".join(phone_code.split())}
    stored = {"email": change.email_code_hash, "phone": change.phone_code_hash}
    if not all(_hash_matches(stored[n], entered[n]) for n in ADDRESS_FIELDS if stored[n]):
        change.wrong_tries += 1
        void = change.wrong_tries >= c.CODE_MAX_TRIES
        if void:
            change.ended_at, change.changes = now, {}
        change.save(update_fields=["wrong_tries", "ended_at", "changes"])
        return ("void" if void else "wrong"), []
    details = VictimPersonalDetails.objects.select_for_update().get(victim=victim)
    old = copy.copy(details)
    changed = [name for name, value in change.changes.items() if getattr(details, name) != value]
    for name in changed:
        setattr(details, name, change.changes[name])
    change.confirmed_at = change.ended_at = now
    change.changes = {}
    change.save(update_fields=["confirmed_at", "ended_at", "changes"])
    if changed:
        details.full_clean(exclude=["victim"])
        details.save(update_fields=changed)
        _contact_change_record(victim=victim, old=old, details=details, changed=changed)
    return "confirmed", changed


def _contact_change_record(*, victim: Victim, old, details, changed: list[str]) -> None:
    """Note the change on the case and tell the old addresses of any address changed."""
    now = timezone.now()
    event = case_event_record(
        case=victim.case,
        kind=EventKind.CONTACT_PREFERENCES_CHANGED,
        at=now,
        detail={"fields": changed, "victim": victim.pk},
        victim_text=_("You changed how we contact you."),
    )
    addresses_changed = [name for name in ADDRESS_FIELDS if name in changed]
    if addresses_changed:
        _contact_change_announce(
            victim=victim, old=old, details=details, changed=addresses_changed, key=event.pk
        )


def _contact_change_announce(*, victim: Victim, old, details, changed: list[str], key) -> None:
    """Tell the victim, at the addresses they had, that their email or phone changed: each
    replaced or removed address (a number only if it was safe to text), else however they
    were reached before. The new address appears only masked."""
    what = []
    for name in changed:
        label = _("email address") if name == "email" else _("phone number")
        new = getattr(details, name)
        if new:
            what.append(
                _("your %(what)s is now %(hint)s")
                % {"what": label, "hint": address_mask(name, new)}
            )
        else:
            what.append(_("your %(what)s was removed") % {"what": label})
    when = timezone.localtime(timezone.now(), LONDON)
    body = _(
        "The contact details for crime reference %(ref)s were changed on %(date)s at %(time)s: "
        "%(what)s.\n\nIf this was not you, call 101 now and give your crime reference. "
        "In an emergency call 999."
    ) % {
        "ref": victim.case.reference,
        "date": f"{when.day} {when:%B %Y}",
        "time": f"{when:%H:%M}",
        "what": "; ".join(str(line) for line in what),
    }
    routes: list[tuple[str, str]] = []
    if "email" in changed and old.email:
        routes.append((str(NotificationChannel.EMAIL), old.email))
    if "phone" in changed and old.phone and old.phone_is_safe is not False:
        routes.append((str(NotificationChannel.SMS), old.phone))
    if not routes:
        route = victim_route(details=old)
        routes = [route] if route is not None else []
    for channel, recipient in routes:
        notification_queue(
            channel=channel,
            recipient=recipient,
            subject=_("Your contact details were changed"),
            body=body,
            idempotency_key=f"contact-changed:{key}:{channel}",
            purpose=Purpose.CONTACT_CHANGED,
            case=victim.case,
        )
