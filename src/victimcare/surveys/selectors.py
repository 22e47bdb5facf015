"""Every read of survey data that other code uses, scoped to what the user may see."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.cases.constants import PREFER_NOT_TO_SAY, Ethnicity, EventKind
from victimcare.cases.models import CaseEvent, Victim, VictimPersonalDetails
from victimcare.forces.models import Force
from victimcare.surveys.constants import (
    DEFAULT_SATISFIED,
    NO_ANSWER,
    SATISFIED_DEFINITIONS,
    STAGES,
    Mode,
    Outcome,
    RecoveryStatus,
)
from victimcare.surveys.models import (
    Invitation,
    RecoveryTask,
    Response,
    Sample,
    SampleMember,
    SampleStratum,
    SurveyFlag,
    TokenFailure,
)
from victimcare.surveys.redaction import NOTHING_KNOWN, KnownPersonalData, comment_redact
from victimcare.surveys.tokens import TOKEN_PATTERN, token_hash
from victimcare.surveys.weighting import (
    ResponseRates,
    design_weights,
    lonely_strata_groups,
    nonresponse_weights,
    rake,
)

TOKEN_FAILURE_LIMIT = 10
TOKEN_FAILURE_WINDOW = timedelta(minutes=15)


# --- what the case record says about care ------------------------------------------------


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


# --- samples -----------------------------------------------------------------------------


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


# --- the web survey ----------------------------------------------------------------------


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


# --- telephone interviews ----------------------------------------------------------------


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


# --- responses and microdata -------------------------------------------------------------


def responses_for_user(*, user: User) -> QuerySet[Response]:
    """Pseudonymised responses of the forces in scope: no path to names or contacts."""
    if not has_capability(user, Capability.VIEW_RESPONSES):
        return Response.objects.none()
    return (
        Response.objects.filter(force__in=forces_in_scope(user))
        .select_related("force", "area", "stratum")
        .order_by("-completed_at", "-id")
    )


def satisfied_value(answer: str, *, definition: str = DEFAULT_SATISFIED) -> int | None:
    """1 if the answer counts as satisfied under the measure's definition, 0 if not,
    None when there is no answer (don't know, refused, not asked): out of the base."""
    if not answer or answer in NO_ANSWER:
        return None
    return 1 if answer in SATISFIED_DEFINITIONS[definition] else 0


def _bme(ethnicity: str) -> int | None:
    if ethnicity in ("", PREFER_NOT_TO_SAY):
        return None
    return 0 if ethnicity == Ethnicity.WHITE else 1


def _yes_no(value: str) -> int | None:
    return {"yes": 1, "no": 0}.get(value)


WEIGHTINGS = ("design", "nonresponse", "raked")
MICRODATA_COLUMNS = (
    "respondent",
    "stratum",
    "psu",
    "N",
    "n",
    "m",
    "w",
    "collapsed",
    "force",
    "area",
    "crime_group",
    "month",
    "mode",
    "report_channel",
    "age_band",
    "sex",
    "ethnicity",
    "bme",
    "disability",
    "disabled",
    "kept_informed",
    "visited",
    *(f"answer_{stage}" for stage in STAGES),
    *(f"sat_{stage}" for stage in STAGES),
    "synthetic",
)


def microdata_rows(
    *,
    forces: Iterable[Force],
    first_month: date,
    last_month: date,
    weighting: str = "design",
    satisfied: str = DEFAULT_SATISFIED,
) -> list[dict]:
    """One row per response, with the design variables ``victimcare estimate`` needs:
    ``stratum`` (a month's stratum: each month is drawn separately), ``psu`` (the
    respondent: victims are drawn one by one), ``N`` (the stratum's eligible population,
    for the finite population correction) and ``w`` (the weight), then the domains and
    answers (``answer_<stage>``). ``sat_<stage>`` is 1 or 0 under the chosen definition of satisfied, blank
    for don't know or refused (out of the base).

    Weighting: ``design`` is N_h / m_h; ``nonresponse`` adjusts within cells of age band
    and sex in each stratum; ``raked`` takes the non-response weights and rakes them to
    the eligible population's strata, age bands, sexes and ethnic groups.
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {', '.join(WEIGHTINGS)}")
    if satisfied not in SATISFIED_DEFINITIONS:
        raise ValueError(f"satisfied must be one of {', '.join(SATISFIED_DEFINITIONS)}")
    responses = list(
        Response.objects.filter(
            force__in=list(forces), month__gte=first_month, month__lte=last_month
        )
        .select_related("force", "area", "stratum", "sample")
        .order_by("month", "stratum__key", "id")
    )
    if not responses:
        return []
    strata = {r.stratum_id: r.stratum for r in responses}
    population = {pk: s.population for pk, s in strata.items()}
    stratum_of = [r.stratum_id for r in responses]
    responded = Counter(stratum_of)
    if weighting == "design":
        weights = design_weights(stratum_of, population)
    else:
        cell = [(r.age_band or "unknown", r.sex or "unknown") for r in responses]
        issued: Counter = Counter()
        issued_rows = SampleMember.objects.filter(stratum_id__in=list(strata)).values_list(
            "stratum_id", "victim__age_band", "victim__sex", "outcome"
        )
        for stratum_id, age_band, sex, outcome in issued_rows.iterator(chunk_size=5000):
            if outcome == Outcome.INELIGIBLE:
                continue
            issued[(stratum_id, (age_band or "unknown", sex or "unknown"))] += 1
        for stratum_id, c in zip(stratum_of, cell, strict=True):
            issued[(stratum_id, c)] = max(issued[(stratum_id, c)], 1)
        weights = nonresponse_weights(stratum_of, cell, issued, population)
        if weighting == "raked":
            margins = {"stratum": stratum_of}
            targets: dict[str, dict] = {"stratum": dict(population)}
            for margin in ("age_band", "sex", "ethnicity"):
                total: Counter = Counter()
                for stratum in strata.values():
                    total.update(stratum.margins.get(margin, {}))
                margins[margin] = [
                    getattr(r, margin)
                    if getattr(r, margin) not in ("", PREFER_NOT_TO_SAY)
                    else "unknown"
                    for r in responses
                ]
                targets[margin] = dict(total)
            weights = rake(weights, margins, targets)
    design_stratum = _lonely_strata_collapse(responses, responded)
    rows = []
    for response, weight in zip(responses, weights, strict=True):
        stratum = response.stratum
        label, population = design_stratum[response.stratum_id]
        row = {
            "respondent": str(response.respondent),
            "stratum": label,
            "psu": response.pk,
            "N": population,
            "n": stratum.drawn,
            "m": responded[response.stratum_id],
            "w": round(weight, 6),
            "collapsed": int("+" in label),
            "force": response.force.code,
            "area": response.area.name,
            "crime_group": response.crime_group,
            "month": f"{response.month:%Y-%m}",
            "mode": response.mode,
            "report_channel": response.report_channel,
            "age_band": response.age_band,
            "sex": response.sex,
            "ethnicity": response.ethnicity,
            "bme": _bme(response.ethnicity),
            "disability": response.disability,
            "disabled": _yes_no(response.disability),
            "kept_informed": int(response.kept_informed),
            "visited": int(response.visited),
            "synthetic": int(response.synthetic),
        }
        for stage in STAGES:
            answer = response.stage_answer(stage)
            row[f"answer_{stage}"] = answer
            row[f"sat_{stage}"] = satisfied_value(answer, definition=satisfied)
        rows.append(row)
    return rows


def _lonely_strata_collapse(responses: list[Response], responded: Counter) -> dict:
    """Per stratum id, the design stratum label and population N written to microdata.

    Lonely strata are collapsed by ``weighting.lonely_strata_groups`` (the one rule);
    the collapsed stratum's N is the sum; each respondent keeps the weight of its own
    stratum."""
    by_sample: dict[int, dict[int, SampleStratum]] = defaultdict(dict)
    for response in responses:
        by_sample[response.sample_id][response.stratum_id] = response.stratum
    result = {}
    for strata in by_sample.values():
        month = next(iter(strata.values())).sample.month
        groups = lonely_strata_groups(
            {pk: responded[pk] for pk in strata}, {pk: strata[pk].key for pk in strata}
        )
        for members in groups:
            keys = sorted(strata[pk].key for pk in members)
            label = f"{month:%Y-%m}|" + "+".join(keys)
            population = sum(strata[pk].population for pk in members)
            for pk in members:
                result[pk] = (label, population)
    return result


# --- service recovery --------------------------------------------------------------------


def recovery_tasks_for_user(*, user: User, status: str = RecoveryStatus.OPEN) -> QuerySet:
    if not has_capability(user, Capability.SERVICE_RECOVERY) or user.force_id is None:
        return RecoveryTask.objects.none()
    tasks = RecoveryTask.objects.filter(force_id=user.force_id).select_related(
        "response", "response__area", "member__victim__case"
    )
    if status:
        tasks = tasks.filter(status=status)
    return tasks.order_by("due_at", "id")


def recovery_task_get(*, user: User, pk: int) -> RecoveryTask:
    task = recovery_tasks_for_user(user=user, status="").filter(pk=pk).first()
    if task is None:
        raise Http404("No such call-back in your force")
    return task


def case_known_personal_data(*, case_ids: Iterable[int]) -> dict[int, KnownPersonalData]:
    """For redaction only: what each case knows of the people a victim's comment may
    name (every victim's names, email, phone and postcode, the officer in charge's name,
    the crime reference). Nothing of it is shown, so reading it writes no audit record."""
    case_ids = set(case_ids)
    if not case_ids:
        return {}
    found: dict[int, dict[str, list[str]]] = {}
    cases = Victim.objects.filter(case_id__in=case_ids).values_list(
        "case_id",
        "case__reference",
        "case__officer_in_charge__first_name",
        "case__officer_in_charge__last_name",
    )
    for case_id, reference, officer_first, officer_last in cases:
        known = found.setdefault(
            case_id, {"names": [], "emails": [], "phones": [], "postcodes": [], "references": []}
        )
        known["references"] = [reference]
        officer = f"{officer_first or ''} {officer_last or ''}".strip()
        known["names"] = [officer] if officer else []
    details = VictimPersonalDetails.objects.filter(victim__case_id__in=case_ids).values_list(
        "victim__case_id", "given_name", "family_name", "email", "phone", "postcode"
    )
    for case_id, given, family, email, phone, postcode in details:
        known = found[case_id]
        known["names"].append(f"{given} {family}")
        known["emails"].append(email)
        known["phones"].append(phone)
        known["postcodes"].append(postcode)
    return {
        case_id: KnownPersonalData(
            **{key: tuple(v for v in values if v) for key, values in known.items()}
        )
        for case_id, known in found.items()
    }


def response_comments_redacted(*, responses: Iterable[Response]) -> list[str]:
    """Each response's comment (in order) as staff who do not hold the case may read it:
    the names, contacts, postcode and crime reference known for the respondent's case
    removed first, then anything else that looks like personal data.

    A response has no link to its victim; the pseudonym finds the case here, and only
    the redacted text leaves this function."""
    responses = list(responses)
    pseudonyms = {r.respondent for r in responses if r.comments}
    case_of = dict(
        Victim.objects.filter(pseudonym__in=pseudonyms).values_list("pseudonym", "case_id")
        if pseudonyms
        else ()
    )
    known = case_known_personal_data(case_ids=case_of.values())
    return [
        comment_redact(r.comments, known=known.get(case_of.get(r.respondent), NOTHING_KNOWN))
        for r in responses
    ]


def recovery_summary(*, user: User, now: datetime | None = None) -> dict | None:
    """Open and overdue call-backs for the staff home panel."""
    if not has_capability(user, Capability.SERVICE_RECOVERY) or user.force_id is None:
        return None
    now = now or timezone.now()
    tasks = RecoveryTask.objects.filter(force_id=user.force_id, status=RecoveryStatus.OPEN)
    return {"open": tasks.count(), "overdue": tasks.filter(due_at__lt=now).count()}


def victim_survey_flags(*, victims: Iterable[Victim]) -> dict[int, list[SurveyFlag]]:
    """The survey flags of each victim (for the case page panel)."""
    victims = list(victims)
    flags: dict[int, list[SurveyFlag]] = {victim.pk: [] for victim in victims}
    for flag in SurveyFlag.objects.filter(victim__in=victims).order_by("kind"):
        flags[flag.victim_id].append(flag)
    return flags


def sample_strata(*, sample: Sample) -> QuerySet[SampleStratum]:
    return sample.strata.select_related("area").order_by("key")


# --- exports with personal data (only for the services that export and audit them) -----


def contact_export_allowed(*, user: User, force: Force) -> bool:
    """Whether ``user`` may download victims' contact details of ``force``'s samples."""
    return (
        has_capability(user, Capability.EXPORT_CONTACT_DETAILS)
        and forces_in_scope(user).filter(pk=force.pk).exists()
    )


def contact_export_samples(*, user: User) -> list[dict]:
    """Samples of the forces in scope with contact details waiting to be exported: web
    invitations and reminders not sent by the notifications service, and victims issued
    to a telephone agency. Counts only."""
    if not has_capability(user, Capability.EXPORT_CONTACT_DETAILS):
        return []
    samples = list(
        Sample.objects.filter(force__in=forces_in_scope(user))
        .select_related("force")
        .order_by("-month", "force__code")
    )
    ids = [sample.pk for sample in samples]
    unsent = dict(
        Invitation.objects.filter(
            member__sample_id__in=ids, sent=False, member__outcome=Outcome.ISSUED
        )
        .values("member__sample_id")
        .annotate(n=Count("id"))
        .values_list("member__sample_id", "n")
    )
    agency = dict(
        SampleMember.objects.filter(sample_id__in=ids, mode=Mode.AGENCY, outcome=Outcome.ISSUED)
        .values("sample_id")
        .annotate(n=Count("id"))
        .values_list("sample_id", "n")
    )
    return [
        {"sample": sample, "unsent": unsent.get(sample.pk, 0), "agency": agency.get(sample.pk, 0)}
        for sample in samples
    ]


def contact_export_sample_get(*, user: User, pk: int) -> Sample:
    """A sample whose contact details the user may export; a 404 otherwise."""
    if not has_capability(user, Capability.EXPORT_CONTACT_DETAILS):
        raise Http404("No such sample in your force")
    sample = (
        Sample.objects.filter(force__in=forces_in_scope(user), pk=pk)
        .select_related("force")
        .first()
    )
    if sample is None:
        raise Http404("No such sample in your force")
    return sample


def agency_export_rows(*, sample: Sample) -> list[tuple[Victim, dict]]:
    """What a telephone agency needs for each victim issued to it, and nothing more:
    serial, name, phone, times to avoid, crime group and the date of the report."""
    members = (
        SampleMember.objects.filter(sample=sample, mode=Mode.AGENCY, outcome=Outcome.ISSUED)
        .select_related("victim__personal_details", "victim__case__crime_type", "victim__case")
        .order_by("serial")
    )
    rows = []
    for member in members:
        details = member.victim.personal_details
        case = member.victim.case
        rows.append(
            (
                member.victim,
                {
                    "serial": member.serial,
                    "given_name": details.given_name,
                    "family_name": details.family_name,
                    "phone": details.phone,
                    "times_to_avoid": details.times_to_avoid,
                    "crime_group": case.crime_type.survey_group,
                    "reported_on": f"{timezone.localtime(case.reported_at):%Y-%m-%d}",
                },
            )
        )
    return rows


INVITATION_EXPORT_COLUMNS = (
    "serial",
    "kind",
    "route",
    "given_name",
    "family_name",
    "email",
    "phone",
    "address",
    "postcode",
    "link",
    "expires_on",
)


def invitation_export_rows(*, sample: Sample, base_url: str, link_for) -> list[tuple[Victim, dict]]:
    """Invitations and reminders recorded but not sent by the notifications service, with
    the contact detail each route needs (a mail merge or an SMS gateway sends them)."""
    invitations = (
        Invitation.objects.filter(member__sample=sample, sent=False, member__outcome=Outcome.ISSUED)
        .select_related("member__victim__personal_details")
        .order_by("member__serial", "created_at")
    )
    rows = []
    for invitation in invitations:
        member = invitation.member
        details = member.victim.personal_details
        route = invitation.route
        rows.append(
            (
                member.victim,
                {
                    "serial": member.serial,
                    "kind": invitation.kind,
                    "route": route,
                    "given_name": details.given_name,
                    "family_name": details.family_name,
                    "email": details.email if route == "email" else "",
                    "phone": details.phone if route == "sms" else "",
                    "address": details.address if route == "letter" else "",
                    "postcode": details.postcode if route == "letter" else "",
                    "link": base_url + link_for(member),
                    "expires_on": f"{timezone.localtime(member.expires_at):%Y-%m-%d}"
                    if member.expires_at
                    else "",
                },
            )
        )
    return rows
