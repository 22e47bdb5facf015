"""Compliance by team: an obligation belongs to the team its officer is in; the figures,
breaches, monthly trend, visits and CSV of a team count that team's obligations only, and
a supervisor chooses among their own force's teams."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.care.factories import care_case_make
from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.care import selectors
from victimcare.care.constants import ObligationStatus
from victimcare.care.models import Obligation
from victimcare.care.services.events import written_information_record
from victimcare.care.services.visits import visit_offer
from victimcare.forces.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two teams of the Met with an officer and a case each, an officer in no team, and a
    team of Greater Manchester with its own case. Team A met its written information on
    time; team B let an obligation go past its deadline."""
    mps, gmp = force_make("MPS"), force_make("GMP")
    team_a = Team.objects.create(force=mps, code="hackney-response", name="Hackney response")
    team_b = Team.objects.create(force=mps, code="hackney-cid", name="Hackney investigation")
    team_g = Team.objects.create(force=gmp, code="salford-response", name="Salford response")
    officer_a = staff_make(Role.OFFICER, force=mps, team=team_a)
    officer_b = staff_make(Role.OFFICER, force=mps, team=team_b)
    loner = staff_make(Role.OFFICER, force=mps)
    officer_g = staff_make(Role.OFFICER, force=gmp, team=team_g)
    reported = timezone.now() - timedelta(hours=1)
    cases = {
        name: care_case_make(force=force, reported_at=reported, officer_in_charge=officer)
        for name, force, officer in [
            ("a", mps, officer_a),
            ("b", mps, officer_b),
            ("loner", mps, loner),
            ("g", gmp, officer_g),
        ]
    }
    written_information_record(case=cases["a"], by=officer_a)
    visit_offer(case=cases["a"], victim=cases["a"].victims.get(), by=officer_a)
    breached = Obligation.objects.filter(case=cases["b"], code="written_information").get()
    Obligation.objects.filter(pk=breached.pk).update(
        status=ObligationStatus.BREACHED,
        due_at=reported + timedelta(minutes=5),
        breached_at=reported + timedelta(minutes=5),
    )
    return {
        "mps": mps,
        "gmp": gmp,
        "teams": (team_a, team_b, team_g),
        "cases": cases,
        "breached": breached,
        "supervisor": staff_make(Role.SUPERVISOR, force=mps),
    }


def figures(world, **kwargs) -> selectors.Compliance:
    today = timezone.localdate()
    filters = selectors.ComplianceFilter(
        force_id=world["mps"].pk, start=today - timedelta(days=30), end=today, **kwargs
    )
    return selectors.compliance(user=world["supervisor"], filters=filters)


def counted(case) -> int:
    """The obligations of a case that compliance counts (cancelled unbreached ones are not)."""
    return (
        Obligation.objects.filter(case=case)
        .exclude(status=ObligationStatus.CANCELLED, breached_at__isnull=True)
        .count()
    )


def row(result, code):
    return next(r for r in result.rows if r.code == code)


def test_a_team_counts_only_the_obligations_of_its_officers(world):
    team_a, team_b, _ = world["teams"]
    cases = world["cases"]
    everyone = figures(world)
    assert sum(r.due for r in everyone.rows) == sum(
        counted(cases[name]) for name in ("a", "b", "loner")
    )
    result_a = figures(world, team_id=team_a.pk)
    assert sum(r.due for r in result_a.rows) == counted(cases["a"]) > 0
    assert row(result_a, "written_information").met_on_time == 1
    assert result_a.breaches == []
    result_b = figures(world, team_id=team_b.pk)
    assert sum(r.due for r in result_b.rows) == counted(cases["b"]) > 0
    written = row(result_b, "written_information")
    assert (written.met_on_time, written.breached) == (0, 1)
    assert [o.pk for o in result_b.breaches] == [world["breached"].pk]


