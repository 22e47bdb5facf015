"""GET /api/v1/satisfaction: the dashboard's figures under the one publication rule, so
that the API and the dashboard agree on every n and every suppression."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import staff_make
from tests.oversight.factories import QUARTER, responses_make
from victimcare.accounts.constants import Role

pytestmark = pytest.mark.django_db


def _get(client, **params):
    return client.get(reverse("api-v1:satisfaction"), params)


def test_a_three_response_area_shows_no_rate_in_the_api(client, settings):
    """Sutton's fault, in the API: the count is given, the rate is not, with the reason."""
    settings.OPEN_DATA_THRESHOLD = 30
    mps = responses_make(per_month=1, months=3, seed=5)[0]
    area = mps.areas.order_by("name").first()
    client.force_login(staff_make(Role.ANALYST, force=mps))
    response = _get(client, force="MPS", quarter=QUARTER.code, area=area.pk)
    assert response.status_code == 200
    body = response.json()
    assert body["area"] == area.name
    for stage in body["stages"]:
        for figure in (stage["quarter"], stage["year"]):
            assert figure["suppressed"] is True
            assert figure["estimate"] is figure["ci_low"] is figure["ci_high"] is None
            assert figure["n"] < 30
            assert "too few responses" in figure["reason"] or figure["reason"] == "no responses"
    for change in body["changes"]:
        assert change["compared"] is False
        assert change["difference"] is None
        assert change["significant"] is None
        assert change["reason"].startswith("not compared")


def test_the_api_and_the_dashboard_agree_on_n_and_suppression(client, settings):
    settings.OPEN_DATA_THRESHOLD = 30
    mps = responses_make(per_month=12, months=24, seed=8)[0]
    client.force_login(staff_make(Role.ANALYST, force=mps))
    for area in [None, *mps.areas.order_by("name")[:2]]:
        params = {"quarter": QUARTER.code, **({"area": area.pk} if area else {})}
        body = _get(client, force="MPS", **params).json()
        page = client.get(reverse("oversight:dashboard", kwargs={"code": "MPS"}), params)
        html = page.content.decode()
        table = re.search(r'id="stages-table">(.*?)</table>', html, re.S).group(1)
        for stage in body["stages"]:
            row = re.search(rf'data-stage="{stage["stage"]}">(.*?)</tr>', table, re.S).group(1)
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            assert int(cells[2]) == stage["quarter"]["n"]
            shown = cells[0].strip().endswith("%")
            assert shown is (not stage["quarter"]["suppressed"])
            if shown:
                assert cells[0].strip() == f"{stage['quarter']['estimate'] * 100:.1f}%"
        assert body["quarter_covers"] in html


def test_the_api_flags_a_quarter_whose_fieldwork_is_incomplete(client, monkeypatch):
    from datetime import date

    from victimcare.oversight import publication

    mps = responses_make(per_month=40, months=22, seed=5, first_month=date(2024, 10, 1))[0]
    monkeypatch.setattr(publication, "today", lambda: date(2026, 10, 20))
    client.force_login(staff_make(Role.OVERSIGHT, force=mps))
    body = _get(client, quarter=QUARTER.code).json()
    assert body["fieldwork_complete"] is False
    assert body["fieldwork_note"] == "fieldwork is incomplete: responses for July only so far"
    assert body["quarter_covers"] == "Jul 2026 only (one month of reports)"
    assert all(c["compared"] is False for c in body["changes"])
    assert all("fieldwork is incomplete" in c["reason"] for c in body["changes"])


@pytest.mark.parametrize(
    ("params", "status"),
    [({"quarter": "2026Q5"}, 422), ({"force": "GMP"}, 404), ({"area": 999999}, 404)],
)
def test_the_api_refuses_bad_input_clearly(client, params, status):
    forces = responses_make(per_month=2, months=3, seed=5)
    client.force_login(staff_make(Role.ANALYST, force=forces[0]))
    response = _get(client, **params)
    assert response.status_code == status
    assert response.json()["detail"]
