"""Every write of Track my case: sign-in codes and links, rate limits, messages both ways,
and the victim's own contact preferences."""

from __future__ import annotations

import copy
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from victimcare.cases.constants import ContactMethod, EventKind
from victimcare.cases.models import Case, Victim, VictimPersonalDetails
from victimcare.cases.services import case_event_record
from victimcare.core.timezones import LONDON
from victimcare.notifications.constants import NotificationChannel, Purpose
from victimcare.notifications.services import notification_queue, victim_notify, victim_route
from victimcare.portal import constants as c
from victimcare.portal.models import (
    AccessCode,
    ContactChange,
    SignInAttempt,
    TrackLink,
    VictimMessage,
)
from victimcare.portal.selectors import track_links_live

logger = logging.getLogger(__name__)


class TrackThrottled(Exception):
    """Too many attempts for this reference or from this address; try again later."""


class PortalError(ValueError):
    """A victim's request cannot be done as asked; the message says why, and ``field``
    which form field it is about (None: the whole form)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def _scope(kind: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:64]}"


def _code_hash(code: str, access_id_seed: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{access_id_seed}:{code}".encode(), hashlib.sha256).hexdigest()


def _code_new() -> tuple[str, str]:
    """A fresh 6-digit code and the keyed hash kept of it."""
    code = f"{secrets.randbelow(10**c.CODE_DIGITS):0{c.CODE_DIGITS}d}"
    seed = secrets.token_hex(8)
    return code, f"{seed}${_code_hash(code, seed)}"


def normalise_reference(reference: str) -> str:
    return "".join(reference.split()).upper()[:32]


def _scopes(*, reference: str, address: str) -> list[tuple[str, int]]:
    return [
        (_scope("ref", normalise_reference(reference)), c.LIMIT_PER_REFERENCE),
        (_scope("ip", address or "unknown"), c.LIMIT_PER_ADDRESS),
    ]


def throttle_check(*, reference: str, address: str) -> None:
    """Refuse once the reference or the address has used up its attempts in the window.

    The same limits apply whether or not the reference exists, so the answer says nothing
    about which references are real.
    """
    since = timezone.now() - timedelta(minutes=c.LIMIT_WINDOW_MINUTES)
    for scope, limit in _scopes(reference=reference, address=address):
        if SignInAttempt.objects.filter(scope=scope, at__gte=since).count() >= limit:
            raise TrackThrottled


def _attempt_record(*, reference: str, address: str) -> None:
    now = timezone.now()
    SignInAttempt.objects.filter(at__lt=now - timedelta(days=1)).delete()
    SignInAttempt.objects.bulk_create(
        [
            SignInAttempt(scope=s, at=now)
            for s, _limit in _scopes(reference=reference, address=address)
        ]
    )


def _case_by_reference(reference: str) -> Case | None:
    return (
        Case.objects.select_related("force")
        .filter(reference=normalise_reference(reference))
        .order_by("pk")
        .first()
    )


def _case_victims(case: Case):
    return (
        Victim.objects.select_related("personal_details", "case")
        .filter(case=case, personal_details__isnull=False)
        .order_by("pk")
    )


def _code_matches(access: AccessCode, code: str) -> bool:
    return _hash_matches(access.code_hash, code)


def _hash_matches(stored: str, code: str) -> bool:
    seed, _sep, expected = stored.partition("$")
    return bool(stored) and code.isdigit() and hmac.compare_digest(expected, _code_hash(code, seed))


def _live_codes(case: Case):
    return AccessCode.objects.filter(
        case=case, used_at__isnull=True, expires_at__gte=timezone.now()
    ).order_by("-created_at", "-pk")


@transaction.atomic
def access_code_request(*, reference: str, address: str) -> list[str]:
    """Send each victim of the case their own sign-in code, by the electronic contact they
    gave, if the reference exists. Each victim has at most one live code: asking again
    replaces it.

    Returns the codes sent, for the demo only (its code page shows them: see
    views.start); an empty list when none were. Raises TrackThrottled past the rate limits.
    """
    throttle_check(reference=reference, address=address)
    _attempt_record(reference=reference, address=address)
    case = _case_by_reference(reference)
    codes: list[str] = []
    if case is None:
        return codes
    for victim in _case_victims(case):
        route = victim_route(details=victim.personal_details)
        if route is None or route[0] == "letter":
            logger.info(
                "no electronic contact for victim %s on case %s: code not sent",
                victim.pk,
                case.reference,
            )
            continue
        codes.append(_access_code_send(case=case, victim=victim, route=route))
    return codes


def _access_code_send(*, case: Case, victim: Victim, route: tuple[str, str]) -> str:
    now = timezone.now()
    # One live code per victim: this victim's earlier code dies; other victims' codes live on.
    AccessCode.objects.filter(case=case, victim=victim, used_at__isnull=True).update(used_at=now)
    others = list(_live_codes(case).select_for_update())
    while True:  # never the same code as another victim's live one (they share the reference)
        code, code_hash = _code_new()
        if not any(_code_matches(other, code) for other in others):
            break
    access = AccessCode.objects.create(
        case=case,
        victim=victim,
        code_hash=code_hash,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.TRACK_CODE_MINUTES),
    )
    notification_queue(
        channel=route[0],
        recipient=route[1],
        subject=_("Your Track my case code"),
        body=_(
            "Your code to see crime reference %(ref)s is %(code)s. It works once, for %(minutes)s "
            "minutes. If you did not ask for it, you can ignore this message."
        )
        % {"ref": case.reference, "code": code, "minutes": settings.TRACK_CODE_MINUTES},
        idempotency_key=f"track-code:{access.pk}",
        purpose=Purpose.ACCESS_CODE,
        case=case,
        sensitive=True,
    )
    return code


@transaction.atomic
def access_code_check(*, reference: str, code: str, address: str) -> Victim | None:
    """The victim whose correct, unused, unexpired code this is; None otherwise.

    The code may be any of the case's live codes (one per victim); it signs in the victim
    it was sent to. Wrong codes count against the rate limits, and against every live code
    of the case: each dies after a few wrong tries.
    """
    throttle_check(reference=reference, address=address)
    code = "".join(code.split())[:20]
    case = _case_by_reference(reference)
    live = list(_live_codes(case).select_for_update()) if case is not None else []
    matched = [access for access in live if _code_matches(access, code)]
    if matched:
        access = matched[0]
        access.used_at = timezone.now()
        access.save(update_fields=["used_at"])
        return Victim.objects.select_related("case").get(pk=access.victim_id)
    for access in live:
        access.wrong_tries += 1
        if access.wrong_tries >= c.CODE_MAX_TRIES:
            access.used_at = timezone.now()
        access.save(update_fields=["wrong_tries", "used_at"])
    _attempt_record(reference=reference, address=address)
    return None


@transaction.atomic
def track_link_make(*, victim: Victim) -> str:
    """A link for a message to the victim that opens the Track my case sign-in step.

    Why a link never signs anyone in by itself: a message can be forwarded, read over a
    shoulder, kept in a mailbox for years, fetched by a mail scanner or left in a browser
    history. So the link is not a key to the case but a short cut to the sign-in step:

    - it is a random token (only its hash is kept), spent the first time it is used and
      dead 24 hours after it was made, whether used or not;
    - opening it shows the crime reference and one button, "Send me a code" (an opening
      alone changes nothing, so a mail scanner fetching the link does not spend it);
    - pressing the button spends the link and sends a fresh one-time code to the
      victim's contact details as they are then; the victim enters the code as on any
      sign-in, and only the code signs them in.

    This keeps the journey short (no reference to type) while a link that leaks, or is
    used twice, gives nobody a session. A spent, expired or unknown link shows the same
    page, which offers a new code and says nothing about the reference.
    """
    now = timezone.now()
    TrackLink.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    token = secrets.token_urlsafe(32)
    TrackLink.objects.create(
        case_id=victim.case_id,
        victim=victim,
        token_hash=TrackLink.hash_of(token),
        created_at=now,
        expires_at=now + timedelta(hours=c.LINK_MAX_AGE_HOURS),
    )
    return f"{settings.PUBLIC_URL}{reverse('portal:link')}?token={token}"


def track_start_url() -> str:
    """The Track my case start page, for messages that must outlive a link (letters, the
    Victim Care Card): the victim signs in with their reference and a code."""
    return f"{settings.PUBLIC_URL}{reverse('portal:start')}"


def track_link_text(*, victim: Victim) -> str:
    """The lines that point a message's reader to Track my case: a single-use sign-in link
    for email and text messages, the start page for a letter (it arrives after a link has
    died). Links to Track my case in messages to victims are made here and nowhere else."""
    route = victim_route(details=victim.personal_details)
    if route is None or route[0] == NotificationChannel.LETTER:
        return _("Reply or see your case at %(url)s with your crime reference.") % {
            "url": track_start_url()
        }
    return _(
        "Reply or see your case: %(url)s\nThe link works once, for %(hours)s hours. "
        "It sends you a code to sign in."
    ) % {"url": track_link_make(victim=victim), "hours": c.LINK_MAX_AGE_HOURS}


@transaction.atomic
def track_link_redeem(*, token: str, address: str) -> str | None:
    """Spend a link from a message and send its victim a fresh sign-in code; returns the
    crime reference to sign in with, or None for a spent, expired or unknown link.

    Raises TrackThrottled past the rate limits of the reference or address (the link is
    then not spent, so it can be used once the wait is over).
    """
    link = (
        track_links_live(token=token)
        .select_for_update(of=("self",))
        .select_related("case", "victim__personal_details")
        .first()
    )
    if link is None:
        return None
    reference = link.case.reference
    throttle_check(reference=reference, address=address)
    _attempt_record(reference=reference, address=address)
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    details = getattr(link.victim, "personal_details", None)
    route = victim_route(details=details) if details is not None else None
    if route is None or route[0] == NotificationChannel.LETTER:
        logger.info("no electronic contact for victim %s: code not sent", link.victim_id)
    else:
        _access_code_send(case=link.case, victim=link.victim, route=route)
    return reference


def _body_check(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise PortalError(_("Enter your message"))
    if len(body) > c.MESSAGE_MAX_LENGTH:
        raise PortalError(_("Your message must be 2,000 characters or fewer"))
    if "\x00" in body:
        raise PortalError(_("Your message contains characters we cannot accept"))
    return body


@transaction.atomic
def victim_message_send(*, victim: Victim, body: str) -> VictimMessage:
    """A message from the victim to the officer on their case."""
    body = _body_check(body)
    now = timezone.now()
    message = VictimMessage(
        case=victim.case, victim=victim, direction=c.MessageDirection.FROM_VICTIM, body=body, at=now
    )
    message.full_clean()
    message.save()
    case_event_record(
        case=victim.case,
        kind=EventKind.MESSAGE_FROM_VICTIM,
        at=now,
        detail={"message": message.pk, "victim": victim.pk},
        victim_text=_("You sent a message to the officer."),
    )
    return message


def reply_victim_default(*, case: Case) -> Victim | None:
    """Whom a reply goes to unless the officer says: the case's only victim, else the victim
    who wrote last; None when that cannot be told."""
    victims = list(Victim.objects.filter(case=case).order_by("pk")[:2])
    if len(victims) == 1:
        return victims[0]
    last = (
        VictimMessage.objects.filter(
            case=case, direction=c.MessageDirection.FROM_VICTIM, victim__isnull=False
        )
        .order_by("-at", "-id")
        .first()
    )
    return last.victim if last is not None else None


@transaction.atomic
def officer_reply_send(
    *, case: Case, user, body: str, victim: Victim | None = None
) -> VictimMessage:
    """The officer's reply to one victim of the case: in that victim's timeline only and sent
    by their preferred channel.

    ``victim`` is whom it is for; without it, the case's only victim or the one who wrote
    last (see ``reply_victim_default``). A case with several victims and no message from
    any of them needs the officer to choose.
    """
    body = _body_check(body)
    if victim is None:
        victim = reply_victim_default(case=case)
        if victim is None:
            raise PortalError(_("Choose which victim to reply to"))
    elif victim.case_id != case.pk:
        raise PortalError(_("Choose a victim on this case"))
    victim = Victim.objects.select_related("personal_details", "case").get(pk=victim.pk)
    now = timezone.now()
    message = VictimMessage(
        case=case, victim=victim, direction=c.MessageDirection.TO_VICTIM, body=body, at=now, by=user
    )
    message.full_clean()
    message.save()
    case_event_record(
        case=case,
        kind=EventKind.MESSAGE_TO_VICTIM,
        at=now,
        by=user,
        detail={"message": message.pk, "victim": victim.pk},
        victim_text=_("Message from %(name)s: %(body)s") % {"name": user, "body": body},
    )
    if hasattr(victim, "personal_details"):
        victim_notify(
            victim=victim,
            subject=_("A message about crime reference %(ref)s") % {"ref": case.reference},
            body=_("%(name)s wrote about crime reference %(ref)s:\n\n%(body)s\n\n%(track)s")
            % {
                "name": user,
                "ref": case.reference,
                "body": body,
                "track": track_link_text(victim=victim),
            },
            idempotency_key=f"reply:{message.pk}",
            purpose=Purpose.REPLY,
            sensitive=True,  # the body carries a sign-in link; the text stays on the case
        )
    return message


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
    routes = []
    if "email" in changed and old.email:
        routes.append((NotificationChannel.EMAIL, old.email))
    if "phone" in changed and old.phone and old.phone_is_safe is not False:
        routes.append((NotificationChannel.SMS, old.phone))
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
