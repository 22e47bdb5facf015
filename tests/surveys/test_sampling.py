"""Sampling frames, exclusions, allocation and the reproducible draw."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.factories import LONDON, force_make, staff_make
from tests.surveys.factories import FIELDWORK, MONTH, census_design, sample_make, victim_case_make
from victimcare.accounts.constants import Role
from victimcare.cases.constants import AgeBand
from victimcare.surveys.constants import Allocation, Exclusion, FlagKind, Mode
from victimcare.surveys.models import SampleMember, SampleStratum
from victimcare.surveys.sampling import (
    FrameSettings,
    SamplingError,
    allocate,
    contact_route,
    default_fieldwork_on,
    month_parse,
    sampling_frame_build,
    simple_random_sample,
)
from victimcare.surveys.services import sample_draw, survey_flag_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def mps():
    return force_make("MPS", "Metropolitan Police Service")


def _flagged(kind):
    def make(force):
        case = victim_case_make(force)
        survey_flag_set(victim=case.victims.get(), kind=kind)
        return case

    return make


def _sampled_before(force):
    """A victim on an earlier case, sampled in August's draw, reports again in September."""
    earlier = victim_case_make(
        force, reported_at=datetime(2026, 8, 5, 9, 0, tzinfo=LONDON), email="again@example.com"
    )
    sample_make(force, month=date(2026, 8, 1))
    assert SampleMember.objects.filter(victim__case=earlier).exists()
    return victim_case_make(force, email="Again@Example.com")


# Every exclusion reason, with how to make a victim it applies to.
EXCLUSIONS = {
    Exclusion.OUTSIDE_WINDOW: lambda f: victim_case_make(
        f, reported_at=datetime(2026, 9, 1, 9, 30, tzinfo=LONDON)
    ),
    Exclusion.UNDER_AGE: lambda f: victim_case_make(f, date_of_birth=date(2012, 1, 1)),
    Exclusion.DOMESTIC_ABUSE: lambda f: victim_case_make(f, crime="domestic"),
    Exclusion.OFFICER_ON_DUTY: _flagged(FlagKind.OFFICER_ON_DUTY),
    Exclusion.OPTED_OUT: _flagged(FlagKind.OPTED_OUT),
    Exclusion.DO_NOT_CONTACT: _flagged(FlagKind.DO_NOT_CONTACT),
    Exclusion.DECEASED: _flagged(FlagKind.DECEASED),
    Exclusion.RECENTLY_SAMPLED: _sampled_before,
    Exclusion.NO_CONTACT_ROUTE: lambda f: victim_case_make(
        f, email="", phone="07700 900001", phone_is_safe=False, address="", postcode=""
    ),
}


def test_every_exclusion_reason_has_a_case_in_the_table():
    assert set(EXCLUSIONS) == set(Exclusion)


@pytest.mark.parametrize("reason", list(EXCLUSIONS), ids=str)
def test_an_excluded_victim_is_counted_by_reason_and_never_sampled(mps, reason):
    """Each exclusion is counted under its reason in the frame and in its stratum, and
    the excluded victim is not drawn even when everyone else is (a census)."""
    eligible = victim_case_make(mps)
    excluded = EXCLUSIONS[reason](mps)
    # Fieldwork on 25 November: 12 weeks back is 2 September, so 1 September is outside.
    fieldwork = date(2026, 11, 25) if reason == Exclusion.OUTSIDE_WINDOW else FIELDWORK
    frame = sampling_frame_build(force=mps, month=MONTH, fieldwork_on=fieldwork)
    assert frame.exclusions == {reason: 1}
    assert frame.eligible == 1
    sample = sample_draw(
        force=mps, month=MONTH, fieldwork_on=fieldwork, design=census_design(), seed=1
    )
    members = SampleMember.objects.filter(sample=sample)
    assert list(members.values_list("victim__case", flat=True)) == [eligible.pk]
    assert not members.filter(victim__case=excluded).exists()
    assert sample.exclusions == {reason: 1}
    group = "violence" if reason == Exclusion.DOMESTIC_ABUSE else "burglary"
    stratum = SampleStratum.objects.get(sample=sample, key=f"MPS|hackney|{group}")
    assert stratum.exclusions == {reason: 1}
    eligible_stratum = SampleStratum.objects.get(sample=sample, key="MPS|hackney|burglary")
    assert (eligible_stratum.population, eligible_stratum.drawn) == (1, 1)


