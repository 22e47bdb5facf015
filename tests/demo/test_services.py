import math
import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db.models import Max, Min
from django.utils import timezone

from tests.factories import LONDON, case_make, force_make
from victimcare.accounts.admin_scope import is_force_administrator
from victimcare.accounts.constants import AuditAction, Role
from victimcare.accounts.models import SupportOrganisation, User
from victimcare.audit.models import AuditRecord
from victimcare.audit.services import audit_record_create
from victimcare.care.models import VisitSlot
from victimcare.care.selectors import (
    ComplianceFilter,
    WorklistFilter,
    compliance,
    worklist_filtered,
)
from victimcare.cases.models import (
    Case,
    CaseEvent,
    ReferenceSequence,
    Victim,
    VictimPersonalDetails,
)
from victimcare.cases.services import VictimDetails, case_create
from victimcare.demo.calibration import calibration
from victimcare.demo.logins import demo_logins
from victimcare.demo.models import DemoWorld
from victimcare.demo.services import (
    DEMO_STAFF_EMAIL_DOMAIN,
    DemoWorldError,
    demo_world_build,
)
from victimcare.forces.models import Area, CrimeType, Force, Team
from victimcare.surveys.models import CallAttempt, Response, Sample
from victimcare.training.models import RolloutPlan
from victimcare.training.services import wave_starts

pytestmark = pytest.mark.django_db

# A reduced world keeps the tests fast: about this many cases in each force.
CASES_PER_FORCE = 150


def build(seed: int = 7, **kwargs):
    kwargs.setdefault("cases_per_force", CASES_PER_FORCE)
    return demo_world_build(scale=kwargs.pop("scale", "small"), seed=seed, **kwargs)


def snapshot() -> list[tuple]:
    """What a victim and an analyst would see of every case, in reference order."""
    return list(
        VictimPersonalDetails.objects.order_by("victim__case__reference").values_list(
            "victim__case__reference",
            "victim__case__reported_at",
            "victim__case__area__name",
            "victim__case__crime_type__code",
            "victim__case__channel",
            "victim__case__status",
            "victim__case__officer_in_charge__username",
            "victim__pseudonym",
            "victim__ethnicity",
            "given_name",
            "family_name",
            "email",
            "phone",
            "address",
        )
    )


def counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Victim.objects.count(),
        VictimPersonalDetails.objects.count(),
        CaseEvent.objects.count(),
        User.objects.count(),
        DemoWorld.objects.count(),
    )


def test_builds_a_small_world_for_the_met_gmp_and_wmp():
    result = build()
    assert result.created
    assert result.cases == Case.objects.count() > 0
    assert "Synthetic demo world (small, seed 7)" in result.summary
    assert "in 3 forces" in result.summary
    assert "made up" in result.summary
    assert set(Case.objects.values_list("force__code", flat=True)) == {"MPS", "GMP", "WMP"}
    assert Force.objects.count() == 43  # reference data loaded on the way
    world = DemoWorld.objects.get()
    assert (world.scale, world.seed, world.cases) == ("small", 7, result.cases)
    assert world.seconds > 0
    assert Victim.objects.count() == VictimPersonalDetails.objects.count() == result.cases
    # Every case has its report recorded, and follow-ups exist.
    assert CaseEvent.objects.filter(kind="report_recorded").count() == result.cases
    kinds = set(CaseEvent.objects.values_list("kind", flat=True))
    assert {"officer_assigned", "contact_made", "visit_offered", "decision"} <= kinds


def test_the_same_seed_builds_the_same_world():
    build(seed=7)
    first = snapshot()
    first_staff = list(User.objects.order_by("username").values_list("username", "last_name"))
    build(seed=7, reset=True)
    assert snapshot() == first
    assert (
        list(User.objects.order_by("username").values_list("username", "last_name")) == first_staff
    )


def test_another_seed_builds_another_world():
    build(seed=7)
    first = snapshot()
    build(seed=8, reset=True)
    assert snapshot() != first


def test_a_second_build_does_nothing():
    first = build()
    before = counts()
    second = build()
    assert not second.created
    assert second.cases == first.cases
    assert "already loaded" in second.summary
    assert counts() == before


def test_a_different_world_needs_reset():
    build(seed=7)
    before = counts()
    with pytest.raises(DemoWorldError, match="--reset"):
        build(seed=8)
    with pytest.raises(DemoWorldError, match="--reset"):
        build(seed=7, scale="london")
    assert counts() == before


