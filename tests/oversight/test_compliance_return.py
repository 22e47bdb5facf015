"""The Victims and Prisoners Act compliance return: per-victim counting that reconciles
with the obligations table, every breakdown, Wilson intervals that agree with R,
primary and secondary suppression, and measures not clocked yet shown as zeros."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from tests.care.factories import london, victim_details
from tests.factories import area_make, case_make, crime_type_make, force_make
from victimcare.care.constants import ObligationStatus
from victimcare.care.models import Obligation, Rule
from victimcare.cases.constants import EventKind
from victimcare.cases.services import case_event_record
from victimcare.forces.constants import SurveyGroup
from victimcare.forces.models import CrimeType
from victimcare.oversight import compliance_return as returns
from victimcare.oversight.periods import Quarter
from victimcare.oversight.suppression import Line, recoverable

pytestmark = pytest.mark.django_db

QUARTER = Quarter(2026, 3)  # July to September 2026
AS_AT = london(2026, 12, 1, 12, 0)  # every deadline of the quarter has passed
_names = itertools.count(1)


def victim_case(*, force, area=None, crime_type=None, reported=None, occurred=None, **victim):
    """A case with one victim, clocked by the care listener; ``victim``: equality fields,
    ``enhanced`` and ``date_of_birth``."""
    equality = {
        k: victim.pop(k) for k in ("age_band", "sex", "ethnicity", "disability") if k in victim
    }
    return case_make(
        force=force,
        area=area or area_make(force),
        crime_type=crime_type or crime_type_make(),
        reported_at=reported or london(2026, 9, 1, 10, 0),
        occurred_at=occurred,
        victim=victim_details(given_name=f"V{next(_names)}", equality=equality, **victim),
    )


def record(case, kind, at, **detail):
    return case_event_record(case=case, kind=kind, at=at, detail=detail)


def cell(result, measure, breakdown="all", group="all"):
    return next(
        c for c in result.cells if (c.measure, c.breakdown, c.group) == (measure, breakdown, group)
    )


# --- Wilson intervals ---------------------------------------------------------------------

# Frozen from R 4.x:
#   for (a in list(c(7,10), c(0,12), c(30,30), c(81,263)))
#     print(prop.test(a[1], a[2], correct = FALSE)$conf.int, digits = 12)
WILSON_FROM_R = [
    (7, 10, 0.396778147461, 0.892208732594),
    (0, 12, 0.000000000000, 0.242494006655),
    (30, 30, 0.886486606826, 1.000000000000),
    (81, 263, 0.255288519878, 0.366209576983),
]


@pytest.mark.parametrize(("x", "n", "low", "high"), WILSON_FROM_R)
def test_wilson_interval_agrees_with_r_prop_test_without_continuity_correction(x, n, low, high):
    got = returns.wilson_interval(x, n)
    assert got == pytest.approx((low, high), abs=1e-9)


@pytest.mark.parametrize(("x", "n"), [(0, 0), (5, 4), (-1, 3)])
def test_wilson_interval_refuses_impossible_counts(x, n):
    with pytest.raises(ValueError, match="n"):
        returns.wilson_interval(x, n)


# --- counting per victim -------------------------------------------------------------------


def small_world():
    """Six victims in two areas of one force with a mix of met, late and missed
    obligations; another force's case that must not count."""
    mps = force_make("MPS")
    hackney, camden = area_make(mps, "Hackney"), area_make(mps, "Camden")
    cases = [victim_case(force=mps, area=hackney if i % 2 else camden) for i in range(6)]
    # Written information: on time for 0-2, late for 3, never for 4-5.
    for case in cases[:3]:
        record(case, EventKind.WRITTEN_INFORMATION_SENT, london(2026, 9, 2, 10))
    record(cases[3], EventKind.WRITTEN_INFORMATION_SENT, london(2026, 9, 30, 10))
    # Needs assessment on time for 0 and 1; referral for 0, declined by 1 on day one.
    for case in cases[:2]:
        record(case, EventKind.NEEDS_ASSESSED, london(2026, 9, 2, 11))
    record(cases[0], EventKind.REFERRAL_SENT, london(2026, 9, 2, 12))
    record(cases[1], EventKind.REFERRAL_DECLINED, london(2026, 9, 1, 12))
    # Decisions: 2 charged, told next day, VPS offered; 3 no further action, told late.
    record(cases[2], EventKind.DECISION, london(2026, 9, 10, 10), outcome="charge")
    record(cases[2], EventKind.CONTACT_MADE, london(2026, 9, 11, 10))
    record(cases[2], EventKind.VPS_OFFERED, london(2026, 9, 11, 11))
    record(cases[3], EventKind.DECISION, london(2026, 9, 10, 10), outcome="no_further_action")
    record(cases[3], EventKind.CONTACT_MADE, london(2026, 9, 29, 10))
    victim_case(force=force_make("GMP"), area=area_make(force_make("GMP"), "Bolton"))
    return mps, cases


