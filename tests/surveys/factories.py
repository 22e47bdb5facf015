"""Builders for survey tests: victims with the attributes the frame looks at."""

from __future__ import annotations

from datetime import date, datetime

from tests.factories import LONDON, area_make, case_make, force_make
from victimcare.cases.models import VictimPersonalDetails
from victimcare.cases.services import VictimDetails
from victimcare.forces.constants import SurveyGroup
from victimcare.forces.models import CrimeType, Force
from victimcare.surveys.constants import Allocation, Mode
from victimcare.surveys.services import SampleDesign, sample_draw

CRIMES = {
    "burglary": ("domestic-burglary", SurveyGroup.BURGLARY, False),
    "violence": ("common-assault", SurveyGroup.VIOLENCE, False),
    "vehicle": ("theft-of-motor-vehicle", SurveyGroup.VEHICLE, False),
    "hate": ("race-hate-crime", SurveyGroup.HATE, False),
    "other": ("fraud", SurveyGroup.OTHER, False),
    "domestic": ("domestic-assault", SurveyGroup.VIOLENCE, True),
}
MONTH = date(2026, 9, 1)
FIELDWORK = date(2026, 11, 11)  # end of September + 6 weeks


def crime_make(kind: str = "burglary") -> CrimeType:
    code, group, domestic = CRIMES[kind]
    crime, _ = CrimeType.objects.get_or_create(
        code=code,
        defaults={
            "name": code.replace("-", " ").capitalize(),
            "plain_name": code,
            "survey_group": group,
            "is_surveyed": group != SurveyGroup.OTHER,
            "is_domestic_abuse": domestic,
        },
    )
    return crime


def victim_case_make(
    force: Force | None = None,
    *,
    crime: str = "burglary",
    area: str = "Hackney",
    reported_at: datetime | None = None,
    given_name: str = "Sam",
    family_name: str = "Example",
    email: str | None = None,
    phone: str = "",
    phone_is_safe: bool | None = True,
    address: str = "1 Test Road",
    postcode: str = "E8 1AA",
    preferred_contact: str = "email",
    date_of_birth: date | None = date(1980, 5, 1),
    equality: dict | None = None,
):
    """A case (reported in September 2026 by default) with one victim; returns the case."""
    force = force or force_make("MPS", "Metropolitan Police Service")
    victim_case_make.counter += 1
    number = victim_case_make.counter
    case = case_make(
        force=force,
        area=area_make(force, area),
        crime_type=crime_make(crime),
        reported_at=reported_at or datetime(2026, 9, 10, 12, 0, tzinfo=LONDON),
        victim=VictimDetails(
            given_name=given_name,
            family_name=f"{family_name}{number}",
            email=f"victim{number}@example.com" if email is None else email,
            phone=phone,
            address=address,
            postcode=postcode,
            preferred_contact=preferred_contact,
            date_of_birth=date_of_birth,
            equality=equality or {},
            phone_is_safe=True if phone_is_safe is None else phone_is_safe,
        ),
    )
    if phone_is_safe is None:
        # case_create's full_clean refuses None (the field is null=True, blank=False).
        VictimPersonalDetails.objects.filter(victim__case=case).update(phone_is_safe=None)
    return case


victim_case_make.counter = 0


def census_design(**overrides) -> SampleDesign:
    """Take everyone eligible: interviews wanted = a large number at a 100% response."""
    values = {
        "target_interviews": 10_000,
        "allocation": Allocation.PROPORTIONAL,
        "expected_response_rate": 1.0,
        "mode": Mode.WEB,
    }
    values.update(overrides)
    return SampleDesign(**values)


def sample_make(force: Force, *, month: date = MONTH, seed: int = 7, **design):
    return sample_draw(force=force, month=month, design=census_design(**design), seed=seed)


ALL_SATISFIED = {
    "ease_of_contact": "completely_satisfied",
    "actions_taken": "very_satisfied",
    "kept_informed": "fairly_satisfied",
    "treatment": "very_satisfied",
    "whole_experience": "very_satisfied",
    "comments": "",
    "agrees_to_contact": "no",
}


def answers(**changes) -> dict:
    return {**ALL_SATISFIED, **changes}


def web_member_make(force: Force | None = None, **case_kwargs):
    """One victim sampled for the web survey and invited; returns (member, token)."""
    from victimcare.surveys.services import invitations_send
    from victimcare.surveys.tokens import token_for

    force = force or force_make("MPS", "Metropolitan Police Service")
    victim_case_make(force, **case_kwargs)
    sample = sample_make(force)
    invitations_send(sample=sample)
    member = sample.members.get()
    return member, token_for(member.token_salt)