def test_reset_replaces_the_world_and_only_the_world():
    build(seed=7)
    staff = User.objects.filter(email__endswith=f"@{DEMO_STAFF_EMAIL_DOMAIN}").count()
    someone_else = User.objects.create_user(
        username="real.person", password="x", role=Role.ANALYST, force=force_make("MPS")
    )
    # An audit record (append-only by design) about a synthetic victim goes with it.
    audit_record_create(
        user=User.objects.get(username="mps.officer"), victim=Victim.objects.first(), page="/x"
    )
    result = build(seed=8, reset=True)
    assert result.created
    world = DemoWorld.objects.get()
    assert world.seed == 8
    assert Case.objects.count() == result.cases
    assert Victim.objects.count() == result.cases
    # Only the new world's records are left: each demo login's authenticator set-up, and
    # the Met officer's decisions on the domestic abuse survey's contacts (audited).
    decisions = AuditRecord.objects.filter(page__startswith="Domestic abuse survey:")
    assert set(decisions.values_list("user__username", flat=True)) == {"mps.officer"}
    assert sorted(
        AuditRecord.objects.exclude(pk__in=decisions.values("pk")).values_list(
            "action", "subject__username"
        )
    ) == sorted((AuditAction.TWO_FACTOR_ENROL, login.username) for login in demo_logins())
    assert User.objects.filter(email__endswith=f"@{DEMO_STAFF_EMAIL_DOMAIN}").count() == staff
    assert User.objects.filter(pk=someone_else.pk).exists()
    assert SupportOrganisation.objects.filter(name="Victim Support (synthetic)").count() == 1


def test_a_half_built_world_is_rebuilt():
    build(seed=7)
    DemoWorld.objects.update(seconds=0)  # as if the build had stopped half-way
    result = build(seed=7)
    assert result.created
    assert Case.objects.count() == result.cases
    assert DemoWorld.objects.get().seconds > 0


def test_refuses_a_database_with_other_cases():
    case_make()
    with pytest.raises(DemoWorldError, match="not demonstration data"):
        build()
    assert not DemoWorld.objects.exists()


@pytest.mark.parametrize(
    ("scale", "seed", "message"),
    [
        ("small", -1, "seed"),
        ("tiny", 1, "unknown scale 'tiny'"),
        ("small", 2**31, "seed"),
    ],
)
def test_rejects_bad_arguments(scale, seed, message):
    with pytest.raises(DemoWorldError, match=message):
        demo_world_build(scale=scale, seed=seed)
    assert not DemoWorld.objects.exists()
    assert not Case.objects.exists()


def test_reporting_channels_follow_the_calibration():
    """Channels are drawn from the configured mix for each crime type: each channel's count
    is within four standard errors of what the mix predicts."""
    build(cases_per_force=300)
    expected = Counter()
    observed = Counter()
    cases = list(Case.objects.values_list("crime_type__code", "channel"))
    for crime_code, channel in cases:
        for name, share in calibration().channels(crime_code).shares().items():
            expected[name] += share
        observed[channel] += 1
    total = len(cases)
    for channel, mean in expected.items():
        standard_error = math.sqrt(mean * (1 - mean / total))
        assert abs(observed[channel] - mean) < 4 * standard_error, channel
    # Overall, about a quarter online and nearly half by phone.
    assert 0.18 < observed["online"] / total < 0.32
    assert 0.38 < observed["phone"] / total < 0.55


def test_contact_details_can_never_reach_a_real_person():
    build()
    details = VictimPersonalDetails.objects.all()
    for email, phone in details.values_list("email", "phone"):
        assert email == "" or re.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.(com|org)", email)
        assert phone == "" or re.fullmatch(r"07700 900\d{3}", phone)
    assert details.exclude(email="").exists()
    assert details.exclude(phone="").exists()
    staff_emails = User.objects.values_list("email", flat=True)
    assert all(email.endswith(f"@{DEMO_STAFF_EMAIL_DOMAIN}") for email in staff_emails)


def test_times_are_in_the_world_year_and_in_order():
    build()
    first = datetime(2025, 10, 1, tzinfo=LONDON)
    end = datetime(2026, 10, 1, tzinfo=LONDON)
    for reported, occurred in Case.objects.values_list("reported_at", "occurred_at"):
        assert reported.tzinfo is not None
        assert first <= reported < end
        assert occurred is None or occurred < reported
    for at, reported in CaseEvent.objects.values_list("at", "case__reported_at"):
        assert reported <= at < end