def test_the_monthly_trend_and_visits_follow_the_team(world):
    team_a, team_b, _ = world["teams"]
    # Only decided obligations are in the trend: team A's met one, team B's breached one.
    assert [(e["due"], e["met_on_time"]) for e in figures(world, team_id=team_a.pk).trend] == [
        (1, 1)
    ]
    assert [(e["due"], e["met_on_time"]) for e in figures(world, team_id=team_b.pk).trend] == [
        (1, 0)
    ]
    assert figures(world, team_id=team_a.pk).visits["offered"] == 1
    assert figures(world, team_id=team_b.pk).visits["offered"] == 0


def test_a_team_combines_with_the_officer_filter(world):
    team_a, _, _ = world["teams"]
    officer_b = world["cases"]["b"].officer_in_charge
    assert figures(world, team_id=team_a.pk, officer_id=officer_b.pk).rows == []


def test_another_forces_team_gives_nothing(world):
    _, _, team_g = world["teams"]
    result = figures(world, team_id=team_g.pk)
    assert (result.rows, result.breaches, result.trend) == ([], [], [])


def test_only_the_readers_own_force_teams_can_be_chosen(world):
    team_a, team_b, _ = world["teams"]
    assert list(selectors.compliance_teams(user=world["supervisor"])) == [team_b, team_a]
    officer = world["cases"]["a"].officer_in_charge
    assert not selectors.compliance_teams(user=officer).exists()


# --- the page and the CSV ---------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming  # written as it is read, never held whole
    return [line.split(",") for line in streamed_text(response).splitlines()]


