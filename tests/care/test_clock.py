"""The Victims' Code clock: which obligations a case gets, when they fall due, and what
meets or cancels them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.care.factories import care_case_make, london
from tests.factories import force_make
from victimcare.care.constants import DecisionOutcome, ObligationStatus
from victimcare.care.deadlines import LONDON
from victimcare.care.models import BreachAlert, CaseClock, Obligation
from victimcare.care.services.breaches import obligations_mark_breached
from victimcare.care.services.clock import case_clock_replay
from victimcare.care.services.rule_sets import care_policy_set
from victimcare.cases.constants import EventKind
from victimcare.cases.services import case_event_record

pytestmark = pytest.mark.django_db

NOW = london(2028, 6, 1, 12, 0)


def due_of(case, code, occurrence=1):
    row = Obligation.objects.get(case=case, code=code, occurrence=occurrence)
    return row.due_at.astimezone(LONDON).isoformat()


def record(case, kind, at, **detail):
    return case_event_record(case=case, kind=kind, at=at, detail=detail)


# (what it shows, rule set, trigger: None = the report, else a decision outcome; reported
#  at; decided at; enhanced; obligation code; due in London)
TABLE = [
    (
        "written information, 5 working days over Easter and the spring clock change",
        "vc2020",
        None,
        london(2027, 3, 25, 15),
        None,
        False,
        "written_information",
        "2027-04-05T23:59:59+01:00",
    ),
    (
        "the issue's example: referral in 2 working days over Good Friday and Easter Monday",
        "vc2020",
        None,
        london(2027, 3, 25, 15),
        None,
        False,
        "support_referral",
        "2027-03-31T23:59:59+01:00",
    ),
    (
        "referral: the same for an enhanced victim",
        "vc2020",
        None,
        london(2027, 3, 25, 15),
        None,
        True,
        "support_referral",
        "2027-03-31T23:59:59+01:00",
    ),
    (
        "needs assessment, reported on a Saturday",
        "vc2020",
        None,
        london(2027, 6, 12, 10),
        None,
        False,
        "needs_assessment",
        "2027-06-18T23:59:59+01:00",
    ),
    (
        "needs assessment for an enhanced victim under the 2015 Code",
        "vc2015",
        None,
        london(2027, 6, 12, 10),
        None,
        True,
        "needs_assessment",
        "2027-06-18T23:59:59+01:00",
    ),
    (
        "visit offer (Total Victim Care) on Christmas Eve 2027: substitute days 27 and 28 Dec",
        "tvc",
        None,
        london(2027, 12, 24, 11),
        None,
        False,
        "visit_offer",
        "2027-12-29T23:59:59+00:00",
    ),
    (
        "visit offer for an enhanced victim on a Friday evening",
        "tvc",
        None,
        london(2027, 6, 11, 22),
        None,
        True,
        "visit_offer",
        "2027-06-14T23:59:59+01:00",
    ),
    (
        "decision (charge) update: 5 working days, standard victim, over Christmas 2026",
        "vc2020",
        "charge",
        london(2026, 12, 1, 10),
        london(2026, 12, 23, 10),
        False,
        "decision_update",
        "2027-01-04T23:59:59+00:00",
    ),
    (
        "decision (arrest) update: 1 working day for an enhanced victim, Christmas Eve 2027",
        "vc2020",
        "arrest",
        london(2027, 12, 1, 10),
        london(2027, 12, 24, 10),
        True,
        "decision_update",
        "2027-12-29T23:59:59+00:00",
    ),
    (
        "decision (bail) update for an enhanced victim across the autumn clock change",
        "vc2020",
        "bail",
        london(2027, 10, 1, 10),
        london(2027, 10, 29, 18),
        True,
        "decision_update",
        "2027-11-01T23:59:59+00:00",
    ),
    (
        "decision (caution) update for an enhanced victim under the 2015 Code",
        "vc2015",
        "caution",
        london(2027, 3, 1, 10),
        london(2027, 3, 25, 15),
        True,
        "decision_update",
        "2027-03-30T23:59:59+01:00",
    ),
    (
        "investigation update: first 28 days after the report, across the spring clock change",
        "vc2020",
        None,
        london(2027, 3, 1, 10),
        None,
        False,
        "investigation_update",
        "2027-03-29T23:59:59+01:00",
    ),
    (
        "investigation update: enhanced victims the same when they agreed no frequency",
        "vc2020",
        None,
        london(2027, 3, 1, 10),
        None,
        True,
        "investigation_update",
        "2027-03-29T23:59:59+01:00",
    ),
    (
        "not investigated notice: 5 working days over Easter 2027",
        "vc2020",
        "not_investigated",
        london(2027, 3, 20, 10),
        london(2027, 3, 25, 15),
        False,
        "not_investigated_notice",
        "2027-04-05T23:59:59+01:00",
    ),
    (
        "not investigated notice: 1 working day for an enhanced victim, over Easter 2027",
        "vc2020",
        "not_investigated",
        london(2027, 3, 20, 10),
        london(2027, 3, 25, 15),
        True,
        "not_investigated_notice",
        "2027-03-30T23:59:59+01:00",
    ),
    (
        "Right to Review after interview under caution then NFA, New Year 2022 substitute day",
        "vc2020",
        "interview_under_caution then no_further_action",
        london(2021, 12, 1, 10),
        london(2021, 12, 31, 12),
        False,
        "vrr_information",
        "2022-01-10T23:59:59+00:00",
    ),
    (
        "no further action: enhanced victim told in 1 working day",
        "vc2020",
        "no_further_action",
        london(2021, 12, 1, 10),
        london(2021, 12, 31, 12),
        True,
        "decision_update",
        "2022-01-04T23:59:59+00:00",
    ),
    (
        "VPS offer at charge, standard victim",
        "vc2020",
        "charge",
        london(2027, 3, 1, 10),
        london(2027, 3, 25, 15),
        False,
        "vps_offer",
        "2027-04-05T23:59:59+01:00",
    ),
    (
        "VPS offer when the witness statement is taken, over Easter 2027",
        "vc2020",
        "statement_taken",
        london(2027, 3, 1, 10),
        london(2027, 3, 25, 15),
        False,
        "vps_offer",
        "2027-04-05T23:59:59+01:00",
    ),
    (
        "Right to Review after a caution: information in 5 working days, autumn clock change",
        "vc2020",
        "interview_under_caution then caution",
        london(2027, 10, 1, 10),
        london(2027, 10, 29, 18),
        False,
        "vrr_information",
        "2027-11-05T23:59:59+00:00",
    ),
    (
        "Right to Review after a community resolution under the 2015 Code",
        "vc2015",
        "interview_under_caution then community_resolution",
        london(2020, 12, 1, 10),
        london(2020, 12, 24, 10),
        False,
        "vrr_information",
        "2021-01-05T23:59:59+00:00",
    ),
    (
        "review request acknowledged in 10 working days, over Christmas 2027",
        "vc2020",
        "interview_under_caution then no_further_action then vrr_requested",
        london(2027, 12, 1, 10),
        london(2027, 12, 17, 10),
        False,
        "vrr_acknowledgement",
        "2028-01-05T23:59:59+00:00",
    ),
    (
        "review request decided in 30 working days, over Easter 2027",
        "vc2020",
        "interview_under_caution then no_further_action then vrr_requested",
        london(2027, 3, 1, 10),
        london(2027, 3, 10, 10),
        False,
        "vrr_decision",
        "2027-04-23T23:59:59+01:00",
    ),
    (
        "complaint acknowledged in 10 working days (a local rule), over Easter 2027",
        "tvc",
        "complaint_made",
        london(2027, 3, 1, 10),
        london(2027, 3, 25, 15),
        False,
        "complaint_acknowledgement",
        "2027-04-12T23:59:59+01:00",
    ),
    (
        "arrest warrant: 1 working day for an enhanced victim, Good Friday 2027",
        "vc2020",
        "arrest_warrant",
        london(2027, 3, 1, 10),
        london(2027, 3, 26, 10),
        True,
        "decision_update",
        "2027-03-30T23:59:59+01:00",
    ),
    (
        "VPS offer at charge, enhanced victim",
        "tvc",
        "charge",
        london(2027, 3, 1, 10),
        london(2027, 3, 25, 15),
        True,
        "vps_offer",
        "2027-04-05T23:59:59+01:00",
    ),
]


@pytest.mark.parametrize(
    ("why", "rule_set", "outcome", "reported", "decided", "enhanced", "code", "due"),
    TABLE,
    ids=[row[0] for row in TABLE],
)
def test_obligation_due_times(why, rule_set, outcome, reported, decided, enhanced, code, due):
    force = force_make()
    care_policy_set(force=force, rule_set_code=rule_set)
    case = care_case_make(force=force, reported_at=reported, enhanced=enhanced)
    steps = outcome.split(" then ") if outcome else []
    for step, at in zip(steps, step_times(decided, len(steps)), strict=True):
        if step in DecisionOutcome.values:
            record(case, EventKind.DECISION, at, outcome=step)
        else:
            record(case, step, at)
    assert due_of(case, code) == due


def step_times(last, count):
    """``count`` times a minute apart, the last at ``last`` (the clock runs from it)."""
    return [last - timedelta(minutes=count - 1 - k) for k in range(count)]


def test_the_2015_code_assesses_every_victims_needs():
    force = force_make()
    care_policy_set(force=force, rule_set_code="vc2015")
    standard = care_case_make(force=force)
    assert Obligation.objects.filter(case=standard, code="needs_assessment").exists()


def test_a_visit_is_offered_only_under_total_victim_care():
    force = force_make()
    case = care_case_make(force=force)
    assert CaseClock.objects.get(case=case).rule_set_version.rule_set.code == "vc2020"
    assert not Obligation.objects.filter(case=case, code="visit_offer").exists()
    care_policy_set(force=force, rule_set_code="tvc")
    later = care_case_make(force=force)
    assert Obligation.objects.filter(case=later, code="visit_offer").exists()
    # The first case keeps the rule set it was clocked under.
    case_clock_replay(case_id=case.pk, force_id=force.pk)
    assert not Obligation.objects.filter(case=case, code="visit_offer").exists()


def test_a_written_information_event_meets_its_obligation():
    case = care_case_make(reported_at=london(2027, 3, 25, 15))
    event = record(case, EventKind.WRITTEN_INFORMATION_SENT, london(2027, 3, 26, 9))
    row = Obligation.objects.get(case=case, code="written_information")
    assert (row.status, row.met_at, row.met_by_event_id) == (
        ObligationStatus.MET,
        london(2027, 3, 26, 9),
        event.pk,
    )


def test_declining_a_referral_cancels_it_with_the_reason():
    case = care_case_make()
    record(case, EventKind.REFERRAL_DECLINED, london(2027, 3, 25, 16))
    row = Obligation.objects.get(case=case, code="support_referral")
    assert row.status == ObligationStatus.CANCELLED
    assert row.cancel_reason == "The victim objected to a referral"


def test_each_decision_has_its_own_update_and_a_contact_meets_those_before_it():
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    record(case, EventKind.DECISION, london(2027, 3, 2, 10), outcome="arrest")
    record(case, EventKind.DECISION, london(2027, 3, 3, 10), outcome="bail")
    record(case, EventKind.CONTACT_MADE, london(2027, 3, 4, 10))
    record(case, EventKind.DECISION, london(2027, 3, 10, 10), outcome="charge")
    statuses = list(
        Obligation.objects.filter(case=case, code="decision_update")
        .order_by("triggered_at")
        .values_list("status", flat=True)
    )
    assert statuses[:2] == ["met", "met"]
    assert statuses[2] in ("open", "breached")  # whichever it is today


def test_the_right_to_review_needs_a_contact_that_covers_it():
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    record(case, EventKind.DECISION, london(2027, 3, 2, 9), outcome="interview_under_caution")
    record(case, EventKind.DECISION, london(2027, 3, 2, 10), outcome="no_further_action")
    record(case, EventKind.CONTACT_MADE, london(2027, 3, 3, 10))
    assert Obligation.objects.get(case=case, code="vrr_information").status != "met"
    record(case, EventKind.CONTACT_MADE, london(2027, 3, 4, 10), covers=["vrr_information"])
    assert Obligation.objects.get(case=case, code="vrr_information").status == "met"


def updates(case):
    return list(
        Obligation.objects.filter(case=case, code="investigation_update").order_by("occurrence")
    )


def test_investigation_updates_recur_every_28_days_after_a_suspect_until_the_case_closes():
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    record(case, EventKind.CONTACT_MADE, london(2027, 3, 20, 10))
    rows = updates(case)
    assert [r.occurrence for r in rows] == [1, 2]
    assert rows[0].status == ObligationStatus.MET
    assert rows[1].due_at.astimezone(LONDON).date().isoformat() == "2027-04-26"
    record(case, EventKind.SUSPECT_IDENTIFIED, london(2027, 4, 1, 10))
    record(case, EventKind.DECISION, london(2027, 4, 2, 10), outcome="arrest")
    assert [r.status for r in updates(case)][:1] == ["met"]
    assert updates(case)[1].status != ObligationStatus.CANCELLED
    record(case, EventKind.CASE_CLOSED, london(2027, 4, 20, 10))
    rows = updates(case)
    assert [r.status for r in rows] == ["met", "cancelled"]
    assert rows[1].cancel_reason == "The case was closed"


def test_the_breach_task_marks_overdue_obligations_once_and_raises_one_alert_each():
    case = care_case_make(reported_at=timezone.now())
    opened = Obligation.objects.filter(case=case, status=ObligationStatus.OPEN).count()
    later = timezone.now() + timedelta(days=10)
    first = obligations_mark_breached(now=later)
    assert first == opened - 1  # all but the 28-day investigation update
    again = obligations_mark_breached(now=later)
    assert again == 0
    breached = Obligation.objects.filter(case=case, status=ObligationStatus.BREACHED)
    assert breached.count() == first
    assert BreachAlert.objects.filter(obligation__case=case).count() == first
    row = breached.get(code="written_information")
    assert row.breached_at == row.due_at


def test_met_late_keeps_the_breach_on_record():
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    record(case, EventKind.WRITTEN_INFORMATION_SENT, london(2027, 3, 20, 10))
    row = Obligation.objects.get(case=case, code="written_information")
    assert row.status == ObligationStatus.MET
    assert row.breached_at == row.due_at
    assert not row.met_on_time


def test_obligations_follow_the_officer_in_charge():
    from tests.factories import staff_make

    force = force_make()
    officer = staff_make(force=force)
    case = care_case_make(force=force, officer_in_charge=officer)
    assert set(Obligation.objects.filter(case=case).values_list("officer_id", flat=True)) == {
        officer.pk
    }


def test_the_breach_task_runs_the_service():
    from victimcare.care.tasks import obligations_mark_breached_task

    care_case_make(reported_at=timezone.now() - timedelta(days=30))
    assert obligations_mark_breached_task.call() >= 0
