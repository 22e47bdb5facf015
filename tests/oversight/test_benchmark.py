"""The national benchmark (Crime Survey for England and Wales) comes from a replaceable
data file with its source and period, and is drawn on the satisfaction trend as a
reference line, with its source and period in the caption and the data table."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.factories import staff_make
from tests.oversight.factories import QUARTER, responses_make
from victimcare.accounts.constants import Role
from victimcare.cli import main
from victimcare.oversight.benchmark import (
    BENCHMARK_FILE,
    BenchmarkFileError,
    benchmark_for,
    benchmark_read,
)
from victimcare.oversight.report import report_pack_html

FIGURE = {
    "measure": "whole_experience",
    "label": "CSEW: satisfied with the police's handling",
    "value": 62.5,
    "ci_low": 60.0,
    "ci_high": 65.0,
    "period": "year ending March 2026",
    "period_end": "2026-03",
    "source": "Office for National Statistics, test release",
    "url": "https://www.ons.gov.uk/test",
}


def _file(tmp_path, *figures) -> str:
    path = tmp_path / "csew.json"
    path.write_text(json.dumps({"figures": list(figures)}))
    return path


def test_the_shipped_benchmark_says_its_source_period_and_why_it_has_no_interval():
    (row,) = benchmark_read(BENCHMARK_FILE)
    assert row.value == pytest.approx(0.51)
    assert row.period == "year ending March 2025"
    assert "Office for National Statistics" in row.caption
    assert "https://www.ons.gov.uk/" in row.caption
    assert row.interval_text.startswith("no interval in this file")


def test_the_latest_figure_for_the_measure_is_used(tmp_path):
    older = {**FIGURE, "value": 70.0, "ci_low": None, "ci_high": None, "period_end": "2024-03"}
    chosen = benchmark_for("whole_experience", path=_file(tmp_path, older, FIGURE))
    assert (chosen["value"], chosen["interval_text"]) == (0.625, "60.0% to 65.0%")
    assert benchmark_for("treatment", path=_file(tmp_path, FIGURE)) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"measure": "overall"}, "'measure' must be one of"),
        ({"value": 151}, "'value' must be from 0 to 100"),
        ({"value": "51%"}, "'value' must be a percentage"),
        ({"ci_low": None}, "give both 'ci_low' and 'ci_high'"),
        ({"ci_low": 70.0, "ci_high": 80.0}, "give both 'ci_low' and 'ci_high' around"),
        ({"period_end": "March 2026"}, "'period_end' must be a month"),
        ({"source": ""}, "'source' must be given"),
    ],
)
def test_a_bad_benchmark_file_is_refused_clearly(tmp_path, change, message):
    with pytest.raises(BenchmarkFileError, match=message):
        benchmark_read(_file(tmp_path, {**FIGURE, **change}))


@pytest.mark.django_db
def test_the_benchmark_is_a_reference_line_on_the_trend_with_source_and_period(
    client, settings, tmp_path
):
    settings.CSEW_BENCHMARK_FILE = str(_file(tmp_path, FIGURE))  # replaced by the setting
    mps = responses_make(per_month=20, months=12, seed=4)[0]
    client.force_login(staff_make(Role.ANALYST, force=mps))
    html = client.get(
        reverse("oversight:dashboard", kwargs={"code": "MPS"}), {"quarter": QUARTER.code}
    ).content.decode()
    trend = html[html.index('aria-labelledby="dash-mps-trend') :].split("</svg>")[0]
    assert "CSEW, year ending March 2026" in trend  # the line's legend
    assert "Office for National Statistics, test release" in trend  # in the chart's desc
    table = html[html.index('id="benchmark-table"') :].split("</table>")[0]
    for text in ("62.5%", "60.0% to 65.0%", "year ending March 2026", "test release"):
        assert text in table
    assert 'href="https://www.ons.gov.uk/test"' in table
    pack = report_pack_html(force=mps, quarter=QUARTER)
    pack_table = pack[pack.index('id="benchmark-table"') :].split("</table>")[0]
    assert "year ending March 2026" in pack_table
    assert "test release" in pack_table


@pytest.mark.django_db
def test_a_broken_benchmark_file_is_reported_not_a_broken_page(client, settings, tmp_path):
    broken = tmp_path / "csew.json"
    broken.write_text("{")
    settings.CSEW_BENCHMARK_FILE = str(broken)
    mps = responses_make(per_month=5, months=3, seed=4)[0]
    client.force_login(staff_make(Role.ANALYST, force=mps))
    response = client.get(reverse("oversight:dashboard", kwargs={"code": "MPS"}))
    assert response.status_code == 200
    assert "victimcare benchmark to see why" in response.content.decode()


def test_the_benchmark_command_checks_a_file(tmp_path, capsys):
    assert main(["benchmark", "--file", str(_file(tmp_path, FIGURE))]) == 0
    assert "year ending March 2026" in capsys.readouterr().out
    assert main(["benchmark", "--file", str(_file(tmp_path, {**FIGURE, "value": -1}))]) == 2
    assert "'value' must be from 0 to 100" in capsys.readouterr().err
