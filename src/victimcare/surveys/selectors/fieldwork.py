"""Reads for fieldwork: what the case record says about care, samples and their
tracking, the web survey's tokens and the telephone interview queue."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.cases.constants import EventKind
from victimcare.cases.models import CaseEvent
from victimcare.surveys.constants import (
    Mode,
    Outcome,
)
from victimcare.surveys.models import (
    Sample,
    SampleMember,
    TokenFailure,
)
from victimcare.surveys.tokens import TOKEN_PATTERN, token_hash
from victimcare.surveys.weighting import (
    ResponseRates,
)

TOKEN_FAILURE_LIMIT = 10
TOKEN_FAILURE_WINDOW = timedelta(minutes=15)


def care_marker_times(*, case_ids: Iterable[int]) -> dict:
    """Per case, when an officer first made contact (contact_made) and first visited
    (visit_done), from the case event log; None where it has not happened.

    Until the care app records Victims' Code obligations, this is how the survey knows
    whether a victim was kept informed and visited."""
    case_ids = list(case_ids)
    times: dict[int, list] = {case_id: [None, None] for case_id in case_ids}
    slot = {EventKind.CONTACT_MADE: 0, EventKind.VISIT_DONE: 1}
    for start in range(0, len(case_ids), 5000):
        events = CaseEvent.objects.filter(
            case_id__in=case_ids[start : start + 5000], kind__in=list(slot)
        ).values_list("case_id", "kind", "at")
        for case_id, kind, at in events:
            current = times[case_id][slot[kind]]
            if current is None or at < current:
                times[case_id][slot[kind]] = at
    return {case_id: (contact, visit) for case_id, (contact, visit) in times.items()}


def care_markers(*, case_ids: Iterable[int], before: datetime | None = None) -> dict:
    """Per case, (kept informed, visited) before ``before`` (see care_marker_times)."""
    return {
        case_id: tuple(
            at is not None and (before is None or at < before) for at in (contact, visit)
        )
        for case_id, (contact, visit) in care_marker_times(case_ids=case_ids).items()
    }


def samples_for_user(*, user: User) -> QuerySet[Sample]:
    if not has_capability(user, Capability.MANAGE_SURVEYS):
        return Sample.objects.none()
    return Sample.objects.filter(force__in=forces_in_scope(user)).select_related("force")


def sample_get(*, user: User, pk: int) -> Sample:
    """One sample of the user's force; a 404 whether missing or another force's."""
    sample = samples_for_user(user=user).filter(pk=pk).first()
    if sample is None:
        raise Http404("No such sample in your force")
    return sample


@dataclass(frozen=True)
class TrackingRow:
    """Fieldwork progress for a stratum (or a mode, or a whole sample)."""

    label: str
    population: int
    excluded: int
    drawn: int
    rates: ResponseRates


def _rates(counts: dict[str, int]) -> ResponseRates:
    return ResponseRates.from_counts(counts)


def sample_tracking(*, sample: Sample) -> dict:
    """Outcomes and response rates of a sample by stratum and by mode, with exclusions."""
    by_stratum: dict[int, Counter] = defaultdict(Counter)
    by_mode: dict[str, Counter] = defaultdict(Counter)
    total: Counter = Counter()
    rows = (
        SampleMember.objects.filter(sample=sample)
        .values("stratum_id", "mode", "outcome")
        .annotate(n=Count("id"))
    )
    for row in rows:
        by_stratum[row["stratum_id"]][row["outcome"]] += row["n"]
        by_mode[row["mode"]][row["outcome"]] += row["n"]
        total[row["outcome"]] += row["n"]
    strata = [
        TrackingRow(
            label=stratum.key,
            population=stratum.population,
            excluded=sum(stratum.exclusions.values()),
            drawn=stratum.drawn,
            rates=_rates(by_stratum.get(stratum.pk, {})),
        )
        for stratum in sample.strata.all().order_by("key")
    ]
    modes = [
        TrackingRow(
            label=str(Mode(mode).label),
            population=0,
            excluded=0,
            drawn=sum(c.values()),
            rates=_rates(c),
        )
        for mode, c in sorted(by_mode.items())
    ]
    return {
        "strata": strata,
        "modes": modes,
        "total": TrackingRow(
            label="All strata",
            population=sample.eligible,
            excluded=sum(sample.exclusions.values()),
            drawn=sum(total.values()),
            rates=_rates(total),
        ),
    }


def tracking_by_month(*, user: User) -> list[dict]:
    """Per sample (force and month): issued, outcomes, RR1 and RR3."""
    counts: dict[int, Counter] = defaultdict(Counter)
    samples = list(samples_for_user(user=user).order_by("-month", "force__code"))
    rows = (
        SampleMember.objects.filter(sample__in=samples)
        .values("sample_id", "outcome")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["sample_id"]][row["outcome"]] += row["n"]
    return [{"sample": s, "rates": _rates(counts.get(s.pk, {}))} for s in samples]


def member_for_token(token: str, *, now: datetime | None = None) -> SampleMember | None:
    """The sampled victim a link belongs to, if it can still be used: issued, not
    completed, not expired. None for anything else, whatever the reason."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    now = now or timezone.now()
    member = (
        SampleMember.objects.select_related("sample", "sample__questionnaire", "sample__force")
        .filter(token_hash=token_hash(token), outcome=Outcome.ISSUED)
        .first()
    )
    if member is None or (member.expires_at is not None and member.expires_at <= now):
        return None
    if member.mode != Mode.WEB or member.expires_at is None:
        return None  # never invited to answer on the web
    return member


def token_client_blocked(*, client: str, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    recent = TokenFailure.objects.filter(client=client, at__gt=now - TOKEN_FAILURE_WINDOW)
    return recent.count() >= TOKEN_FAILURE_LIMIT


def interview_queue(*, user: User, now: datetime | None = None) -> QuerySet[SampleMember]:
    """Sampled victims of the user's force waiting for a telephone interview: call-backs
    that are due first, then those never called. Serial, stratum and attempts only."""
    if not has_capability(user, Capability.INTERVIEW) or user.force_id is None:
        return SampleMember.objects.none()
    now = now or timezone.now()
    return (
        SampleMember.objects.filter(
            sample__force_id=user.force_id, mode=Mode.TELEPHONE, outcome=Outcome.ISSUED
        )
        .filter(Q(call_back_at__isnull=True) | Q(call_back_at__lte=now + timedelta(minutes=15)))
        .select_related("stratum", "sample")
        .order_by("call_back_at", "attempts", "id")
    )


def interview_member_get(*, user: User, serial: str) -> SampleMember:
    member = (
        SampleMember.objects.filter(
            sample__force_id=user.force_id, mode=Mode.TELEPHONE, serial=serial.upper()
        )
        .select_related(
            "sample__questionnaire", "stratum", "victim__personal_details", "victim__case"
        )
        .first()
    )
    if member is None or not has_capability(user, Capability.INTERVIEW):
        raise Http404("No such interview in your force")
    return member
