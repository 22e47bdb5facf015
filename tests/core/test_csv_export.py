"""Every CSV victimcare writes goes through one writer whose cells no spreadsheet runs as
formulas (OWASP's CSV injection advice: a leading ' on text starting = + - @ tab CR), while
plain numbers such as -0.5 stay numbers."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from victimcare.core.csv_export import cell_neutralise, csv_dict_writer, csv_writer
from victimcare.estimation.cli import cell_neutralise as estimation_cell_neutralise

SRC = Path(__file__).resolve().parents[2] / "src" / "victimcare"

CELLS = [
    # (value written, value in the file)
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("=1+1", "'=1+1"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("-", "'-"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    (" =1+1", "' =1+1"),  # spreadsheets skip leading spaces before a formula
    ("\n@SUM(A1)", "'\n@SUM(A1)"),
    ("+44 7700 900123", "'+44 7700 900123"),  # not a plain number: text
    ("-inf", "'-inf"),
    # Plain numbers are data, never formulas.
    ("-0.5", "-0.5"),
    ("+12", "+12"),
    ("-12.75", "-12.75"),
    ("-.5", "-.5"),
    ("-1e-05", "-1e-05"),
    ("+447700900123", "+447700900123"),
    # Ordinary text and values are untouched.
    ("Hackney", "Hackney"),
    ("a=b", "a=b"),
    ("MPS-26-000123", "MPS-26-000123"),
    ("", ""),
    (-0.5, -0.5),
    (-3, -3),
    (Decimal("-1.5"), Decimal("-1.5")),
    (None, None),
]


@pytest.mark.parametrize(("value", "written"), CELLS)
def test_text_a_spreadsheet_would_run_is_neutralised_and_numbers_are_not(value, written):
    assert cell_neutralise(value) == written


@pytest.mark.parametrize(("value", "written"), CELLS)
def test_the_estimation_cli_follows_the_same_rule(value, written):
    """estimation imports nothing of victimcare, so it keeps a copy: the copy agrees."""
    assert estimation_cell_neutralise(value) == written


def test_the_writer_neutralises_every_cell_of_every_row():
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(["name", "score"])
    writer.writerows([["=1+1", -0.5], ["@x", "-0.25"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["name", "score"],
        ["'=1+1", "-0.5"],
        ["'@x", "-0.25"],
    ]


def test_the_dict_writer_neutralises_values_and_keeps_the_header():
    out = io.StringIO()
    writer = csv_dict_writer(out, fieldnames=["area", "ci_low"], lineterminator="\n")
    writer.writeheader()
    writer.writerow({"area": '=HYPERLINK("http://x","y")', "ci_low": "-1.2"})
    assert out.getvalue() == 'area,ci_low\n"\'=HYPERLINK(""http://x"",""y"")",-1.2\n'


def test_the_open_data_csv_neutralises_names():
    from victimcare.oversight.opendata import COLUMNS, rows_csv

    row = dict.fromkeys(COLUMNS, "")
    row.update({COLUMNS[0]: "=1+1", COLUMNS[-1]: "-0.5"})
    line = rows_csv([row]).splitlines()[1]
    assert line.startswith("'=1+1,")
    assert line.endswith(",-0.5")


# Modules that may call the csv module's writers: the safe writer itself, and the
# estimation CLI's output (it neutralises every cell with its own cell_neutralise).
# The small-area command writes numbers and the area's name, which it neutralises the same way.
ALLOWED = {"core/csv_export.py", "estimation/output.py", "estimation/sae_cli.py"}
RAW_WRITER = re.compile(r"\bcsv\.(?:writer|DictWriter)\(|\.to_csv\(")


def test_no_module_writes_csv_except_through_the_safe_writer():
    offenders = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if str(path.relative_to(SRC)) not in ALLOWED
        and RAW_WRITER.search(path.read_text(encoding="utf-8"))
    )
    assert not offenders, f"write CSV with victimcare.core.csv_export instead: {offenders}"
