"""`victimcare report-pack` and `victimcare open-data`: files written, errors in one line."""

from __future__ import annotations

import csv

import pytest

from tests.oversight.factories import QUARTER, responses_make
from victimcare.cli import main

pytestmark = pytest.mark.django_db


def test_open_data_writes_the_csv_the_dictionary_and_the_licence(tmp_path):
    responses_make(per_month=10, months=3)
    code = main(
        [
            "open-data",
            "--period",
            QUARTER.code,
            "--force",
            "MPS,GMP",
            "--out",
            str(tmp_path),
            "--threshold",
            "20",
        ]
    )
    assert code == 0
    rows = list(csv.DictReader((tmp_path / f"victim-satisfaction-{QUARTER.code}.csv").open()))
    assert {r["force_code"] for r in rows} == {"MPS", "GMP", "ALL"}
    assert all(
        r["responses"] == "" or int(r["responses"]) in (0,) or int(r["responses"]) >= 20
        for r in rows
    )
    assert "Open Government Licence" in (tmp_path / "LICENCE.txt").read_text()
    assert (tmp_path / "data-dictionary.csv").exists()


def test_report_pack_writes_a_pdf(tmp_path):
    responses_make(per_month=10, months=3)
    out = tmp_path / "pack.pdf"
    assert main(["report-pack", "--force", "MPS", "--period", QUARTER.code, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report-pack", "--force", "NOPE", "--period", "2026Q3", "--out", "x.pdf"], "no force"),
        (["report-pack", "--force", "MPS", "--period", "2026Q9", "--out", "x.pdf"], "quarter"),
        (["report-pack", "--force", "MPS", "--period", "0001Q1", "--out", "x.pdf"], "2000"),
        (["report-pack", "--force", "MPS", "--period", "9999Q4", "--out", "x.pdf"], "2000"),
        (["open-data", "--period", "0001Q1", "--out", "x"], "between 2000 and"),
        (["open-data", "--period", "2026Q3", "--out", "x", "--threshold", "0"], "threshold"),
    ],
)
def test_errors_are_one_line_and_exit_2(capsys, args, message):
    responses_make(per_month=2, months=1)
    assert main(args) == 2
    assert message in capsys.readouterr().err
