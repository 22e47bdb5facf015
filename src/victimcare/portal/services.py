"""Signing in to Track my case: sign-in codes and links, and the rate limits on them.

The other writes of Track my case: messages both ways in message_services.py, the
victim's own contact preferences in contact_services.py."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from victimcare.cases.models import Case, Victim
from victimcare.notifications.constants import NotificationChannel, Purpose
from victimcare.notifications.services import notification_queue, victim_route
from victimcare.portal import constants as c
from victimcare.portal.models import (
    AccessCode,
    SignInAttempt,
    TrackLink,
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