def test_a_victim_is_counted_once_under_the_first_reason(mps):
    """Under 16 and flagged deceased: counted as under age (the earlier reason) only."""
    case = victim_case_make(mps, date_of_birth=date(2014, 3, 3))
    survey_flag_set(victim=case.victims.get(), kind=FlagKind.DECEASED)
    frame = sampling_frame_build(force=mps, month=MONTH)
    assert frame.exclusions == {Exclusion.UNDER_AGE: 1}


@pytest.mark.parametrize(
    ("born", "band", "minimum", "excluded"),
    [
        (date(2010, 11, 11), "", 16, False),  # 16 on the fieldwork day
        (date(2010, 11, 12), "", 16, True),  # 16 the day after
        (None, AgeBand.UNDER_16, 16, True),
        (None, AgeBand.AGE_16_24, 16, False),
        (date(2009, 1, 1), "", 18, True),  # 17: under a minimum of 18
        (None, "", 16, False),  # age unknown: in the frame
    ],
)
def test_the_minimum_age_is_configurable(mps, born, band, minimum, excluded):
    victim_case_make(mps, date_of_birth=born, equality={"age_band": band} if band else {})
    frame = sampling_frame_build(
        force=mps, month=MONTH, settings=FrameSettings(minimum_age=minimum)
    )
    assert frame.exclusions.get(Exclusion.UNDER_AGE, 0) == int(excluded)


def test_only_the_surveyed_crime_groups_are_in_scope(mps):
    for crime in ("burglary", "violence", "vehicle", "hate", "other"):
        victim_case_make(mps, crime=crime)
    frame = sampling_frame_build(force=mps, month=MONTH)
    assert frame.in_scope == 4
    assert sorted(frame.strata) == [
        "MPS|hackney|burglary",
        "MPS|hackney|hate",
        "MPS|hackney|vehicle",
        "MPS|hackney|violence",
    ]
    narrower = sampling_frame_build(
        force=mps, month=MONTH, settings=FrameSettings(crime_groups=("burglary",))
    )
    assert narrower.in_scope == 1


def test_another_forces_and_another_months_reports_are_not_in_the_frame(mps):
    victim_case_make(mps)
    victim_case_make(force_make("GMP", "Greater Manchester Police"))
    victim_case_make(mps, reported_at=datetime(2026, 10, 1, 9, 0, tzinfo=LONDON))
    assert sampling_frame_build(force=mps, month=MONTH).in_scope == 1


@pytest.mark.parametrize(
    ("strata_by", "keys"),
    [
        (("area", "crime_group"), {"MPS|camden|violence", "MPS|hackney|burglary"}),
        (("crime_group",), {"MPS|violence", "MPS|burglary"}),
        (("area",), {"MPS|camden", "MPS|hackney"}),
        ((), {"MPS"}),
    ],
)
def test_strata_are_configurable(mps, strata_by, keys):
    victim_case_make(mps)
    victim_case_make(mps, area="Camden", crime="violence")
    frame = sampling_frame_build(
        force=mps, month=MONTH, settings=FrameSettings(strata_by=strata_by)
    )
    assert set(frame.strata) == keys


@pytest.mark.parametrize(
    ("details", "route"),
    [
        ({"preferred": "email", "email": "a@example.com"}, "email"),
        ({"preferred": "sms", "phone": "07700 900000"}, "sms"),
        ({"preferred": "sms", "phone": "07700 900000", "phone_is_safe": False}, "letter"),
        ({"preferred": "email", "phone": "07700 900000"}, "sms"),
        ({"preferred": "phone", "phone": "07700 900000", "phone_is_safe": None}, "phone"),
        ({"preferred": "letter", "email": "a@example.com"}, "email"),
        ({"preferred": "letter", "address": "", "postcode": ""}, ""),
    ],
)
def test_the_contact_route_respects_preference_and_phone_safety(details, route):
    values = {
        "preferred": "email",
        "email": "",
        "phone": "",
        "phone_is_safe": True,
        "address": "1 Road",
        "postcode": "E8 1AA",
    }
    if details.get("preferred") == "letter" and "address" not in details and "email" in details:
        values.update(address="", postcode="")
    values.update(details)
    assert contact_route(**values) == route