def test_references_are_in_reporting_order_and_later_cases_continue_them():
    build()
    met = Force.objects.get(code="MPS")
    references = list(
        Case.objects.filter(force=met, reported_at__year=2026)
        .order_by("reported_at", "pk")
        .values_list("reference", flat=True)
    )
    assert references == sorted(references)
    sequence = ReferenceSequence.objects.get(force=met, year=2026)
    assert references[-1] == f"MPS-26-{sequence.last_number:06d}"
    case = case_create(
        force=met,
        area=Area.objects.get(force=met, code="hackney"),
        crime_type=CrimeType.objects.get(code="domestic-burglary"),
        channel="online",
        reported_at=datetime(2026, 10, 2, 9, 0, tzinfo=UTC),
        victim=VictimDetails(given_name="Ada", family_name="Testperson", phone_is_safe=True),
    )
    assert case.reference == f"MPS-26-{sequence.last_number + 1:06d}"


def test_victims_have_equality_data_and_some_are_enhanced():
    build(cases_per_force=300)
    victims = Victim.objects.all()
    total = victims.count()
    enhanced = sum(victim.is_enhanced for victim in victims)
    assert 0.25 < enhanced / total < 0.4  # about a third (see tests/demo/test_generator.py)
    met = Counter(victims.filter(case__force__code="MPS").values_list("ethnicity", flat=True))
    assert met["prefer_not_to_say"] > 0
    assert met[""] > 0
    # London is more ethnically diverse than England and Wales as a whole.
    assert met["white"] / sum(met.values()) < 0.7


def test_demo_staff_and_what_they_may_see():
    build()
    officer = User.objects.get(username="mps.officer")
    assert officer.role == Role.OFFICER
    assert officer.force.code == "MPS"
    assert officer.collar_number
    assert "(synthetic)" in officer.contact_route
    assert Case.objects.filter(officer_in_charge=officer).exists()
    assert set(
        User.objects.get(username="mopac.oversight").oversees.values_list("code", flat=True)
    ) == {"MPS"}
    assert set(
        User.objects.get(username="hmicfrs.oversight").oversees.values_list("code", flat=True)
    ) == {"MPS", "GMP", "WMP"}
    admin = User.objects.get(username="mps.admin")
    # The Met's administration site (accounts/admin_scope.py), nothing national.
    assert is_force_administrator(admin)
    assert not admin.is_superuser
    partner = User.objects.get(username="victimsupport.partner")
    assert set(partner.support_organisation.forces.values_list("code", flat=True)) == {
        "MPS",
        "GMP",
        "WMP",
    }
    assert officer.check_password("victimcare-demo")


def test_demo_logins_list_every_role():
    assert demo_logins() == []
    build()
    logins = demo_logins()
    assert {login.role for login in logins} == set(Role.values)
    usernames = [login.username for login in logins]
    assert {"mps.officer", "mopac.oversight", "hmicfrs.oversight", "gmp.officer"} <= set(usernames)
    by_name = {login.username: login for login in logins}
    assert by_name["mps.officer"].description.startswith(
        "officer, Metropolitan Police Service: cases in the Met, with victims' details (audited)"
    )
    assert "all 3 forces" in by_name["hmicfrs.oversight"].description
    assert all("{" not in login.description for login in logins)


