"""Open data: quarterly aggregates with no cell under the threshold and none that can be
worked out from the totals; a data dictionary and the Open Government Licence."""

from __future__ import annotations

import csv
import io

import pytest

from tests.oversight.factories import QUARTER, responses_make
from tests.oversight.test_suppression import _solvable
from victimcare.oversight.opendata import ALL, ALL_FORCES, dictionary_csv, open_data_csv
from victimcare.oversight.suppression import Line

pytestmark = pytest.mark.django_db


def test_no_published_cell_is_under_the_threshold_and_none_is_recoverable():
    forces = responses_make(per_month=25, months=3, seed=11)
    text = open_data_csv(forces=forces, quarter=QUARTER, threshold=30)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    assert {r["quarter"] for r in rows} == {QUARTER.code}
    published = [r for r in rows if r["status"] == "published"]
    suppressed = [r for r in rows if r["status"] != "published"]
    assert all(int(r["responses"]) == 0 or int(r["responses"]) >= 30 for r in published)
    assert suppressed, "with about 25 responses a month some groups are small"
    assert all(r["responses"] == r["percent_satisfied"] == "" for r in suppressed)
    # Rebuild the table's additive structure and check no hidden cell is determined.
    key = lambda r: (r["force_code"], r["measure"], r["breakdown"], r["group"])  # noqa: E731 (a one-line sort key)
    counts = {key(r): int(r["responses"] or 0) for r in rows}
    lines = []
    for force, measure, breakdown, _group in counts:
        if breakdown != ALL and force != ALL_FORCES:
            members = tuple(k for k in counts if k[:3] == (force, measure, breakdown))
            lines.append(Line(members, (force, measure, ALL, ALL)))
    for measure in {k[1] for k in counts}:
        members = tuple(k for k in counts if k[1] == measure and k[2] == ALL and k[0] != ALL_FORCES)
        lines.append(Line(members, (ALL_FORCES, measure, ALL, ALL)))
    hidden = {key(r) for r in suppressed}
    assert not _solvable(counts, list(set(lines)), hidden)
    assert {r["breakdown"] for r in rows} >= {"all", "area", "ethnicity", "disability"}


def test_the_dictionary_describes_every_column_and_carries_the_licence():
    text = dictionary_csv()
    fields = {row["field"] for row in csv.DictReader(io.StringIO(text))}
    assert {"quarter", "responses", "percent_satisfied", "status", "source"} <= fields
    assert "Open Government Licence v3.0" in text


def test_the_threshold_comes_from_the_setting_unless_given(settings):
    from victimcare.oversight.opendata import dictionary_csv

    settings.OPEN_DATA_THRESHOLD = 50
    assert "fewer than 50 responses" in dictionary_csv()
    assert "fewer than 12 responses" in dictionary_csv(threshold=12)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_three_response_area_shows_no_rate_in_open_data():
    """Sutton's fault, in open data: an area with 3 responses has no rate, no interval,
    and says "too few responses"."""
    mps = responses_make(per_month=1, months=3, seed=5)[0]
    rows = _rows(open_data_csv(forces=[mps], quarter=QUARTER, threshold=30))
    areas = [r for r in rows if r["breakdown"] == "area"]
    assert areas
    for row in areas:
        assert row["percent_satisfied"] == row["ci_low"] == row["ci_high"] == ""
        assert row["status"].startswith("suppressed")
    assert any("too few responses" in r["status"] for r in areas)


def test_open_data_rows_say_which_months_they_cover_and_flag_incomplete_fieldwork(monkeypatch):
    from datetime import date

    from victimcare.oversight import publication

    mps = responses_make(per_month=40, months=1, seed=5)[0]  # September 2026 only
    rows = _rows(open_data_csv(forces=[mps], quarter=QUARTER, threshold=30))
    assert {r["reports_covered"] for r in rows} == {"Sep 2026 only (one month of reports)"}
    assert {r["fieldwork"] for r in rows} == {"complete"}
    monkeypatch.setattr(publication, "today", lambda: date(2026, 10, 20))
    rows = _rows(open_data_csv(forces=[mps], quarter=QUARTER, threshold=30))
    assert {r["fieldwork"] for r in rows} == {
        "fieldwork is incomplete: responses for September only so far"
    }


def test_an_interval_that_cannot_be_computed_is_explained_in_open_data(monkeypatch):
    """A published rate without an interval says why in ``interval_note``, never a dash."""
    from victimcare.oversight import opendata

    real = opendata._cell
    monkeypatch.setattr(opendata, "_cell", lambda e: dict(real(e), ci_low=None, ci_high=None))
    forces = responses_make(per_month=40, months=3, seed=5)
    rows = _rows(open_data_csv(forces=forces[:1], quarter=QUARTER, threshold=30))
    published = [r for r in rows if r["status"] == "published"]
    assert published
    for row in published:
        assert row["ci_low"] == row["ci_high"] == ""
        assert row["interval_note"].startswith("no interval: ")
