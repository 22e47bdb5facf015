"""Rights 5 and 10 of the Victims' Code (issue 15, item 8): information about compensation
at the needs assessment, and property held (what, when taken, returned on which day or
kept and why), clocked as new rule-set versions and shown to the victim in plain English."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.care.factories import care_case_make, london
from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.care.constants import ObligationStatus
from victimcare.care.models import CaseClock, Obligation, PropertyHeld, RuleSetVersion
from victimcare.care.selectors_rights import victim_entitlements
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import contact_record, needs_assessment_record
from victimcare.care.services.rebuild import obligations_rebuild
from victimcare.care.services_rights import (
    PROPERTY_KEPT_REASON_MISSING,
    PROPERTY_OTHER_FORCE,
    PROPERTY_RETURNED_FUTURE,
    PROPERTY_TAKEN_BEFORE_CRIME,
    PROPERTY_TAKEN_FUTURE,
    property_record,
    property_status_set,
)
from victimcare.cases.constants import CaseStatus, EventKind
from victimcare.cases.models import Case, CaseEvent, Victim
from victimcare.core.timezones import LONDON

pytestmark = pytest.mark.django_db

NEW_RULES = {
    "vc2015": {"compensation_information"},
    "vc2020": {"compensation_information", "property_information"},
    "tvc": {"compensation_information", "property_information"},
}


@pytest.fixture
def force():
    return force_make()


def obligation(case, code, occurrence=1) -> Obligation:
    return Obligation.objects.filter(case=case, code=code, occurrence=occurrence).latest("id")


def due(case, code) -> str:
    return obligation(case, code).due_at.astimezone(LONDON).isoformat()


def victim_of(case) -> Victim:
    return Victim.objects.get(case=case)


def assess(case, *, compensation: bool, at):
    return needs_assessment_record(
        case=case,
        victim=victim_of(case),
        by=None,
        needs=[],
        referral_consent="yes",
        compensation_information=compensation,
        at=at,
    )


# --- the rule sets: new versions, history kept ---------------------------------------------


def _codes(version):
    return {r["code"] for r in version.definition["rules"]}


@pytest.mark.parametrize("code", NEW_RULES)
def test_rights_5_and_10_are_added_as_a_new_version_and_the_earlier_ones_are_kept(code):
    versions = list(RuleSetVersion.objects.filter(rule_set__code=code).order_by("version"))
    # The version that added them (a later one may add other rules, e.g. a trial's).
    at = next(i for i, v in enumerate(versions) if _codes(v) & NEW_RULES[code])
    newest, before = versions[at], versions[at - 1]
    added = {r["code"] for r in newest.definition["rules"]} - {
        r["code"] for r in before.definition["rules"]
    }
    assert added == NEW_RULES[code]
    assert not {r["code"] for r in before.definition["rules"]} & NEW_RULES[code]
    for rule in newest.definition["rules"]:
        if rule["code"] in NEW_RULES[code]:
            assert rule["local"] is True  # the Code gives no day count


def test_a_case_clocked_under_an_earlier_version_keeps_it_on_a_rebuild(force):
    """History is never rewritten: a rebuild keeps a case's version while its Code is the
    one in force at its report date, so no Right 5 obligation appears on it."""
    case = care_case_make(force=force, reported_at=london(2026, 3, 2, 10))
    versions = list(RuleSetVersion.objects.filter(rule_set__code="vc2020").order_by("version"))
    earlier = versions[
        next(i for i, v in enumerate(versions) if _codes(v) & NEW_RULES["vc2020"]) - 1
    ]
    CaseClock.objects.filter(case=case).update(rule_set_version=earlier)
    obligations_rebuild(now=london(2026, 3, 20, 10))
    assert CaseClock.objects.get(case=case).rule_set_version_id == earlier.pk
    assert not Obligation.objects.filter(case=case, code="compensation_information").exists()


def test_a_rebuild_reclocks_a_case_under_the_newest_rules_of_its_report_date(force):
    """A case clocked under the wrong Code (an import before issue 15) is re-clocked under
    the newest version of the Code in force when the victim reported: Right 5 included."""
    case = care_case_make(force=force, reported_at=london(2020, 6, 1, 10))
    vc2020 = RuleSetVersion.objects.filter(rule_set__code="vc2020").order_by("version").last()
    CaseClock.objects.filter(case=case).update(rule_set_version=vc2020)
    Obligation.objects.filter(case=case).delete()
    obligations_rebuild(now=london(2020, 7, 1, 10))
    clock = CaseClock.objects.select_related("rule_set_version__rule_set").get(case=case)
    assert clock.rule_set_version.rule_set.code == "vc2015"
    assert obligation(case, "compensation_information").rule.version_id == clock.rule_set_version_id


# --- Right 5: information about compensation at the needs assessment ----------------------


@pytest.mark.parametrize(
    ("why", "reported", "rule_set"),
    [
        ("the 2015 Code", london(2019, 6, 3, 10), "vc2015"),
        ("the 2020 Code", london(2026, 3, 2, 10), "vc2020"),
    ],
)
def test_compensation_information_is_owed_by_the_needs_assessment_standard(
    force, why, reported, rule_set
):
    """5 working days from the report (the needs assessment's local standard), for every
    victim, standard or enhanced."""
    case = care_case_make(force=force, reported_at=reported)
    row = obligation(case, "compensation_information")
    assert row.rule.version.rule_set.code == rule_set, why
    assert row.status != ObligationStatus.MET
    expected = {"vc2015": "2019-06-10T23:59:59+01:00", "vc2020": "2026-03-09T23:59:59+00:00"}
    assert due(case, "compensation_information") == expected[rule_set]


def test_compensation_information_given_at_the_needs_assessment_meets_it(force):
    case = care_case_make(force=force, reported_at=london(2026, 3, 2, 10))
    assess(case, compensation=True, at=london(2026, 3, 4, 11))
    row = obligation(case, "compensation_information")
    assert row.status == ObligationStatus.MET
    assert row.met_at == london(2026, 3, 4, 11)


def test_a_needs_assessment_that_did_not_cover_compensation_does_not_meet_it(force):
    """No silent tick: the assessment meets Right 5 only when the officer says it did."""
    case = care_case_make(force=force, reported_at=london(2026, 3, 2, 10))
    assess(case, compensation=False, at=london(2026, 3, 4, 11))
    assert obligation(case, "compensation_information").status != ObligationStatus.MET
    assert obligation(case, "needs_assessment").status == ObligationStatus.MET


def test_compensation_information_unmet_by_the_deadline_is_breached(force):
    case = care_case_make(force=force, reported_at=london(2026, 3, 2, 10))
    obligations_rebuild(now=london(2026, 3, 20, 10))
    row = obligation(case, "compensation_information")
    assert row.status == ObligationStatus.BREACHED
    assert row.breached_at.astimezone(LONDON).isoformat() == "2026-03-09T23:59:59+00:00"


def test_a_contact_that_says_it_covered_compensation_meets_it(force):
    case = care_case_make(force=force, reported_at=london(2026, 3, 2, 10))
    contact_record(
        case=case,
        by=None,
        victim_text="We talked about compensation.",
        covers=["compensation_information"],
        at=london(2026, 3, 3, 9),
    )
    assert obligation(case, "compensation_information").status == ObligationStatus.MET


def test_the_needs_assessment_page_records_that_compensation_was_covered(client, force):
    case = care_case_make(force=force, reported_at=timezone.now() - timedelta(hours=1))
    client.force_login(staff_make(Role.OFFICER, force=force))
    url = reverse("care:needs-assessment", kwargs={"reference": case.reference})
    assert "how they may claim compensation" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "victim": victim_of(case).pk,
            "referral_consent": "yes",
            "compensation_information": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert obligation(case, "compensation_information").status == ObligationStatus.MET


# --- Right 10: property held ---------------------------------------------------------------


def test_property_held_owes_the_victim_information_within_5_working_days(force):
    """Recorded on the Thursday before Easter: due the Monday after the Easter week."""
    case = care_case_make(force=force, reported_at=london(2026, 3, 2, 10))
    property_record(
        case=case,
        by=None,
        description="Black mountain bike",
        taken_on=date(2026, 4, 2),
        at=london(2026, 4, 2, 15),
    )
    assert due(case, "property_information") == "2026-04-13T23:59:59+01:00"


@pytest.mark.parametrize("how", ["a contact that says it covered the property", "its return"])
def test_property_information_is_met_by_telling_the_victim_or_giving_it_back(force, how):
    case = care_case_make(force=force, reported_at=london(2026, 3, 2, 10))
    held = property_record(
        case=case,
        by=None,
        description="Black mountain bike",
        taken_on=date(2026, 4, 2),
        at=london(2026, 4, 2, 15),
    )
    if how == "its return":
        property_status_set(
            case=case,
            by=None,
            property_id=held.pk,
            status="returned",
            returned_on=date(2026, 4, 7),
            at=london(2026, 4, 7, 9),
        )
    else:
        contact_record(
            case=case,
            by=None,
            victim_text="We hold your bike as evidence.",
            covers=["property_information"],
            at=london(2026, 4, 3, 9),
        )
    assert obligation(case, "property_information").status == ObligationStatus.MET


def test_property_kept_is_shown_with_the_reason(force):
    case = care_case_make(force=force, reported_at=timezone.now() - timedelta(days=3))
    held = property_record(
        case=case, by=None, description="Phone", taken_on=timezone.localdate() - timedelta(1)
    )
    property_status_set(
        case=case, by=None, property_id=held.pk, status="kept", kept_reason="It is evidence."
    )
    held.refresh_from_db()
    assert (held.status, held.kept_reason, held.returned_on) == ("kept", "It is evidence.", None)
    latest = CaseEvent.objects.filter(case=case).latest("id")
    assert latest.victim_text == "We need to keep your property: Phone. Why: It is evidence."


def _written(case) -> tuple[int, int]:
    return (
        PropertyHeld.objects.filter(case=case).count(),
        CaseEvent.objects.filter(case=case).count(),
    )


# (why, the day it was taken, the change, its field, the error)
TAKEN = date(2026, 11, 20)
BAD_STATUS = [
    (
        "returned before it was taken",
        {"status": "returned", "returned_on": date(2026, 11, 19)},
        "The day it was given back must not be before the day it was taken (20 November 2026)",
    ),
    (
        "returned in the future",
        {"status": "returned", "returned_on": date(2999, 1, 1)},
        PROPERTY_RETURNED_FUTURE,
    ),
    ("returned with no day", {"status": "returned"}, "Enter the day the property was given back"),
    (
        "kept without a reason",
        {"status": "kept", "kept_reason": "  "},
        PROPERTY_KEPT_REASON_MISSING,
    ),
    (
        "neither returned nor kept",
        {"status": "lost"},
        "Choose whether the property was returned or is kept",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"), [b[1:] for b in BAD_STATUS], ids=[b[0] for b in BAD_STATUS]
)
def test_a_bad_property_update_is_refused_and_nothing_is_written(force, change, message):
    case = care_case_make(force=force, reported_at=london(2026, 11, 20, 10))
    held = property_record(case=case, by=None, description="Black mountain bike", taken_on=TAKEN)
    before = _written(case)
    with pytest.raises(CareError) as error:
        property_status_set(case=case, by=None, property_id=held.pk, **change)
    assert str(error.value) == message
    assert _written(case) == before
    held.refresh_from_db()
    assert (held.status, held.returned_on, held.kept_reason) == ("held", None, "")


BAD_RECORD = [
    ("taken in the future", {"taken_on": date(2999, 1, 1)}, PROPERTY_TAKEN_FUTURE),
    ("taken before the crime", {"taken_on": date(2026, 8, 31)}, PROPERTY_TAKEN_BEFORE_CRIME),
    ("no day", {"taken_on": None}, "Enter the day the property was taken"),
    ("no description", {"description": ""}, "Describe the property held"),
]


@pytest.mark.parametrize(
    ("change", "message"), [b[1:] for b in BAD_RECORD], ids=[b[0] for b in BAD_RECORD]
)
def test_bad_property_is_refused_and_nothing_is_written(force, change, message):
    case = care_case_make(
        force=force,
        reported_at=london(2026, 9, 2, 10),
        occurred_at=london(2026, 9, 1, 22),
    )
    before = _written(case)
    values = {"description": "Black mountain bike", "taken_on": date(2026, 9, 2), **change}
    with pytest.raises(CareError, match=message):
        property_record(case=case, by=None, **values)
    assert _written(case) == before


def test_property_on_another_forces_case_is_refused_and_nothing_is_written(force):
    case = care_case_make(force=force, reported_at=london(2026, 9, 2, 10))
    outsider = staff_make(Role.OFFICER, force=force_make("GMP", "Greater Manchester Police"))
    before = _written(case)
    with pytest.raises(CareError, match=PROPERTY_OTHER_FORCE):
        property_record(case=case, by=outsider, description="Bike", taken_on=date(2026, 9, 2))
    held = property_record(case=case, by=None, description="Bike", taken_on=date(2026, 9, 2))
    before = _written(case)
    with pytest.raises(CareError, match=PROPERTY_OTHER_FORCE):
        property_status_set(
            case=case,
            by=outsider,
            property_id=held.pk,
            status="returned",
            returned_on=date(2026, 9, 3),
        )
    assert _written(case) == before


def test_property_of_another_case_is_not_found(force):
    case = care_case_make(force=force, reported_at=london(2026, 9, 2, 10))
    other = care_case_make(force=force, reported_at=london(2026, 9, 2, 11))
    held = property_record(case=other, by=None, description="Bike", taken_on=date(2026, 9, 2))
    with pytest.raises(CareError, match="no such property"):
        property_status_set(
            case=case, by=None, property_id=held.pk, status="kept", kept_reason="Evidence"
        )


# --- the staff pages -----------------------------------------------------------------------


def test_staff_record_property_and_its_return_on_the_case_page(client, force):
    case = care_case_make(force=force, reported_at=timezone.now() - timedelta(days=2))
    client.force_login(staff_make(Role.OFFICER, force=force))
    today = timezone.localdate()
    response = client.post(
        reverse("care:property", kwargs={"reference": case.reference}),
        {
            "description": "Black mountain bike",
            "taken_on": f"{today.day}/{today.month}/{today.year}",
        },
    )
    assert response.status_code == 302
    held = PropertyHeld.objects.get(case=case)
    update = reverse("care:property-update", kwargs={"reference": case.reference, "pk": held.pk})
    assert update in client.get(case.get_absolute_url()).content.decode()
    response = client.post(
        update,
        {"status": "returned", "returned_on": f"{today.day}/{today.month}/{today.year}"},
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.status, held.returned_on) == ("returned", today)


def test_a_return_day_before_the_day_taken_shows_an_error_and_writes_nothing(client, force):
    case = care_case_make(force=force, reported_at=london(2026, 11, 20, 10))
    held = property_record(case=case, by=None, description="Bike", taken_on=TAKEN)
    client.force_login(staff_make(Role.OFFICER, force=force))
    url = reverse("care:property-update", kwargs={"reference": case.reference, "pk": held.pk})
    before = _written(case)
    page = client.post(url, {"status": "returned", "returned_on": "19/11/2026"}).content.decode()
    assert "govuk-error-summary" in page
    assert "must not be before the day it was taken" in page
    assert _written(case) == before


def test_a_date_that_is_not_one_shows_an_error_and_writes_nothing(client, force):
    case = care_case_make(force=force, reported_at=timezone.now() - timedelta(days=2))
    client.force_login(staff_make(Role.OFFICER, force=force))
    page = client.post(
        reverse("care:property", kwargs={"reference": case.reference}),
        {"description": "Bike", "taken_on": "31/2/2026"},
    ).content.decode()
    assert "Enter the date as a real date" in page
    assert not PropertyHeld.objects.filter(case=case).exists()


def test_the_contact_page_lets_one_contact_state_rights_5_and_10(client, force):
    case = care_case_make(force=force, reported_at=timezone.now() - timedelta(days=2))
    client.force_login(staff_make(Role.OFFICER, force=force))
    url = reverse("care:contact", kwargs={"reference": case.reference})
    client.post(
        url,
        {"victim_text": "We talked.", "covers_compensation": "on", "covers_property": "on"},
    )
    event = CaseEvent.objects.filter(case=case, kind=EventKind.CONTACT_MADE).get()
    assert set(event.detail["covers"]) == {"compensation_information", "property_information"}


# --- what the victim is told, in plain English ---------------------------------------------


def lines(case, right) -> list[str]:
    item = next(i for i in victim_entitlements(victim=victim_of(case)) if i.right == right)
    return item.lines


def test_track_my_case_says_how_to_claim_compensation_at_each_stage(force):
    case = care_case_make(force=force, reported_at=london(2026, 3, 2, 10))
    before = " ".join(lines(case, "5"))
    assert "Criminal Injuries Compensation Scheme" in before
    assert "will tell you how to claim" in before
    assess(case, compensation=True, at=london(2026, 3, 4, 11))
    assert "told you about compensation on 4 March 2026" in " ".join(lines(case, "5"))
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CHARGED)
    case.refresh_from_db()
    charged = " ".join(lines(case, "5"))
    assert "the court can order them to pay you compensation" in charged
    assert "travel costs" in " ".join(lines(case, "10"))


@pytest.mark.parametrize(
    ("status", "change", "line"),
    [
        (
            "held",
            {},
            "Bike: taken on 20 November 2026. We are holding it and will give it back as soon "
            "as we can.",
        ),
        (
            "returned",
            {"returned_on": date(2026, 11, 25)},
            "Bike: taken on 20 November 2026, given back to you on 25 November 2026.",
        ),
        (
            "kept",
            {"kept_reason": "It is evidence for the trial."},
            "Bike: taken on 20 November 2026. We need to keep it. Why: It is evidence for the trial.",
        ),
    ],
)
def test_track_my_case_shows_what_is_held_and_when_it_was_returned(force, status, change, line):
    case = care_case_make(force=force, reported_at=london(2026, 11, 20, 10))
    held = property_record(case=case, by=None, description="Bike", taken_on=TAKEN)
    if status != "held":
        property_status_set(case=case, by=None, property_id=held.pk, status=status, **change)
    assert line in lines(case, "10")
