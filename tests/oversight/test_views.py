"""The oversight pages render for the roles that may see aggregates, with every figure's
interval and n, and each chart beside a table."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import staff_make
from tests.oversight.factories import QUARTER, responses_make
from victimcare.accounts.constants import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    forces = responses_make()
    return {"forces": forces, "mps": forces[0], "gmp": forces[1]}


def test_dashboard_shows_headline_with_interval_and_n_and_each_chart_has_a_table(client, world):
    client.force_login(staff_make(Role.OVERSIGHT, force=world["mps"]))
    url = reverse("oversight:dashboard", kwargs={"code": "MPS"})
    response = client.get(url, {"quarter": QUARTER.code})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"95% confidence interval \d+\.\d% to \d+\.\d%; \d+ responses", html)
    charts = re.findall(r'<svg role="img" aria-labelledby="([^"]+)"', html)
    assert len(charts) >= 8
    assert html.count('<table class="govuk-table vc-figures"') >= len(charts)
    assert "Download the report pack" in html


def test_peer_table_says_peers_are_aggregates_only_and_flags_the_met(client, world):
    client.force_login(staff_make(Role.OVERSIGHT, force=world["mps"]))
    response = client.get(
        reverse("oversight:league", kwargs={"code": "MPS"}), {"quarter": QUARTER.code}
    )
    html = response.content.decode()
    assert "published aggregates" in html
    assert 'data-force="GMP"' in html
    assert 'data-force="MPS"' in html
    assert "Significantly below its peers" in html
    assert "fixed random seed" in html


def test_drivers_page_renders(client, world):
    client.force_login(staff_make(Role.ANALYST, force=world["mps"]))
    response = client.get(
        reverse("oversight:drivers", kwargs={"code": "MPS"}), {"quarter": QUARTER.code}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Stages most associated with satisfaction" in page
    assert "Where training would matter most" not in page


def test_another_force_is_not_found_for_an_analyst(client, world):
    client.force_login(staff_make(Role.ANALYST, force=world["mps"]))
    response = client.get(reverse("oversight:dashboard", kwargs={"code": "GMP"}))
    assert response.status_code == 404


def test_report_pack_is_a_pdf(client, world):
    client.force_login(staff_make(Role.OVERSIGHT, force=world["mps"]))
    response = client.get(
        reverse("oversight:report-pack", kwargs={"code": "MPS"}), {"quarter": QUARTER.code}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("scope", "kind", "extra"),
    [
        ("force", "level", {}),
        ("group", "level", {"group": "bme:1"}),
        ("area", "level", {}),
        ("force", "gap", {}),
    ],
)
def test_targets_page_shows_status_rule_and_trajectory(client, world, scope, kind, extra):
    from datetime import date

    from victimcare.oversight.services import target_create

    user = staff_make(Role.OVERSIGHT, force=world["mps"])
    if scope == "area":
        extra = {"area": world["mps"].areas.order_by("name").first()}
    target = target_create(
        user=user,
        force=world["mps"],
        measure="whole_experience",
        kind=kind,
        value=80 if kind == "level" else 3,
        deadline=date(2027, 3, 31),
        baseline_quarter="2025Q3",
        scope=scope,
        **extra,
    )
    client.force_login(user)
    response = client.get(
        reverse("oversight:targets", kwargs={"code": "MPS"}), {"quarter": QUARTER.code}
    )
    html = response.content.decode()
    assert f'id="target-{target.pk}"' in html
    status = re.search(r'data-status="([a-z_]+)"', html).group(1)
    assert status in {"achieved", "on_track", "at_risk", "off_track"}
    assert "Version 1" in html


def test_the_peer_groups_source_and_date_are_shown_wherever_peers_are(client, world, tmp_path):
    """Dashboard, league table and report pack name the peer group's source and date."""
    import json

    from victimcare.forces.services import peer_groups_load
    from victimcare.oversight.report import report_pack_html

    path = tmp_path / "groups.json"
    path.write_text(
        json.dumps(
            {
                "source": "HMICFRS most similar groups (test)",
                "as_of": "2026-04-01",
                "groups": [{"code": "msg", "name": "Test group", "forces": ["MPS", "GMP", "WMP"]}],
            }
        )
    )
    peer_groups_load(path=path)
    wanted = "Source of the groups: HMICFRS most similar groups (test), dated 1 April 2026"
    client.force_login(staff_make(Role.OVERSIGHT, force=world["mps"]))
    for name in ("oversight:dashboard", "oversight:league"):
        page = client.get(reverse(name, kwargs={"code": "MPS"}), {"quarter": QUARTER.code})
        assert wanted in page.content.decode(), name
    world["mps"].refresh_from_db()
    assert wanted in report_pack_html(force=world["mps"], quarter=QUARTER)


def test_dashboard_shows_survey_and_record_side_by_side_with_both_bases(client, world):
    client.force_login(staff_make(Role.OVERSIGHT, force=world["mps"]))
    url = reverse("oversight:dashboard", kwargs={"code": "MPS"})
    html = client.get(url, {"quarter": QUARTER.code}).content.decode()
    assert "What victims say beside what the records say" in html
    for question in ("told_about_code", "offered_vps", "offered_referral"):
        assert f'id="survey-record-{question}"' in html
    assert "Recorded as met (95% Wilson interval; victims counted)" in html
    assert "Survey: say yes (95% interval; responses)" in html
