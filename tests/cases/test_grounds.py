"""Enhanced entitlements: the grounds a victim has, derived from the report or recorded, each
with where it came from; the Victims' Code clock reads their summary."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.care.factories import care_case_make, london, victim_details
from tests.factories import crime_type_make
from victimcare.cases.constants import EnhancedGround, EventKind, GroundSource
from victimcare.cases.grounds import age_on, grounds_derive, grounds_entries, grounds_flags
from victimcare.cases.models import CaseEvent, Victim
from victimcare.cases.services import CaseError, victim_enhanced_grounds_record
from victimcare.forces.models import CrimeType

OFFENCE_DAY = date(2027, 3, 25)

# Each crime type the Victims' Code names as the most serious, as the reference data has it.
MOST_SERIOUS_CODES = [
    "domestic-abuse",
    "race-hate-crime",
    "religion-hate-crime",
    "sexual-orientation-hate-crime",
    "transgender-hate-crime",
    "disability-hate-crime",
    "sexual-offence",
    "homicide-bereaved",
    "attempted-murder",
    "wounding-with-intent",
    "arson-with-intent",
    "kidnap",
    "false-imprisonment",
    "trafficking-modern-slavery",
    "terrorism",
]


def derive(**overrides):
    facts = {
        "crime_type_name": "Domestic burglary",
        "crime_type_most_serious": False,
        "hate_element": False,
        "date_of_birth": date(1980, 1, 1),
        "age_band": "",
        "offence_day": OFFENCE_DAY,
    }
    facts.update(overrides)
    return dict(grounds_derive(**facts))


@pytest.mark.parametrize(
    ("rule", "facts", "grounds"),
    [
        ("an adult burglary victim has no derived ground", {}, set()),
        (
            "a most serious crime type makes a most serious crime victim",
            {"crime_type_most_serious": True},
            {"most_serious_crime"},
        ),
        (
            "a hate element on any crime makes a most serious crime victim",
            {"hate_element": True},
            {"most_serious_crime"},
        ),
        (
            "a victim aged 17 on the day of the offence is vulnerable",
            {"date_of_birth": date(2009, 3, 26)},
            {"vulnerable"},
        ),
        (
            "a victim whose 18th birthday is the day of the offence is not",
            {"date_of_birth": date(2009, 3, 25)},
            set(),
        ),
        (
            "an under-16 age band with no date of birth is vulnerable",
            {"date_of_birth": None, "age_band": "under_16"},
            {"vulnerable"},
        ),
        (
            "the date of birth decides over the age band (Under 16 with a 1985 birth)",
            {"date_of_birth": date(1985, 6, 1), "age_band": "under_16"},
            set(),
        ),
        (
            "a 16 to 24 age band alone does not say the victim was under 18",
            {"date_of_birth": None, "age_band": "16_24"},
            set(),
        ),
        (
            "a child victim of a hate crime has both grounds",
            {"hate_element": True, "date_of_birth": date(2015, 1, 1)},
            {"most_serious_crime", "vulnerable"},
        ),
    ],
)
def test_derived_grounds_rule(rule, facts, grounds):
    assert set(derive(**facts)) == grounds, rule


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2027, 3, 25)),
    offence=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
)
def test_under_18_at_the_offence_follows_the_calendar(born, offence):
    """Vulnerable exactly when the offence came before the victim's 18th birthday."""
    if born > offence:
        return
    try:
        eighteenth = born.replace(year=born.year + 18)
    except ValueError:  # born on 29 February: the birthday is 1 March in other years
        eighteenth = date(born.year + 18, 3, 1)
    expected = offence < eighteenth
    assert (age_on(born=born, on=offence) < 18) == expected
    assert ("vulnerable" in derive(date_of_birth=born, offence_day=offence)) == expected