def test_progress_goes_to_stderr(capsys):
    build(progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Generating cases: Metropolitan Police Service" in captured.err
    assert "100%" in captured.err


def team_members() -> list[tuple[str, str | None]]:
    return list(User.objects.order_by("username").values_list("username", "team__code"))


def test_officers_are_dealt_into_teams_of_their_area():
    build()
    officers = User.objects.filter(role=Role.OFFICER).select_related("team")
    assert officers.exists()
    for officer in officers:
        assert officer.team is not None
        assert officer.team.force_id == officer.force_id
    # Each area of the demo forces has two teams (it has at least two officers), and every
    # team has officers in charge.
    for force in Force.objects.filter(code__in=["MPS", "GMP", "WMP"]):
        areas = Area.objects.filter(force=force)
        teams = Team.objects.filter(force=force)
        assert teams.count() == 2 * areas.count()
        assert not teams.filter(staff__isnull=True).exists()
        assert {team.area_id for team in teams} == {area.pk for area in areas}
    officer = User.objects.get(username="mps.officer")
    assert (officer.team.code, officer.team.name) == ("hackney-response", "Hackney response team")
    assert set(
        Team.objects.get(force=officer.force, code="hackney-investigation").staff.values_list(
            "role", flat=True
        )
    ) == {Role.OFFICER}
    # The supervisor's compliance page has something to show for the officer's team.
    world = calibration()
    filters = ComplianceFilter(
        force_id=officer.force_id,
        start=world.first_day,
        end=world.last_day,
        team_id=officer.team_id,
    )
    supervisor = User.objects.get(username="mps.supervisor")
    everyone = compliance(user=supervisor, filters=replace(filters, team_id=None))
    team = compliance(user=supervisor, filters=filters)
    assert 0 < sum(row.due for row in team.rows) < sum(row.due for row in everyone.rows)


def test_teams_are_the_same_for_the_same_seed_and_a_reset_keeps_real_staffs_teams():
    build(seed=7)
    first = team_members()
    kept = Team.objects.get(force__code="GMP", code="manchester-response")
    real = User.objects.create_user(
        username="real.person", password="x", role=Role.OFFICER, force=kept.force, team=kept
    )
    build(seed=7, reset=True)
    assert [row for row in team_members() if row[0] != real.username] == first
    assert Team.objects.filter(pk=kept.pk).exists()  # someone real is still in it
    # A world without Greater Manchester leaves none of its (empty) demo teams behind.
    real.delete()
    build(seed=7, scale="london", reset=True)
    assert not Team.objects.filter(force__code="GMP").exists()
    assert Team.objects.filter(force__code="MPS").exists()


# --- the world's as-of day ---------------------------------------------------------------

DEMO_OFFICERS = ("mps.officer", "gmp.officer", "wmp.officer")
OPEN_STATUSES = ("reported", "under_investigation", "suspect_identified")


@pytest.mark.parametrize("as_of", [date(2026, 9, 30), date(2026, 3, 17)])
def test_the_world_runs_up_to_its_as_of_day_whatever_the_day(as_of):
    """The year of activity ends on the as-of day: the newest report is on it (or just
    before), nothing happens after it, visit times start the day after, and each demo
    officer has open cases with obligations overdue and due within the coming fortnight."""
    build(seed=7, as_of=as_of)
    world = DemoWorld.objects.get()
    assert world.as_of == as_of
    window = calibration(as_of)
    assert window.first_day == date(as_of.year - 1, as_of.month, as_of.day) + timedelta(days=1)
    end = datetime.combine(as_of + timedelta(days=1), time.min, LONDON)
    start = datetime.combine(window.first_day, time.min, LONDON)
    span = Case.objects.aggregate(first=Min("reported_at"), last=Max("reported_at"))
    assert start <= span["first"] < start + timedelta(days=3)
    assert end - timedelta(days=2) < span["last"] < end
    assert CaseEvent.objects.aggregate(last=Max("at"))["last"] < end
    # Visit times for the four weeks after the as-of day, in every area of the world.
    slots = VisitSlot.objects.aggregate(first=Min("starts_at"), last=Max("starts_at"))
    assert as_of < slots["first"].astimezone(LONDON).date() <= as_of + timedelta(days=3)
    assert slots["last"].astimezone(LONDON).date() <= as_of + timedelta(weeks=4)
    areas = Area.objects.filter(force__code__in=["MPS", "GMP", "WMP"])
    assert set(VisitSlot.objects.values_list("area_id", flat=True)) == set(
        areas.values_list("pk", flat=True)
    )
    # Survey fieldwork stops at the as-of day: later interviews are still to do.
    assert not Response.objects.filter(completed_at__gte=end).exists()
    assert not CallAttempt.objects.filter(at__gte=end).exists()
    assert all(sample.fieldwork_on <= as_of for sample in Sample.objects.all())
    for plan in RolloutPlan.objects.all():
        assert all(day <= as_of for day in wave_starts(plan).values())
    for username in DEMO_OFFICERS:
        officer = User.objects.get(username=username)
        assert Case.objects.filter(officer_in_charge=officer, status__in=OPEN_STATUSES).exists()
        work = worklist_filtered(user=officer, filters=WorklistFilter(), now=end)
        assert work.filter(due_at__lt=end).exists(), username
        assert work.filter(due_at__gte=end).exists(), username


def test_the_same_seed_and_as_of_day_build_the_same_world():
    build(seed=7, as_of=date(2026, 3, 17))
    first = snapshot()
    build(seed=7, as_of=date(2026, 3, 17), reset=True)
    assert snapshot() == first


def test_a_pinned_as_of_day_is_another_world_and_the_future_is_refused(settings):
    build(seed=7, as_of=date(2026, 9, 30))
    with pytest.raises(DemoWorldError, match="--reset"):
        build(seed=7, as_of=date(2026, 3, 17))
    tomorrow = timezone.localdate(timezone=LONDON) + timedelta(days=1)
    with pytest.raises(DemoWorldError, match="after today"):
        build(seed=7, as_of=tomorrow, reset=True)
    # Unpinned (today), the world built on an earlier day is kept, and says so.
    settings.DEMO_AS_OF = None
    result = build(seed=7)
    assert not result.created
    assert "activity to 30 September 2026" in result.summary
    assert "--reset" in result.summary
