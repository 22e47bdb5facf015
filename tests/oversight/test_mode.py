"""Survey mode is a reporting variable: satisfaction by mode on the dashboard (through the
publication rule), and a note, by a stated rule, when a quarter's mix of modes changed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import staff_make
from tests.oversight.factories import QUARTER, responses_make
from victimcare.accounts.constants import Role
from victimcare.oversight import figure_services, publication


def _rows(now: dict[str, int], before: dict[str, int]) -> list[dict]:
    return [
        {"label": m, "n": now.get(m, 0), "n_previous": before.get(m, 0)}
        for m in sorted(set(now) | set(before))
    ]


@pytest.mark.parametrize(
    ("now", "before", "incomplete", "changed", "words"),
    [
        ({"web": 60, "telephone": 40}, {"web": 50, "telephone": 50}, None, True, "changed"),
        ({"web": 59, "telephone": 41}, {"web": 50, "telephone": 50}, None, False, "steady"),
        ({"web": 100}, {"telephone": 100}, None, True, "web 0% to 100%"),
        ({"web": 60}, {}, None, None, "a quarter has no responses"),
        (
            {"web": 60},
            {"web": 10, "telephone": 90},
            "fieldwork is incomplete",
            None,
            "not compared",
        ),
    ],
)
def test_the_mode_mix_rule(now, before, incomplete, changed, words):
    """A mix has changed when any mode's share of responses moved 10 points or more."""
    mix = publication.mode_mix(_rows(now, before), incomplete=incomplete)
    assert mix["changed"] is changed
    assert words in mix["note"]
    assert "10 percentage points" in mix["rule"]


@pytest.fixture
def mps(db):
    from victimcare.surveys.models import Response

    mps = responses_make(per_month=40, months=6, seed=6)[0]
    # The quarter before: all web. This quarter: two in three by telephone.
    july_on = Response.objects.filter(force=mps, month__gte=QUARTER.first_month)
    ids = list(july_on.order_by("id").values_list("id", flat=True))
    Response.objects.filter(id__in=ids[: len(ids) * 2 // 3]).update(mode="telephone")
    Response.objects.filter(id__in=ids[len(ids) * 2 // 3 :][:5]).update(mode="agency")
    return mps


def test_the_dashboard_gives_satisfaction_by_mode_through_the_publication_rule(mps):
    fig = figure_services.dashboard_compute(force=mps, quarter=QUARTER, use_cache=False)
    rows = {r["value"]: r for r in fig["mode_mix"]["rows"]}
    assert set(rows) == {"web", "telephone", "agency"}
    assert rows["telephone"]["estimate"]["published"] is True
    assert rows["agency"]["estimate"]["published"] is False  # 5 responses: no rate
    assert "too few responses" in rows["agency"]["estimate"]["withheld"]
    assert sum(r["n"] for r in rows.values()) == fig["headline"]["quarter"]["n"]
    assert rows["web"]["share_previous"] == 1.0
    assert fig["mode_mix"]["changed"] is True


def test_the_dashboard_notes_a_changed_mode_mix_with_its_rule(client, mps):
    client.force_login(staff_make(Role.ANALYST, force=mps))
    html = client.get(
        reverse("oversight:dashboard", kwargs={"code": "MPS"}), {"quarter": QUARTER.code}
    ).content.decode()
    note = re.search(r'id="mode-mix-note">(.*?)</p>', html, re.S).group(1)
    assert "mix survey modes" in note
    assert "The mix of survey modes changed from the previous quarter" in note
    table = html[html.index('id="mode-table"') :].split("</table>")[0]
    assert 'data-mode="telephone"' in table
    assert "10 percentage points" in html


def test_open_data_gives_mode_as_a_breakdown_through_the_publication_rule(mps):
    """Open data rows by mode: a mode with 5 responses has no rate (suppressed), and
    secondary suppression keeps it from being worked out from the total."""
    import csv
    import io

    from victimcare.oversight.opendata import dictionary_csv, open_data_csv

    rows = list(csv.DictReader(io.StringIO(open_data_csv(forces=[mps], quarter=QUARTER))))
    by_mode = {
        r["group"]: r
        for r in rows
        if r["breakdown"] == "mode" and r["measure"] == "whole_experience"
    }
    assert set(by_mode) == {"web", "telephone", "agency"}
    assert by_mode["agency"]["status"].startswith("suppressed: too few responses")
    assert by_mode["agency"]["percent_satisfied"] == ""
    assert by_mode["telephone"]["status"] == "published"
    assert by_mode["telephone"]["ci_low"]
    assert by_mode["telephone"]["ci_high"]
    # With agency hidden, at least one other mode is hidden too: none can be subtracted.
    assert sum(1 for r in by_mode.values() if r["status"] != "published") >= 2
    assert "mode (how the victim was surveyed" in dictionary_csv()


def test_the_report_pack_gives_satisfaction_by_mode_with_the_mix_change_note(mps):
    from victimcare.oversight.report import report_pack_html

    html = report_pack_html(force=mps, quarter=QUARTER)
    table = html[html.index('id="pack-mode-table"') :].split("</table>")[0]
    assert 'data-mode="telephone"' in table
    assert 'data-mode="agency"' in table
    agency = table[table.index('data-mode="agency"') :].split("</tr>")[0]
    assert "too few responses" in agency  # 5 responses: no rate
    note = re.search(r'id="pack-mode-mix-note">(.*?)</p>', html, re.S).group(1)
    assert "mix survey modes" in note
    assert "The mix of survey modes changed from the previous quarter" in note
    assert 'id="summary-mode-mix"' in html
    assert "10 percentage points" in html
    assert '<a href="#mode">' in html