@pytest.mark.parametrize(
    ("rule", "minimum", "expected"),
    [
        # N = 600, 300, 100; 100 interviews at a 50% response rate.
        (Allocation.PROPORTIONAL, 0, {"a": (60, 120), "b": (30, 60), "c": (10, 20)}),
        (Allocation.EQUAL, 0, {"a": (34, 68), "b": (33, 66), "c": (33, 66)}),
        (Allocation.MINIMUM, 20, {"a": (60, 120), "b": (30, 60), "c": (20, 40)}),
    ],
)
def test_allocation_rules(rule, minimum, expected):
    plan = allocate(
        {"a": 600, "b": 300, "c": 100},
        target=100,
        rule=rule,
        response_rate=0.5,
        minimum=minimum,
    )
    assert plan == expected


def test_no_more_are_drawn_than_the_stratum_holds():
    plan = allocate({"a": 10, "b": 1000}, target=100, rule=Allocation.EQUAL, response_rate=0.4)
    assert plan["a"] == (50, 10)
    assert plan["b"] == (50, 125)


def test_a_bad_response_rate_is_refused():
    with pytest.raises(SamplingError):
        allocate({"a": 1}, target=1, rule=Allocation.EQUAL, response_rate=0)


def test_the_draw_is_reproducible_from_the_seed():
    ids = list(range(1, 500))
    first = simple_random_sample(ids, 40, seed=11, key="MPS|x")
    assert first == simple_random_sample(list(reversed(ids)), 40, seed=11, key="MPS|x")
    assert first != simple_random_sample(ids, 40, seed=12, key="MPS|x")
    assert len(set(first)) == 40


def test_a_drawn_sample_records_seed_n_and_N_per_stratum(mps):
    analyst = staff_make(Role.ANALYST, force=mps)
    for _ in range(10):
        victim_case_make(mps)
    for _ in range(4):
        victim_case_make(mps, crime="violence")
    sample = sample_draw(
        force=mps,
        month=MONTH,
        design=census_design(target_interviews=4, expected_response_rate=0.5),
        seed=99,
        by=analyst,
    )
    strata = {s.key: (s.population, s.target, s.drawn) for s in sample.strata.all()}
    # 4 interviews, proportional to 10 and 4: 3 and 1; drawn at 50%: 6 and 2.
    assert strata == {"MPS|hackney|burglary": (10, 3, 6), "MPS|hackney|violence": (4, 1, 2)}
    assert sample.seed == 99
    assert sample.drawn_by == analyst
    assert sample.members.count() == 8
    assert sample.fieldwork_on == default_fieldwork_on(MONTH) == FIELDWORK
    with pytest.raises(SamplingError, match="already has a sample"):
        sample_draw(force=mps, month=MONTH, design=census_design(), seed=1)


def test_the_same_seed_over_the_same_frame_draws_the_same_victims(mps):
    for _ in range(30):
        victim_case_make(mps)
    design = census_design(target_interviews=5, expected_response_rate=0.5)
    first = sample_draw(force=mps, month=MONTH, design=design, seed=5)
    drawn = set(first.members.values_list("victim_id", flat=True))
    first.delete()
    again = sample_draw(force=mps, month=MONTH, design=design, seed=5)
    assert set(again.members.values_list("victim_id", flat=True)) == drawn


@pytest.mark.parametrize(
    ("mode", "phone", "safe", "member_mode"),
    [
        (Mode.TELEPHONE, "07700 900002", True, Mode.TELEPHONE),
        (Mode.TELEPHONE, "07700 900002", False, Mode.WEB),
        (Mode.AGENCY, "", None, Mode.WEB),
        (Mode.WEB, "07700 900002", True, Mode.WEB),
    ],
)
def test_telephone_fieldwork_only_uses_phones_victims_allow(mps, mode, phone, safe, member_mode):
    victim_case_make(mps, phone=phone, phone_is_safe=safe)
    sample = sample_make(mps, mode=mode)
    assert sample.members.get().mode == member_mode


def test_months_are_written_yyyy_mm():
    assert month_parse("2026-09") == MONTH
    with pytest.raises(SamplingError):
        month_parse("09/2026")


def test_the_frame_window_is_relative_to_fieldwork(mps):
    victim_case_make(mps, reported_at=datetime(2026, 9, 29, 12, 0, tzinfo=LONDON))
    early = FIELDWORK - timedelta(days=3)  # the 29th is then under 6 weeks before
    frame = sampling_frame_build(force=mps, month=MONTH, fieldwork_on=early)
    assert frame.exclusions == {Exclusion.OUTSIDE_WINDOW: 1}
