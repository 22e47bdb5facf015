"""Every write of Track my case: sign-in codes and links, rate limits, messages both ways,
and the victim's own contact preferences."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from victimcare.cases.constants import ContactMethod, EventKind
from victimcare.cases.models import Case, Victim, VictimPersonalDetails
from victimcare.cases.services import case_event_record
from victimcare.notifications.constants import Purpose
from victimcare.notifications.services import notification_queue, victim_notify, victim_route
from victimcare.portal import constants as c
from victimcare.portal.models import AccessCode, SignInAttempt, VictimMessage

logger = logging.getLogger(__name__)
LINK_SALT = "victimcare.portal.track-link"


class TrackThrottled(Exception):
    """Too many attempts for this reference or from this address; try again later."""


class PortalError(ValueError):
    """A victim's request cannot be done as asked; the message says why."""


def _scope(kind: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:64]}"


def _code_hash(code: str, access_id_seed: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{access_id_seed}:{code}".encode(), hashlib.sha256).hexdigest()


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


def _first_victim(case: Case) -> Victim | None:
    return Victim.objects.select_related("personal_details", "case").filter(case=case).first()


@transaction.atomic
def access_code_request(*, reference: str, address: str) -> None:
    """Send a sign-in code to the contact the victim gave, if the reference exists.

    Returns nothing either way. Raises TrackThrottled past the rate limits.
    """
    throttle_check(reference=reference, address=address)
    _attempt_record(reference=reference, address=address)
    case = _case_by_reference(reference)
    victim = _first_victim(case) if case else None
    if victim is None:
        return
    route = victim_route(details=victim.personal_details)
    if route is None or route[0] == "letter":
        logger.info("no electronic contact for case %s: code not sent", case.reference)
        return
    now = timezone.now()
    AccessCode.objects.filter(case=case, used_at__isnull=True).update(used_at=now)  # one live code
    code = f"{secrets.randbelow(10**c.CODE_DIGITS):0{c.CODE_DIGITS}d}"
    seed = secrets.token_hex(8)
    access = AccessCode.objects.create(
        case=case,
        victim=victim,
        code_hash=f"{seed}${_code_hash(code, seed)}",
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


@transaction.atomic
def access_code_check(*, reference: str, code: str, address: str) -> Victim | None:
    """The victim a correct, unused, unexpired code belongs to; None otherwise.

    Wrong codes count against the rate limits; a code dies after a few wrong tries.
    """
    throttle_check(reference=reference, address=address)
    code = "".join(code.split())[:20]
    case = _case_by_reference(reference)
    access = None
    if case is not None:
        access = (
            AccessCode.objects.select_for_update()
            .filter(case=case, used_at__isnull=True, expires_at__gte=timezone.now())
            .order_by("-created_at")
            .first()
        )
    if access is not None:
        seed, _sep, expected = access.code_hash.partition("$")
        if code.isdigit() and hmac.compare_digest(expected, _code_hash(code, seed)):
            access.used_at = timezone.now()
            access.save(update_fields=["used_at"])
            return Victim.objects.select_related("case").get(pk=access.victim_id)
        access.wrong_tries += 1
        if access.wrong_tries >= c.CODE_MAX_TRIES:
            access.used_at = timezone.now()
        access.save(update_fields=["wrong_tries", "used_at"])
    _attempt_record(reference=reference, address=address)
    return None


def track_link_make(*, victim: Victim) -> str:
    """A signed link that signs the victim straight in (for messages sent to them)."""
    token = signing.dumps({"v": str(victim.pseudonym)}, salt=LINK_SALT, compress=True)
    return f"{settings.PUBLIC_URL}{reverse('portal:link')}?token={token}"


def track_link_check(*, token: str) -> Victim | None:
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=timedelta(days=c.LINK_MAX_AGE_DAYS))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return Victim.objects.select_related("case").filter(pseudonym=data.get("v")).first()


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
        detail={"message": message.pk},
        victim_text=_("You sent a message to the officer."),
    )
    return message


@transaction.atomic
def officer_reply_send(*, case: Case, user, body: str) -> VictimMessage:
    """The officer's reply: in the victim's timeline and sent by their preferred channel."""
    body = _body_check(body)
    now = timezone.now()
    victim = _first_victim(case)
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
        detail={"message": message.pk},
        victim_text=_("Message from %(name)s: %(body)s") % {"name": user, "body": body},
    )
    if victim is not None:
        victim_notify(
            victim=victim,
            subject=_("A message about crime reference %(ref)s") % {"ref": case.reference},
            body=_(
                "%(name)s wrote about crime reference %(ref)s:\n\n%(body)s\n\nReply or see your case: %(link)s"
            )
            % {
                "name": user,
                "ref": case.reference,
                "body": body,
                "link": track_link_make(victim=victim),
            },
            idempotency_key=f"reply:{message.pk}",
            purpose=Purpose.REPLY,
        )
    return message


CONTACT_FIELDS = ("preferred_contact", "email", "phone", "phone_is_safe", "times_to_avoid")


@transaction.atomic
def contact_preferences_change(*, victim: Victim, changes: dict) -> list[str]:
    """The victim changes how we contact them; returns the names of what changed."""
    details = VictimPersonalDetails.objects.select_for_update().get(victim=victim)
    changed = []
    for name in CONTACT_FIELDS:
        if name in changes and getattr(details, name) != changes[name]:
            setattr(details, name, changes[name])
            changed.append(name)
    if details.preferred_contact == ContactMethod.EMAIL and not details.email:
        raise PortalError(_("Enter your email address, or choose another way to be contacted"))
    if not changed:
        return []
    details.full_clean(exclude=["victim"])
    details.save(update_fields=changed)
    case_event_record(
        case=victim.case,
        kind=EventKind.CONTACT_PREFERENCES_CHANGED,
        at=timezone.now(),
        detail={"fields": changed},
        victim_text=_("You changed how we contact you."),
    )
    return changed
