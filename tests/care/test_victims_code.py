"""The care clock follows the Victims' Code as it is (issue 15): the Code in force when
the victim reported, every Right 6 event, enhanced victims' shorter deadlines (derived and
recorded grounds), updates at the frequency agreed with the victim, the Victim Personal
Statement at the witness statement, the Victims' Right to Review, complaints, opt-out
referrals, and one contact stating what it covers."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.care.factories import care_case_make, london, victim_details
from tests.factories import crime_type_make, force_make
from victimcare.accounts.models import SupportOrganisation
from victimcare.accounts.services import service_token_create
from victimcare.care.constants import DecisionOutcome, ObligationStatus
from victimcare.care.deadlines import LONDON
from victimcare.care.models import CaseClock, Obligation, Referral, RuleSetVersion
from victimcare.care.selectors import vrr_eligibility
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import care_event_record, needs_assessment_record
from victimcare.care.services.rebuild import obligations_rebuild
from victimcare.care.services.referrals import referral_send
from victimcare.care.services.rule_sets import care_policy_set
from victimcare.cases.constants import EnhancedGround, EventKind
from victimcare.cases.models import CaseEvent, Victim
from victimcare.cases.services import case_event_record
from victimcare.forces.models import CrimeType

pytestmark = pytest.mark.django_db


def record(case, kind, at, **detail):
    return case_event_record(case=case, kind=kind, at=at, detail=detail)


def due(case, code, occurrence=1):
    row = Obligation.objects.filter(case=case, code=code, occurrence=occurrence).latest("id")
    return row.due_at.astimezone(LONDON).isoformat()


def rule_set_of(case) -> str:
    return CaseClock.objects.get(case=case).rule_set_version.rule_set.code


def victim_of(case) -> Victim:
    return Victim.objects.get(case=case)


# --- The Code in force when the victim reported -------------------------------------

# (why, the force's choice (rule set, effective from) or None, reported at, rule set)
CODE_IN_FORCE = [
    ("a report in 2019 is clocked under the 2015 Code", None, london(2019, 6, 3, 10), "vc2015"),
    (
        "the last minutes of 31 March 2021 (London time) are still the 2015 Code",
        None,
        london(2021, 3, 31, 23, 50),
        "vc2015",
    ),
    (
        "10 past midnight on 1 April 2021 in London (still 31 March in UTC) is the 2020 Code",
        None,
        london(2021, 4, 1, 0, 10),
        "vc2020",
    ),
    ("a report in 2027 is clocked under the 2020 Code", None, london(2027, 3, 25, 15), "vc2020"),
    (
        "a force's local rule set from its effective day",
        ("tvc", date(2025, 1, 1)),
        london(2025, 1, 1, 9),
        "tvc",
    ),
    (
        "before the force's effective day, the Code in force",
        ("tvc", date(2025, 1, 1)),
        london(2024, 12, 31, 23),
        "vc2020",
    ),
    (
        "before the force's effective day, in 2020: the 2015 Code",
        ("tvc", date(2025, 1, 1)),
        london(2020, 5, 1, 9),
        "vc2015",
    ),
    (
        "a force's choice without an effective day applies to every report",
        ("tvc", None),
        london(2019, 6, 3, 10),
        "tvc",
    ),
]


@pytest.mark.parametrize(
    ("why", "policy", "reported", "expected"), CODE_IN_FORCE, ids=[r[0] for r in CODE_IN_FORCE]
)
def test_the_code_in_force_when_the_victim_reported(why, policy, reported, expected):
    force = force_make()
    if policy:
        care_policy_set(force=force, rule_set_code=policy[0], effective_from=policy[1])
    case = care_case_make(force=force, reported_at=reported)
    assert rule_set_of(case) == expected
    newest = RuleSetVersion.objects.filter(rule_set__code=expected).order_by("version").last()
    assert CaseClock.objects.get(case=case).rule_set_version_id == newest.pk


def test_a_rebuild_reclocks_a_case_under_the_rules_of_its_report_date():
    force = force_make()
    case = care_case_make(force=force, reported_at=london(2020, 6, 1, 10))
    assert rule_set_of(case) == "vc2015"
    # As an import before issue 15 would have clocked it: under the 2020 Code.
    vc2020 = RuleSetVersion.objects.filter(rule_set__code="vc2020").order_by("version").last()
    CaseClock.objects.filter(case=case).update(rule_set_version=vc2020)
    obligations_rebuild(now=london(2020, 7, 1, 10))
    assert rule_set_of(case) == "vc2015"
    assert set(
        Obligation.objects.filter(case=case).values_list("rule__version__rule_set__code", flat=True)
    ) == {"vc2015"}


def test_a_case_keeps_the_version_it_was_clocked_under_when_its_code_is_the_same():
    force = force_make()
    case = care_case_make(force=force, reported_at=london(2027, 3, 25, 15))
    old = RuleSetVersion.objects.get(rule_set__code="vc2020", version=1)
    CaseClock.objects.filter(case=case).update(rule_set_version=old)
    obligations_rebuild(now=london(2027, 4, 1, 10))
    assert CaseClock.objects.get(case=case).rule_set_version_id == old.pk
    assert Obligation.objects.filter(case=case, code="no_suspect_update").exists()


def test_the_rule_sets_of_issue_15_are_new_versions_and_the_old_ones_are_kept():
    for code in ("vc2015", "vc2020", "tvc"):
        versions = RuleSetVersion.objects.filter(rule_set__code=code).order_by("version")
        first, newest = versions.first(), versions.last()
        assert newest.version > first.version
        assert "no_suspect_update" in {r["code"] for r in first.definition["rules"]}
        rules = {r["code"]: r for r in newest.definition["rules"]}
        assert "no_suspect_update" not in rules
        assert rules["complaint_acknowledgement"]["local"] is True
    tvc = RuleSetVersion.objects.filter(rule_set__code="tvc").order_by("version").last()
    visit = next(r for r in tvc.definition["rules"] if r["code"] == "visit_offer")
    assert visit["local"] is True
    assert "not a Victims' Code entitlement" in visit["description"]


# --- Right 6: every decision, 5 working days or 1 for enhanced victims ---------------

DECISIONS = [o for o in DecisionOutcome.values if o != DecisionOutcome.NOT_INVESTIGATED]


@pytest.mark.parametrize("outcome", DECISIONS)
@pytest.mark.parametrize(
    ("enhanced", "expected"),
    [(False, "2027-04-05T23:59:59+01:00"), (True, "2027-03-30T23:59:59+01:00")],
    ids=["standard: 5 working days over Easter", "enhanced: 1 working day over Easter"],
)
def test_decision_update_for_every_right_6_event(outcome, enhanced, expected):
    case = care_case_make(reported_at=london(2027, 3, 1, 10), enhanced=enhanced)
    record(case, EventKind.DECISION, london(2027, 3, 25, 15), outcome=outcome)
    assert due(case, "decision_update") == expected


def test_not_investigated_is_its_own_notice_with_a_referral_offer():
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    record(case, EventKind.DECISION, london(2027, 3, 25, 15), outcome="not_investigated")
    row = Obligation.objects.select_related("rule").get(case=case, code="not_investigated_notice")
    assert "referral" in row.rule.definition["description"]
    assert not Obligation.objects.filter(case=case, code="decision_update").exists()


def test_an_unknown_outcome_is_refused_and_nothing_is_recorded():
    case = care_case_make()
    before = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(CareError, match="Unknown decision outcome"):
        care_event_record(
            case=case,
            kind=EventKind.DECISION,
            at=case.reported_at + timedelta(hours=1),
            detail={"outcome": "sentenced_to_walk_the_plank"},
            now=case.reported_at + timedelta(days=1),
        )
    assert CaseEvent.objects.filter(case=case).count() == before


def test_the_api_refuses_an_unknown_outcome_with_a_422_and_records_nothing(client):
    force = force_make("MPS", "Metropolitan Police Service")
    token = service_token_create(force=force, name="rms")
    case = care_case_make(force=force, reported_at=timezone.now() - timedelta(days=1))
    before = CaseEvent.objects.filter(case=case).count()
    response = client.post(
        f"/api/v1/cases/{case.reference}/events",
        {"type": "decision", "outcome": "banished", "at": timezone.now().isoformat()},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert CaseEvent.objects.filter(case=case).count() == before
    schema = client.get("/api/v1/openapi.json").json()
    text = str(schema)
    assert "interview_under_caution" in text
    assert "statement_taken" in text


def test_obligations_say_their_rule_set_and_whether_the_victim_is_enhanced(client):
    force = force_make("MPS", "Metropolitan Police Service")
    token = service_token_create(force=force, name="rms")
    case = care_case_make(force=force, reported_at=london(2020, 6, 1, 10), enhanced=True)
    response = client.get(
        f"/api/v1/cases/{case.reference}/obligations", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    rows = response.json()
    assert rows
    assert {(r["rule_set"], r["enhanced"]) for r in rows} == {("vc2015", True)}


# --- Enhanced grounds: derived and recorded, each gives 1 working day ------------------


def consent_crime_type(code="domestic-abuse"):
    """A crime type of the most serious crime whose referral needs explicit consent (as the
    reference data marks domestic abuse, sexual offences and bereaved relatives)."""
    crime_type = crime_type_make(code)
    CrimeType.objects.filter(pk=crime_type.pk).update(
        referral_needs_consent=True, most_serious_crime=True
    )
    crime_type.refresh_from_db()
    return crime_type


def _derived_case(ground):
    reported = london(2027, 3, 1, 10)
    if ground == "crime type":
        return care_case_make(reported_at=reported, crime_type=consent_crime_type())
    if ground == "hate element":
        return care_case_make(reported_at=reported, hate_element=True)
    return care_case_make(
        reported_at=reported, victim=victim_details(date_of_birth=date(2012, 5, 1))
    )


@pytest.mark.parametrize(
    ("source", "flag"),
    [
        ("crime type", "most_serious_crime"),
        ("hate element", "most_serious_crime"),
        ("under 18 at the offence", "vulnerable"),
    ],
)
def test_a_derived_enhanced_ground_gives_the_1_working_day_deadline(source, flag):
    case = _derived_case(source)
    assert getattr(victim_of(case), flag)
    record(case, EventKind.DECISION, london(2027, 3, 25, 15), outcome="arrest")
    assert due(case, "decision_update") == "2027-03-30T23:59:59+01:00"


@pytest.mark.parametrize("ground", EnhancedGround.values)
def test_a_ground_recorded_at_the_needs_assessment_reclocks_open_obligations(ground):
    case = care_case_make(reported_at=london(2026, 3, 2, 10))
    record(case, EventKind.DECISION, london(2026, 4, 2, 15), outcome="charge")
    assert due(case, "decision_update") == "2026-04-13T23:59:59+01:00"
    needs_assessment_record(
        case=case,
        victim=victim_of(case),
        by=None,
        needs=[],
        referral_consent="yes",
        enhanced_grounds=[ground],
        at=london(2026, 4, 2, 16),
    )
    assert getattr(victim_of(case), ground)
    assert due(case, "decision_update") == "2026-04-07T23:59:59+01:00"


def test_an_unknown_ground_at_the_needs_assessment_records_nothing():
    case = care_case_make(reported_at=london(2026, 3, 2, 10))
    with pytest.raises(CareError):
        needs_assessment_record(
            case=case,
            victim=victim_of(case),
            by=None,
            needs=[],
            referral_consent="yes",
            enhanced_grounds=["very_important"],
            at=london(2026, 3, 3, 10),
        )
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.NEEDS_ASSESSED).exists()


# --- Updates at the frequency agreed with the victim -------------------------------


def assess(case, at, **kwargs):
    return needs_assessment_record(
        case=case,
        victim=victim_of(case),
        by=None,
        needs=[],
        referral_consent="yes",
        at=at,
        **kwargs,
    )


def test_investigation_updates_follow_the_frequency_agreed_at_the_needs_assessment():
    case = care_case_make(reported_at=london(2026, 3, 2, 10))
    assess(case, london(2026, 3, 3, 10), update_every_days=14)
    assert due(case, "investigation_update") == "2026-03-16T23:59:59+00:00"
    # Reassessed: every 7 days, re-clocked from the report.
    assess(case, london(2026, 3, 4, 10), update_every_days=7)
    assert due(case, "investigation_update") == "2026-03-09T23:59:59+00:00"


def test_without_an_agreed_frequency_the_rule_sets_default_applies_across_the_clock_change():
    case = care_case_make(reported_at=london(2026, 3, 2, 10))
    assess(case, london(2026, 3, 3, 10))
    assert due(case, "investigation_update") == "2026-03-30T23:59:59+01:00"


@pytest.mark.parametrize("every", [0, 367, -1, True, "14"])
def test_a_frequency_that_is_not_a_number_of_days_is_refused(every):
    case = care_case_make(reported_at=london(2026, 3, 2, 10))
    with pytest.raises(CareError, match="how often"):
        assess(case, london(2026, 3, 3, 10), update_every_days=every)
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.NEEDS_ASSESSED).exists()


# --- Victim Personal Statement -----------------------------------------------------


def test_the_vps_is_offered_at_the_statement_and_again_at_charge():
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    assert not Obligation.objects.filter(case=case, code="vps_offer").exists()
    record(case, EventKind.STATEMENT_TAKEN, london(2027, 3, 2, 10))
    record(case, EventKind.DECISION, london(2027, 4, 12, 10), outcome="charge")
    assert Obligation.objects.filter(case=case, code="vps_offer").count() == 2


def test_bereaved_relatives_are_always_offered_a_vps():
    bereaved = care_case_make(
        reported_at=london(2027, 3, 25, 15), crime_type=crime_type_make("homicide-bereaved")
    )
    assert due(bereaved, "vps_offer_bereaved") == "2027-04-05T23:59:59+01:00"
    other = care_case_make(reported_at=london(2027, 3, 25, 15))
    assert not Obligation.objects.filter(case=other, code="vps_offer_bereaved").exists()


# --- Victims' Right to Review ------------------------------------------------------

# (why, decisions in order, eligible)
VRR_TABLE = [
    ("no interview under caution: not eligible", ["no_further_action"], False),
    ("interviewed, no decision yet", ["interview_under_caution"], False),
    ("interviewed, then charged", ["interview_under_caution", "charge"], False),
    ("interviewed, then no further action", ["interview_under_caution", "no_further_action"], True),
    ("interviewed, then a caution", ["interview_under_caution", "caution"], True),
    (
        "interviewed, then a community resolution",
        ["interview_under_caution", "community_resolution"],
        True,
    ),
    (
        "no further action before the interview",
        ["no_further_action", "interview_under_caution"],
        False,
    ),
]


@pytest.mark.parametrize(("why", "outcomes", "eligible"), VRR_TABLE, ids=[r[0] for r in VRR_TABLE])
def test_right_to_review_eligibility(why, outcomes, eligible):
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    for hours, outcome in enumerate(outcomes):
        record(case, EventKind.DECISION, london(2027, 3, 2, 10 + hours), outcome=outcome)
    allowed, reason = vrr_eligibility(case=case, now=london(2027, 3, 10, 10))
    assert allowed is eligible
    assert reason
    assert Obligation.objects.filter(case=case, code="vrr_information").exists() is eligible


def test_a_review_request_by_an_ineligible_victim_is_refused_and_nothing_recorded():
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    record(case, EventKind.DECISION, london(2027, 3, 2, 10), outcome="no_further_action")
    with pytest.raises(CareError, match="interviewed under caution"):
        care_event_record(
            case=case,
            kind=EventKind.VRR_REQUESTED,
            at=london(2027, 3, 3, 10),
            now=london(2027, 3, 4),
        )
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.VRR_REQUESTED).exists()


@pytest.mark.parametrize(
    ("asked", "allowed"),
    [(london(2027, 6, 2, 23, 0), True), (london(2027, 6, 3, 0, 30), False)],
    ids=["on the last day of the 3 months", "the day after"],
)
def test_a_review_can_be_asked_for_within_3_months_of_the_decision(asked, allowed):
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    record(case, EventKind.DECISION, london(2027, 3, 2, 9), outcome="interview_under_caution")
    record(case, EventKind.DECISION, london(2027, 3, 2, 10), outcome="no_further_action")
    if allowed:
        care_event_record(case=case, kind=EventKind.VRR_REQUESTED, at=asked, now=asked)
        assert Obligation.objects.filter(case=case, code="vrr_acknowledgement").exists()
        assert Obligation.objects.filter(case=case, code="vrr_decision").exists()
    else:
        with pytest.raises(CareError, match="has passed"):
            care_event_record(case=case, kind=EventKind.VRR_REQUESTED, at=asked, now=asked)


def test_acknowledging_and_deciding_a_review_meet_their_clocks():
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    record(case, EventKind.DECISION, london(2027, 3, 2, 9), outcome="interview_under_caution")
    record(case, EventKind.DECISION, london(2027, 3, 2, 10), outcome="no_further_action")
    record(case, EventKind.VRR_REQUESTED, london(2027, 3, 10, 10))
    record(case, EventKind.VRR_ACKNOWLEDGED, london(2027, 3, 11, 10))
    assert Obligation.objects.get(case=case, code="vrr_acknowledgement").status == "met"
    assert Obligation.objects.get(case=case, code="vrr_decision").status != "met"
    record(case, EventKind.VRR_DECIDED, london(2027, 4, 1, 10))
    assert Obligation.objects.get(case=case, code="vrr_decision").status == "met"


# --- Complaints (a local rule) -------------------------------------------------------


def test_a_complaint_is_acknowledged_by_a_local_rule():
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    record(case, EventKind.COMPLAINT_MADE, london(2027, 3, 25, 15))
    row = Obligation.objects.select_related("rule").get(case=case, code="complaint_acknowledgement")
    assert row.rule.definition["local"] is True
    assert row.due_at.astimezone(LONDON).isoformat() == "2027-04-12T23:59:59+01:00"
    record(case, EventKind.COMPLAINT_ACKNOWLEDGED, london(2027, 3, 26, 10))
    row.refresh_from_db()
    assert row.status == ObligationStatus.MET


# --- Referral by the Code: opt-out, explicit consent for some crime types --------------


@pytest.fixture
def organisation():
    org, _ = SupportOrganisation.objects.get_or_create(name="Victim Support (test)")
    return org


def referral_case(organisation, **kwargs):
    force = force_make()
    organisation.forces.add(force)
    return care_case_make(force=force, reported_at=timezone.now() - timedelta(hours=2), **kwargs)


def send(case, organisation):
    return referral_send(case=case, victim=victim_of(case), organisation=organisation, by=None)


def test_opt_out_referral_is_sent_without_a_yes(organisation):
    case = referral_case(organisation)
    referral = send(case, organisation)
    assert referral.assessment is None
    assert referral.shared["contact_route"] == "phone"
    assert Obligation.objects.get(case=case, code="support_referral").status == "met"


def test_consent_crime_needs_a_yes(organisation):
    case = referral_case(organisation, crime_type=consent_crime_type())
    with pytest.raises(CareError, match="must agree"):
        send(case, organisation)
    assert not Referral.objects.filter(case=case).exists()


def test_an_objection_stops_the_referral(organisation):
    case = referral_case(organisation)
    record(case, EventKind.REFERRAL_DECLINED, timezone.now() - timedelta(hours=1))
    with pytest.raises(CareError, match="objected"):
        send(case, organisation)
    assert Obligation.objects.get(case=case, code="support_referral").status == "cancelled"


def test_opt_out_referral_still_needs_a_safe_contact_route(organisation):
    case = referral_case(
        organisation, victim=victim_details(phone_is_safe=False, email="", phone="07700 900123")
    )
    with pytest.raises(CareError, match="safe"):
        send(case, organisation)


def test_opt_out_referral_still_refers_the_same_victim_once(organisation):
    case = referral_case(organisation)
    send(case, organisation)
    with pytest.raises(CareError, match="already referred"):
        send(case, organisation)


# --- One contact, stated entitlements ----------------------------------------------


def test_a_contact_meets_only_the_entitlements_it_states():
    case = care_case_make(reported_at=london(2027, 3, 1, 10))
    record(case, EventKind.DECISION, london(2027, 3, 2, 9), outcome="interview_under_caution")
    record(case, EventKind.DECISION, london(2027, 3, 2, 10), outcome="no_further_action")
    record(case, EventKind.STATEMENT_TAKEN, london(2027, 3, 2, 11))
    record(case, EventKind.CONTACT_MADE, london(2027, 3, 3, 10), covers=["vrr_information"])
    statuses = dict(Obligation.objects.filter(case=case).values_list("code", "status"))
    assert statuses["vrr_information"] == "met"
    assert statuses["vps_offer"] != "met"  # not stated, not ticked
    assert statuses["written_information"] != "met"
    record(
        case,
        EventKind.CONTACT_MADE,
        london(2027, 3, 4, 10),
        covers=["vps_offer", "written_information"],
    )
    statuses = dict(Obligation.objects.filter(case=case).values_list("code", "status"))
    assert statuses["vps_offer"] == statuses["written_information"] == "met"


def test_the_compliance_page_splits_every_figure_by_enhanced_and_counts_contacts_covering_several(
    client,
):
    from tests.factories import staff_make
    from victimcare.accounts.constants import Role
    from victimcare.care import selectors

    force = force_make()
    supervisor = staff_make(Role.SUPERVISOR, force=force)
    standard = care_case_make(force=force, reported_at=london(2026, 3, 2, 10))
    enhanced = care_case_make(force=force, reported_at=london(2026, 3, 2, 11), enhanced=True)
    record(
        standard,
        EventKind.CONTACT_MADE,
        london(2026, 3, 3, 10),
        covers=["written_information", "vps_offer"],
    )
    record(standard, EventKind.STATEMENT_TAKEN, london(2026, 3, 2, 12))
    record(enhanced, EventKind.WRITTEN_INFORMATION_SENT, london(2026, 3, 3, 10))
    filters = selectors.ComplianceFilter(
        force_id=force.pk, start=date(2026, 3, 1), end=date(2026, 3, 31)
    )
    result = selectors.compliance(user=supervisor, filters=filters)
    by_group = {group: {row.code: row for row in rows} for group, rows in result.groups.items()}
    assert by_group["standard"]["written_information"].met_on_time == 1
    assert by_group["enhanced"]["written_information"].met_on_time == 1
    assert by_group["enhanced"]["written_information"].due == 1
    # The standard victim's one contact met two obligations (it said so); the enhanced
    # victim's letter met one.
    assert (result.contacts["all"].contacts, result.contacts["all"].several) == (2, 1)
    assert (result.contacts["standard"].contacts, result.contacts["standard"].several) == (1, 1)
    assert (result.contacts["enhanced"].contacts, result.contacts["enhanced"].several) == (1, 0)
    month = result.trend[0]
    assert month["enhanced"]["due"] + month["standard"]["due"] == month["due"]
    client.force_login(supervisor)
    page = client.get("/compliance/", {"start": "2026-03-01", "end": "2026-03-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-group="enhanced"' in html
    assert "Contacts and the entitlements they met" in html