def expected_from_obligations(force, measure):
    """Numerator and denominator straight from Obligation rows: per victim, due in the
    quarter, not cancelled before the deadline, met when every one was met on time."""
    start, end = returns.quarter_bounds(QUARTER)
    per_victim: dict[int, bool] = {}
    for o in Obligation.objects.filter(
        case__force=force, code__in=measure.obligation_codes, due_at__gte=start, due_at__lt=end
    ):
        if o.status == ObligationStatus.CANCELLED and o.breached_at is None:
            continue
        met = o.status == ObligationStatus.MET and o.met_at <= o.due_at
        per_victim[o.victim_id] = per_victim.get(o.victim_id, True) and met
    return sum(per_victim.values()), len(per_victim)


def test_rates_reconcile_with_the_obligations_table():
    mps, _ = small_world()
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=1)
    for measure in returns.MEASURES:
        numerator, denominator = expected_from_obligations(mps, measure)
        headline = cell(result, measure.code)
        assert (headline.numerator, headline.denominator) == (numerator, denominator), measure
        # Every breakdown adds up to the headline.
        for breakdown in returns.BREAKDOWNS:
            cells = [c for c in result.table(measure.code) if c.breakdown == breakdown]
            assert sum(c.denominator for c in cells) == denominator, (measure, breakdown)
            assert sum(c.numerator for c in cells) == numerator, (measure, breakdown)
    assert (cell(result, "written_information_on_time").numerator,) == (3,)
    assert cell(result, "written_information_on_time").denominator == 6
    assert cell(result, "written_information_on_time", "area", "hackney").denominator == 3


def test_a_referral_declined_before_its_deadline_leaves_the_victim_out():
    mps, _ = small_world()
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=1)
    referral = cell(result, "referral_within_2wd")
    assert (referral.numerator, referral.denominator) == (1, 5)


def test_a_victim_counts_once_and_as_met_only_when_every_obligation_was_met_on_time():
    mps = force_make("MPS")
    case = victim_case(force=mps)
    record(case, EventKind.DECISION, london(2026, 9, 2, 10), outcome="arrest")
    record(case, EventKind.CONTACT_MADE, london(2026, 9, 3, 10))  # on time
    record(case, EventKind.DECISION, london(2026, 9, 14, 10), outcome="bail")  # never told
    assert Obligation.objects.filter(case=case, code="decision_update").count() == 2
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=1)
    decisions = cell(result, "decision_updates_on_time")
    assert (decisions.numerator, decisions.denominator) == (0, 1)


def test_a_victim_is_met_when_every_obligation_of_the_kind_was_met_on_time():
    mps = force_make("MPS")
    case = victim_case(force=mps)
    record(case, EventKind.DECISION, london(2026, 9, 2, 10), outcome="arrest")
    record(case, EventKind.CONTACT_MADE, london(2026, 9, 3, 10))
    record(case, EventKind.DECISION, london(2026, 9, 14, 10), outcome="bail")
    record(case, EventKind.MESSAGE_TO_VICTIM, london(2026, 9, 15, 10))
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=1)
    decisions = cell(result, "decision_updates_on_time")
    assert (decisions.numerator, decisions.denominator) == (1, 1)


