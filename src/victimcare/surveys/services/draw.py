"""The monthly sample draw: a sampling frame, its strata, and the members drawn."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.forces.models import Force
from victimcare.surveys.constants import (
    DEFAULT_EXPIRY_DAYS,
    DEFAULT_REMINDER_DAYS,
    Allocation,
    Mode,
)
from victimcare.surveys.models import (
    Sample,
    SampleMember,
    SampleStratum,
)
from victimcare.surveys.sampling import (
    Frame,
    FrameSettings,
    SamplingError,
    allocate,
    sampling_frame_build,
    stratum_draw,
)
from victimcare.surveys.services.questionnaires import questionnaire_for_force
from victimcare.surveys.tokens import serial_new, token_for, token_hash, token_salt_new


@dataclass(frozen=True)
class SampleDesign:
    """How many to interview and how to spread them over strata."""

    target_interviews: int
    allocation: str = Allocation.PROPORTIONAL
    minimum_per_stratum: int = 0
    expected_response_rate: float = 0.5
    mode: str = Mode.WEB
    reminder_after_days: int = DEFAULT_REMINDER_DAYS
    expires_after_days: int = DEFAULT_EXPIRY_DAYS


def _member_mode(sample_mode: str, phone_ok: bool) -> str:
    """Telephone and agency fieldwork need a phone the victim said may be used; anyone
    else in such a sample is invited to answer on the web."""
    if sample_mode in (Mode.TELEPHONE, Mode.AGENCY) and not phone_ok:
        return Mode.WEB
    return sample_mode


@transaction.atomic
def sample_draw(
    *,
    force: Force,
    month: date,
    design: SampleDesign,
    fieldwork_on: date | None = None,
    settings: FrameSettings | None = None,
    seed: int | None = None,
    by: User | None = None,
    synthetic: bool = False,
    frame: Frame | None = None,
) -> Sample:
    """Build the frame for a force's month of reports, allocate interviews to strata,
    and draw a simple random sample in each stratum from a recorded seed."""
    month = month.replace(day=1)
    if Sample.objects.filter(force=force, month=month).exists():
        raise SamplingError(
            f"{force.code} already has a sample for reports in {month:%B %Y}; one per month"
        )
    if design.target_interviews < 1:
        raise SamplingError("the target number of interviews must be at least 1")
    frame = frame or sampling_frame_build(
        force=force, month=month, fieldwork_on=fieldwork_on, settings=settings
    )
    if frame.eligible == 0:
        raise SamplingError(
            f"no eligible victims for {force.code} in {month:%B %Y} "
            f"({frame.in_scope} in scope, all excluded or none reported)"
        )
    seed = secrets.randbelow(2**31) if seed is None else seed
    plan = allocate(
        {key: stratum.population for key, stratum in frame.strata.items()},
        target=design.target_interviews,
        rule=design.allocation,
        response_rate=design.expected_response_rate,
        minimum=design.minimum_per_stratum,
    )
    frame_settings = frame.settings
    sample = Sample(
        force=force,
        month=month,
        fieldwork_on=frame.fieldwork_on,
        questionnaire=questionnaire_for_force(force),
        crime_groups=list(frame_settings.crime_groups),
        window_min_weeks=frame_settings.window_weeks[0],
        window_max_weeks=frame_settings.window_weeks[1],
        minimum_age=frame_settings.minimum_age,
        strata_by=",".join(frame_settings.strata_by),
        in_scope=frame.in_scope,
        eligible=frame.eligible,
        exclusions=dict(sorted(frame.exclusions.items())),
        allocation=design.allocation,
        target_interviews=design.target_interviews,
        minimum_per_stratum=design.minimum_per_stratum,
        expected_response_rate=design.expected_response_rate,
        seed=seed,
        mode=design.mode,
        reminder_after_days=design.reminder_after_days,
        expires_after_days=design.expires_after_days,
        drawn_at=timezone.now(),
        drawn_by=by,
        synthetic=synthetic,
    )
    sample.full_clean()
    sample.save()
    strata = SampleStratum.objects.bulk_create(
        [
            SampleStratum(
                sample=sample,
                key=key,
                area_id=stratum.area_id,
                crime_group=stratum.crime_group,
                population=stratum.population,
                target=plan[key][0],
                drawn=plan[key][1],
                exclusions=dict(sorted(stratum.exclusions.items())),
                margins={name: dict(sorted(c.items())) for name, c in stratum.margins.items()},
            )
            for key, stratum in frame.strata.items()
        ]
    )
    members = []
    for row in strata:
        stratum = frame.strata[row.key]
        if not row.drawn:
            continue
        for victim_id, route, phone_ok in stratum_draw(stratum, row.drawn, seed=seed):
            salt = token_salt_new()
            members.append(
                SampleMember(
                    sample=sample,
                    stratum=row,
                    victim_id=victim_id,
                    serial=serial_new(),
                    mode=_member_mode(design.mode, phone_ok),
                    route=route,
                    token_salt=salt,
                    token_hash=token_hash(token_for(salt)),
                )
            )
    SampleMember.objects.bulk_create(members, batch_size=2000)
    return sample
