"""Starting the clock of a new case: the same obligations and alerts as a replay of its
log, written in two statements (the clock row with its rule-set version, then every
obligation)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.care.factories import care_case_make, london
from tests.factories import force_make, staff_make
from victimcare.care.models import BreachAlert, CaseClock, Obligation, RuleSetVersion
from victimcare.care.services.clock import case_clock_replay
from victimcare.care.services.rule_sets import care_policy_set

pytestmark = pytest.mark.django_db

COLUMNS = [f.attname for f in Obligation._meta.concrete_fields if f is not Obligation._meta.pk]


def stored(case):
    rows = Obligation.objects.filter(case=case).order_by("code", "occurrence", "victim_id")
    return [tuple(getattr(row, name) for name in COLUMNS) for row in rows]


def alerted(case):
    return sorted(
        (alert.obligation.code, alert.obligation.occurrence, alert.officer_id, alert.force_id)
        for alert in BreachAlert.objects.filter(obligation__case=case).select_related("obligation")
    )


def replayed(case):
    """What the clock gives the case when it is rebuilt from its log instead."""
    BreachAlert.objects.filter(obligation__case=case).delete()
    Obligation.objects.filter(case=case).delete()
    CaseClock.objects.filter(case=case).delete()
    case_clock_replay(case_id=case.pk, force_id=case.force_id)


@pytest.mark.parametrize("enhanced", [False, True])
def test_a_new_case_gets_what_a_replay_of_its_log_gives(enhanced):
    officer = staff_make(force=force_make())
    case = care_case_make(enhanced=enhanced, officer_in_charge=officer)
    started = stored(case)
    assert len(started) >= 3
    assert {row[COLUMNS.index("officer_id")] for row in started} == {officer.pk}
    replayed(case)
    assert stored(case) == started


@pytest.mark.parametrize("days_ago", [3, 6, 9, 12, 30])
def test_a_case_reported_late_gets_the_same_breaches_as_a_replay(days_ago):
    case = care_case_make(reported_at=timezone.now() - timedelta(days=days_ago))
    started, alerts = stored(case), alerted(case)
    replayed(case)
    assert stored(case) == started
    assert alerted(case) == alerts


def test_what_fell_due_in_the_last_day_unmet_raises_an_alert_at_once(monkeypatch):
    reported = london(2027, 3, 25, 15, 0)
    first = care_case_make(reported_at=reported)
    due = Obligation.objects.get(case=first, code="written_information").due_at
    monkeypatch.setattr(timezone, "now", lambda: due + timedelta(hours=1))
    case = care_case_make(reported_at=reported)
    alerts = alerted(case)
    assert ("written_information", 1, None, case.force_id) in alerts
    for alert in BreachAlert.objects.filter(obligation__case=case):
        assert alert.obligation.case_id == case.pk  # the alert points at a stored row
    started = stored(case)
    replayed(case)
    assert stored(case) == started
    assert alerted(case) == alerts


def test_the_clock_is_started_in_two_statements():
    force = force_make()
    with CaptureQueriesContext(connection) as queries:
        case = care_case_make(force=force, reported_at=london(2027, 3, 25, 15, 0))
    care = [q["sql"] for q in queries if "care_" in q["sql"]]
    assert len(care) == 2, care
    assert care[0].lstrip().startswith("INSERT INTO care_caseclock")
    assert "care_obligation" in care[1]
    assert Obligation.objects.filter(case=case).count() >= 3


def test_the_clock_takes_the_newest_version_of_the_forces_rule_set():
    force = force_make()
    default = care_case_make(force=force)
    assert CaseClock.objects.get(case=default).rule_set_version.rule_set.code == "vc2020"
    care_policy_set(force=force, rule_set_code="tvc")
    chosen = care_case_make(force=force)
    newest = RuleSetVersion.objects.filter(rule_set__code="tvc").order_by("-version").first()
    assert CaseClock.objects.get(case=chosen).rule_set_version_id == newest.pk
    assert other_force_still_on_the_default()


def other_force_still_on_the_default() -> bool:
    case = care_case_make(force=force_make("GMP"))
    return CaseClock.objects.get(case=case).rule_set_version.rule_set.code == "vc2020"