def test_a_victim_with_a_deadline_still_to_come_is_pending_not_counted():
    mps = force_make("MPS")
    victim_case(force=mps, reported=london(2026, 9, 22, 10))  # written info due 29 Sep
    victim_case(force=mps, reported=london(2026, 9, 1, 10))  # due 8 Sep, never sent
    during = returns.compliance_return(
        force=mps, quarter=QUARTER, as_at=london(2026, 9, 24, 12), threshold=1
    )
    written = cell(during, "written_information_on_time")
    assert (written.numerator, written.denominator) == (0, 1)
    assert during.pending["written_information_on_time"] == 1
    assert not during.complete
    after = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=1)
    assert cell(after, "written_information_on_time").denominator == 2
    assert after.pending["written_information_on_time"] == 0
    assert after.complete


# --- breakdowns ----------------------------------------------------------------------------

AGE_RULES = [
    # (why, date of birth, recorded age band, occurred, expected)
    ("17 on the day of the offence", date(2009, 3, 1), "", london(2026, 2, 28, 12), "under_18"),
    ("18 that very day", date(2008, 2, 28), "", london(2026, 2, 28, 12), "18_and_over"),
    ("the day before the 18th birthday", date(2008, 3, 1), "", london(2026, 2, 28, 12), "under_18"),
    ("date of birth wins over a band", date(2000, 1, 1), "under_16", None, "18_and_over"),
    ("no date of birth: under 16 band", None, "under_16", None, "under_18"),
    ("no date of birth: 16 to 24 cannot tell", None, "16_24", None, "not_known"),
    ("no date of birth: 25 to 34", None, "25_34", None, "18_and_over"),
    ("prefer not to say", None, "prefer_not_to_say", None, "not_known"),
    ("nothing recorded", None, "", None, "not_known"),
]


@pytest.mark.parametrize(
    ("why", "dob", "band", "occurred", "expected"), AGE_RULES, ids=[r[0] for r in AGE_RULES]
)
def test_under_18_is_the_age_on_the_day_of_the_offence(why, dob, band, occurred, expected):
    got = returns.age_group(
        date_of_birth=dob,
        age_band=band,
        occurred_at=occurred,
        reported_at=london(2026, 9, 1, 10),
    )
    assert got == expected, why


def test_under_18_uses_the_offence_date_not_the_report_date():
    mps = force_make("MPS")
    # 17 when the offence happened in June, 18 by the time it was reported in September.
    victim_case(
        force=mps,
        date_of_birth=date(2008, 7, 15),
        occurred=london(2026, 6, 20, 22),
        reported=london(2026, 9, 1, 10),
    )
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=1)
    assert cell(result, "written_information_on_time", "age_band", "under_18").denominator == 1


BREAKDOWN_CASES = [
    # (breakdown, victim fields, expected group)
    ("sex", {"sex": "female"}, "female"),
    ("sex", {}, "not_recorded"),
    ("ethnicity", {"ethnicity": "black"}, "black"),
    ("ethnicity", {"ethnicity": "prefer_not_to_say"}, "prefer_not_to_say"),
    ("disability", {"disability": "yes"}, "yes"),
    ("disability", {}, "not_recorded"),
    ("enhanced", {"enhanced": True}, "enhanced"),
    ("enhanced", {}, "not_enhanced"),
    ("age_band", {"age_band": "under_16"}, "under_18"),
    ("age_band", {"date_of_birth": date(1980, 5, 5)}, "18_and_over"),
]


@pytest.mark.parametrize(("breakdown", "fields", "group"), BREAKDOWN_CASES)
def test_each_breakdown_puts_the_victim_in_their_recorded_group(breakdown, fields, group):
    mps = force_make("MPS")
    victim_case(force=mps, **fields)
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=1)
    measure = "written_information_on_time"
    counted = {c.group: c.denominator for c in result.table(measure) if c.breakdown == breakdown}
    assert counted[group] == 1
    assert sum(counted.values()) == 1