def test_entries_keep_where_each_ground_came_from():
    at = london(2027, 3, 25, 15)
    entries = grounds_entries(
        derived=[("vulnerable", "Under 18")],
        recorded=["intimidated", "vulnerable"],
        recorded_by="pc.jones",
        at=at,
        recorded_reason="Needs assessment",
    )
    assert entries == [
        {
            "ground": "vulnerable",
            "source": GroundSource.DERIVED,
            "reason": "Under 18",
            "by": "",
            "at": at.isoformat(),
        },
        {
            "ground": "intimidated",
            "source": GroundSource.RECORDED,
            "reason": "Needs assessment",
            "by": "pc.jones",
            "at": at.isoformat(),
        },
    ]
    assert grounds_flags(entries) == {
        "most_serious_crime": False,
        "persistently_targeted": False,
        "vulnerable": True,
        "intimidated": True,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("code", MOST_SERIOUS_CODES)
def test_the_reference_data_marks_each_most_serious_crime_of_the_code(code):
    from victimcare.forces.services import reference_data_load

    reference_data_load()
    crime_type = CrimeType.objects.get(code=code)
    assert crime_type.most_serious_crime, code


@pytest.mark.django_db
def test_the_reference_data_keeps_bereavement_and_staff_only_crimes_off_the_online_form():
    from victimcare.forces.services import reference_data_load

    reference_data_load()
    offline = set(CrimeType.objects.filter(reportable_online=False).values_list("code", flat=True))
    assert "homicide-bereaved" in offline
    assert "domestic-burglary" not in offline
    assert not CrimeType.objects.filter(code="domestic-burglary", most_serious_crime=True).exists()


@pytest.mark.django_db
def test_a_case_of_a_most_serious_crime_type_makes_its_victim_enhanced():
    crime_type = crime_type_make("race-hate-crime")
    CrimeType.objects.filter(pk=crime_type.pk).update(most_serious_crime=True)
    crime_type.refresh_from_db()
    case = care_case_make(crime_type=crime_type)
    victim = case.victims.get()
    assert victim.most_serious_crime
    assert victim.is_enhanced
    assert victim.enhanced_grounds[0]["source"] == "derived"
    assert "Race hate crime" in victim.enhanced_grounds[0]["reason"]


@pytest.mark.django_db
def test_a_hate_element_on_a_burglary_makes_its_victim_enhanced():
    case = care_case_make(hate_element=True)
    assert case.hate_element
    assert case.victims.get().most_serious_crime


@pytest.mark.django_db
def test_a_child_victim_is_vulnerable_from_the_date_of_birth():
    reported = london(2027, 3, 25, 15)
    born = (reported - timedelta(days=365 * 12)).date()
    case = care_case_make(reported_at=reported, victim=victim_details(date_of_birth=born))
    assert case.victims.get().vulnerable


@pytest.mark.django_db
def test_grounds_recorded_with_the_report_say_who_recorded_them():
    case = care_case_make(
        victim=victim_details(enhanced_grounds=("intimidated",)), grounds_recorded_by="pc.jones"
    )
    victim = case.victims.get()
    assert victim.intimidated
    (entry,) = victim.enhanced_grounds
    assert (entry["ground"], entry["source"], entry["by"]) == (
        "intimidated",
        "recorded",
        "pc.jones",
    )


@pytest.mark.django_db
def test_an_unknown_ground_is_refused_and_nothing_recorded():
    with pytest.raises(CaseError, match="Unknown enhanced ground"):
        care_case_make(victim=victim_details(enhanced_grounds=("famous",)))
    assert not Victim.objects.exists()


@pytest.mark.django_db
def test_a_reassessment_replaces_the_recorded_grounds_and_tells_the_clock():
    case = care_case_make()
    victim = case.victims.get()
    assert not victim.is_enhanced
    changed = victim_enhanced_grounds_record(
        victim=victim,
        grounds=[EnhancedGround.PERSISTENTLY_TARGETED],
        by_label="pc.jones",
        reason="Needs assessment",
        at=london(2027, 3, 26, 10),
    )
    assert changed
    victim.refresh_from_db()
    assert victim.persistently_targeted
    assert victim.is_enhanced
    event = CaseEvent.objects.get(case=case, kind=EventKind.ENHANCED_GROUNDS_CHANGED)
    assert event.detail["before"] == []
    assert event.detail["after"] == ["persistently_targeted"]
    # Recording the same again changes nothing and adds no event.
    assert not victim_enhanced_grounds_record(
        victim=victim, grounds=["persistently_targeted"], by_label="pc.jones"
    )
    # Removing the recorded ground ends the entitlement.
    victim_enhanced_grounds_record(victim=victim, grounds=[], by_label="pc.jones")
    victim.refresh_from_db()
    assert not victim.is_enhanced
    assert CaseEvent.objects.filter(kind=EventKind.ENHANCED_GROUNDS_CHANGED).count() == 2


@pytest.mark.django_db
def test_a_derived_ground_stays_whatever_is_recorded():
    case = care_case_make(hate_element=True)
    victim = case.victims.get()
    victim_enhanced_grounds_record(victim=victim, grounds=[], by_label="pc.jones")
    victim.refresh_from_db()
    assert victim.most_serious_crime


@pytest.mark.django_db
def test_a_reassessment_with_an_unknown_ground_changes_nothing():
    case = care_case_make()
    victim = case.victims.get()
    with pytest.raises(CaseError):
        victim_enhanced_grounds_record(victim=victim, grounds=["vulnerable", "royal"])
    victim.refresh_from_db()
    assert not victim.vulnerable
    assert not CaseEvent.objects.filter(kind=EventKind.ENHANCED_GROUNDS_CHANGED).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rule", "make"),
    [
        ("a domestic-abuse victim is told of a decision within 1 working day", "domestic"),
        ("a child victim is told of a decision within 1 working day", "child"),
        ("a hate crime victim is told of a decision within 1 working day", "hate"),
    ],
)
def test_derived_grounds_give_the_enhanced_deadline(rule, make):
    """Reported Thursday 25 March 2027; arrest on Wednesday 31 March (after the Easter
    weekend's Friday and Monday bank holidays): due by the end of Thursday 1 April."""
    from victimcare.care.models import Obligation
    from victimcare.cases.services import case_event_record

    reported = london(2027, 3, 25, 15)
    if make == "domestic":
        crime_type = crime_type_make("domestic-abuse")
        CrimeType.objects.filter(pk=crime_type.pk).update(most_serious_crime=True)
        crime_type.refresh_from_db()
        case = care_case_make(reported_at=reported, crime_type=crime_type)
    elif make == "child":
        case = care_case_make(
            reported_at=reported, victim=victim_details(date_of_birth=date(2015, 6, 1))
        )
    else:
        case = care_case_make(reported_at=reported, hate_element=True)
    assert case.victims.get().is_enhanced, rule
    case_event_record(
        case=case, kind=EventKind.DECISION, at=london(2027, 3, 31, 10), detail={"outcome": "arrest"}
    )
    row = Obligation.objects.get(case=case, code="decision_update")
    assert timezone_local(row.due_at).date() == date(2027, 4, 1), rule


def timezone_local(value):
    from django.utils import timezone

    return timezone.localtime(value)


@pytest.mark.django_db
def test_a_reassessment_re_times_the_victims_open_obligations():
    from victimcare.care.models import Obligation
    from victimcare.cases.services import case_event_record

    case = care_case_make(reported_at=london(2027, 3, 25, 15))
    case_event_record(
        case=case, kind=EventKind.DECISION, at=london(2027, 3, 31, 10), detail={"outcome": "arrest"}
    )
    row = Obligation.objects.get(case=case, code="decision_update")
    assert timezone_local(row.due_at).date() == date(2027, 4, 7)  # 5 working days
    victim_enhanced_grounds_record(
        victim=case.victims.get(), grounds=["intimidated"], by_label="pc.jones"
    )
    row.refresh_from_db()
    assert timezone_local(row.due_at).date() == date(2027, 4, 1)  # 1 working day
