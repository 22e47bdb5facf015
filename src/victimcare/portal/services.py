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


def _case_victims(case: Case):
    return (
        Victim.objects.select_related("personal_details", "case")
        .filter(case=case, personal_details__isnull=False)
        .order_by("pk")
    )


def _code_matches(access: AccessCode, code: str) -> bool:
    seed, _sep, expected = access.code_hash.partition("$")
    return code.isdigit() and hmac.compare_digest(expected, _code_hash(code, seed))


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
        code = f"{secrets.randbelow(10**c.CODE_DIGITS):0{c.CODE_DIGITS}d}"
        if not any(_code_matches(other, code) for other in others):
            break
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
        detail={"fields": changed, "victim": victim.pk},
        victim_text=_("You changed how we contact you."),
    )
    return changed