def test_crime_group_and_area_come_from_the_case():
    mps = force_make("MPS")
    assault = crime_type_make("assault-wounding")
    CrimeType.objects.filter(pk=assault.pk).update(survey_group=SurveyGroup.VIOLENCE)
    assault.refresh_from_db()
    victim_case(force=mps, area=area_make(mps, "Camden"), crime_type=assault)
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=1)
    table = result.table("written_information_on_time")
    assert {c.group for c in table if c.breakdown == "crime_group" and c.denominator} == {
        "violence"
    }
    assert {c.group for c in table if c.breakdown == "area" and c.denominator} == {"camden"}
    assert {c.group for c in table if c.breakdown == "area"} >= {"camden"}


# --- suppression ---------------------------------------------------------------------------


def test_small_cells_are_suppressed_with_a_partner_so_none_can_be_worked_out():
    mps = force_make("MPS")
    hackney, camden = area_make(mps, "Hackney"), area_make(mps, "Camden")
    for i in range(7):
        victim_case(force=mps, area=camden if i < 2 else hackney, sex="female" if i else "male")
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=3)
    measure = "written_information_on_time"
    camden_cell = cell(result, measure, "area", "camden")
    hackney_cell = cell(result, measure, "area", "hackney")
    assert camden_cell.suppressed == "primary"
    # all (7) minus Hackney (5) would give Camden back: Hackney is hidden too.
    assert hackney_cell.suppressed == "secondary"
    assert cell(result, measure, "sex", "male").suppressed == "primary"
    assert cell(result, measure).suppressed == ""
    rows = {(r["breakdown"], r["group"]): r for r in result.rows() if r["measure"] == measure}
    assert rows[("area", "camden")]["denominator"] == rows[("area", "camden")]["rate"] == ""
    assert rows[("area", "hackney")]["numerator"] == ""
    # No hidden cell is recoverable from the published ones and the breakdown lines.
    cells = result.table(measure)
    keys = [(c.breakdown, c.group) for c in cells]
    lines = [
        Line(tuple(k for k in keys if k[0] == b), ("all", "all"))
        for b in {k[0] for k in keys} - {"all"}
    ]
    hidden = {(c.breakdown, c.group) for c in cells if c.suppressed}
    assert hidden
    assert not recoverable(hidden, lines)


def test_the_threshold_defaults_to_the_open_data_setting(settings):
    settings.OPEN_DATA_THRESHOLD = 2
    mps = force_make("MPS")
    victim_case(force=mps)
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT)
    assert result.threshold == 2
    assert cell(result, "written_information_on_time").suppressed == "primary"


# --- measures the care engine does not clock yet -------------------------------------------


def test_a_measure_whose_obligation_is_not_clocked_has_rows_with_denominator_0_and_a_note():
    mps = force_make("MPS")
    victim_case(force=mps)
    Rule.objects.filter(code__startswith="vps_offer").delete()  # as if no rule set defined it
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=1)
    assert result.not_clocked == ["vps_offered"]
    vps = result.table("vps_offered")
    assert vps
    assert all(c.denominator == 0 and c.rate is None for c in vps)
    readme = returns.readme_text(result)
    assert "NOT CLOCKED YET" in readme.split("- vps_offered")[1].split("\n- ")[0]


def test_readme_defines_every_measure_and_breakdown_the_dates_and_suppression():
    mps = force_make("MPS")
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=10)
    readme = returns.readme_text(result)
    for measure in returns.MEASURES:
        assert f"- {measure.code}: " in readme
        assert ", ".join(measure.obligation_codes) in readme
    for breakdown in returns.BREAKDOWNS:
        assert f"- {breakdown}: " in readme
    assert "01 July 2026 to 30 September 2026" in readme
    assert "fewer than 10 victims" in readme
    assert "secondary" in readme
    assert "Source:" in readme
    assert "per victim" in readme


def test_csv_has_the_return_columns_and_blank_suppressed_cells():
    mps = force_make("MPS")
    victim_case(force=mps)
    result = returns.compliance_return(force=mps, quarter=QUARTER, as_at=AS_AT, threshold=1)
    text = returns.return_csv(result.rows())
    assert text.splitlines()[0] == ",".join(returns.COLUMNS)
    assert "written_information_on_time,all,all,0,1,0.0,0.0,0.7935," in text