def streamed_text(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_the_page_offers_the_supervisors_own_teams(client, world):
    client.force_login(world["supervisor"])
    response = client.get("/compliance/")
    assert response.status_code == 200
    assert '<select class="govuk-select" id="id_team" name="team">' in response.text
    assert "Hackney response" in response.text
    assert "Hackney investigation" in response.text
    assert "Salford response" not in response.text


def test_the_page_and_csv_are_filtered_by_team(client, world):
    team_a, team_b, _ = world["teams"]
    client.force_login(world["supervisor"])
    page = client.get("/compliance/", {"team": team_b.pk})
    assert world["cases"]["b"].reference in page.text  # in the breaches
    assert f'<option value="{team_b.pk}" selected>' in page.text
    assert f"team={team_b.pk}" in page.text  # the CSV link keeps the filter
    summary = {
        r[1]: r[3:]
        for r in csv_rows(client.get("/compliance.csv", {"team": team_a.pk}))
        if r[0] == "summary"
    }
    assert summary["written_information"] == ["1", "1", "0", "0", "0", "1.0000"]
    rows = csv_rows(client.get("/compliance.csv", {"team": team_b.pk}))
    summary = {r[1]: r[3:] for r in rows if r[0] == "summary"}
    assert summary["written_information"] == ["1", "0", "0", "1", "0", "0.0000"]
    breaches = [r[1] for r in rows if r[0] == "breach"]
    assert breaches == [world["cases"]["b"].reference]


def test_another_forces_team_is_refused_with_a_message_and_ignored(client, world):
    _, _, team_g = world["teams"]
    client.force_login(world["supervisor"])
    page = client.get("/compliance/", {"team": team_g.pk})
    assert page.status_code == 400
    assert "There is a problem" in page.text
    assert "Choose one of your force&#x27;s teams from the list" in page.text
    assert "Salford response" not in page.text
    # The CSV of filters that were wrong is no file but the page saying what to put right,
    # and the other force's cases are never in it.
    refused = client.get("/compliance.csv", {"team": team_g.pk})
    assert refused.status_code == 400
    assert "Choose one of your force&#x27;s teams from the list" in refused.text
    assert world["cases"]["g"].reference not in refused.text
    assert world["cases"]["g"].reference not in streamed_text(client.get("/compliance.csv"))


def breach_more(world, count: int) -> None:
    """``count`` more breaches on team B's case, each due a minute apart."""
    template = world["breached"]
    for i in range(count):
        copy = Obligation.objects.get(pk=template.pk)
        copy.pk = None
        copy.occurrence = 10 + i
        copy.due_at = template.due_at - timedelta(minutes=i + 1)
        copy.breached_at = copy.due_at
        copy.save()


def test_the_breaches_are_paged_fifty_at_a_time_latest_deadline_first(client, world):
    breach_more(world, 54)  # 55 breaches in all
    client.force_login(world["supervisor"])
    first = client.get("/compliance/", {"team": world["teams"][1].pk})
    assert "Showing breaches 1 to 50 of 55, latest deadline first." in first.text
    assert "Page 1 of 2" in first.text
    assert f'href="?page=2&amp;team={world["teams"][1].pk}"' in first.text  # filter kept
    second = client.get("/compliance/", {"team": world["teams"][1].pk, "page": 2})
    assert "Showing breaches 51 to 55 of 55" in second.text
    ordered = list(
        selectors.compliance_breaches(
            user=world["supervisor"], filters=figures_filter(world)
        ).values_list("due_at", flat=True)
    )
    assert ordered == sorted(ordered, reverse=True)
    assert (
        len(
            csv_breaches := [r for r in csv_rows(client.get("/compliance.csv")) if r[0] == "breach"]
        )
        == 55
    )
    assert csv_breaches[0][1] == world["cases"]["b"].reference


def figures_filter(world) -> selectors.ComplianceFilter:
    return selectors.compliance_default_filter(force_id=world["mps"].pk, today=timezone.localdate())


def test_the_figures_are_kept_a_few_minutes_and_the_schedule_works_them_out_again(client, world):
    """A page asked for again within five minutes shows the figures it showed (saying
    when they were worked out); the worker's job refreshes each force's default view."""
    from victimcare.care.models import ComplianceSnapshot
    from victimcare.care.services.compliance import compliance_snapshots_refresh

    client.force_login(world["supervisor"])
    page = client.get("/compliance/")
    assert 'id="figures-as-at"' in page.text
    kept = ComplianceSnapshot.objects.get()
    assert kept.payload["breach_count"] == 1
    breach_more(world, 2)
    assert "of 3," not in client.get("/compliance/").text.replace("\n", " ")
    assert compliance_snapshots_refresh() == 1  # the Met's; Manchester has no supervisor
    assert ComplianceSnapshot.objects.get(pk=kept.pk).payload["breach_count"] == 3
    assert "Showing breaches 1 to 3 of 3," in client.get("/compliance/").text


def page_queries(client) -> tuple[int, str]:
    """The queries of one compliance page worked out afresh (no kept figures)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from victimcare.care.models import ComplianceSnapshot

    ComplianceSnapshot.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/compliance/")
    assert response.status_code == 200
    return len(queries), response.text


def test_the_pages_queries_do_not_grow_with_its_breaches_or_officers(client, world):
    """Each breach row (case, obligation, officer or none, enhanced rights) and each
    officer of the filter comes from the queries of the page, never one more query per
    row or officer."""
    client.force_login(world["supervisor"])
    page_queries(client)  # (the first request of a session reads more: not the page's)
    few, _ = page_queries(client)
    officers = [
        staff_make(Role.OFFICER, force=world["mps"], first_name="Officer", last_name=f"No {i}")
        for i in range(12)
    ]
    template = world["breached"]
    for i, officer in enumerate([*officers * 3, None]):
        copy = Obligation.objects.get(pk=template.pk)
        copy.pk, copy.occurrence, copy.officer = None, 10 + i, officer
        copy.due_at = copy.breached_at = template.due_at - timedelta(minutes=i + 1)
        copy.save()
    many, text = page_queries(client)
    assert many == few
    assert "Showing breaches 1 to 38 of 38" in text
    assert text.count('<option value="') >= 12 + 2  # the officers, the supervisor, "All"
    breaches = text.split('id="breaches"')[1]
    assert "Officer No 11" in breaches  # the officer of a row
    assert '<td class="govuk-table__cell">–</td>' in breaches  # a breach with no officer
    assert "None" not in breaches
    assert f'href="/cases/{world["cases"]["b"].reference}/"' in text
