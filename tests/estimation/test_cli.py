"""``victimcare estimate``: outputs, notes on missing values, one-line errors (exit 2)."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import shutil
import subprocess
import sys

import numpy as np
import pytest

from victimcare.estimation.cli import EPILOG, build_parser, main

from .conftest import DATA

STRAT = str(DATA / "apistrat.csv")
CLUS1 = str(DATA / "apiclus1.csv")
CLUS2 = str(DATA / "apiclus2.csv")


def run_json(capsys, *args: str) -> dict:
    assert main([*args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_matches_r(capsys):
    out = run_json(
        capsys,
        CLUS1,
        "--y",
        "api00",
        "--stat",
        "mean",
        "--by",
        "stype",
        "--psu",
        "dnum",
        "--weight",
        "pw",
        "--fpc",
        "fpc",
    )
    rows = out["estimates"]
    assert [r["by"] for r in rows] == [{"stype": "E"}, {"stype": "H"}, {"stype": "M"}]
    assert [r["estimate"] for r in rows] == pytest.approx([648.8680556, 618.5714286, 631.44])
    assert [r["se"] for r in rows] == pytest.approx([22.36240889, 38.02024936, 31.60946523])
    assert [r["df"] for r in rows] == [14, 7, 11]
    assert set(rows[0]) == {"by", "n", "estimate", "se", "ci_low", "ci_high", "df", "deff"}
    assert out["notes"] == []


def test_whole_sample_has_empty_by_and_weights_from_fpc(capsys):
    out = run_json(
        capsys, CLUS2, "--y", "api00", "--stat", "mean", "--psu", "dnum,snum", "--fpc", "fpc1,fpc2"
    )
    (row,) = out["estimates"]
    assert row["by"] == {}
    assert (row["estimate"], row["se"]) == pytest.approx((670.8118081, 30.09902738))


def test_missing_values_are_left_out_with_a_note(capsys):
    assert (
        main(
            [
                STRAT,
                "--y",
                "acs.core",
                "--stat",
                "total",
                "--strata",
                "stype",
                "--weight",
                "pw",
                "--fpc",
                "fpc",
                "--format",
                "json",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert any("na.rm=TRUE" in n for n in out["notes"])
    assert "note:" in captured.err
    assert "left out" in captured.err


def test_proportion_interval_methods_and_normal(capsys, bad_file):
    rows = {}
    for method in ("logit", "xlogit", "beta", "wilson", "wald"):
        out = run_json(
            capsys,
            bad_file,
            "--y",
            "met",
            "--stat",
            "proportion",
            "--strata",
            "stype",
            "--weight",
            "pw",
            "--fpc",
            "fpc",
            "--ci",
            method,
            "--df",
            "inf",
        )
        rows[method] = out["estimates"][0]
    assert rows["wald"]["ci_low"] < rows["logit"]["ci_low"]
    assert len({r["estimate"] for r in rows.values()}) == 1


def test_table_and_csv_formats(capsys):
    args = [
        STRAT,
        "--y",
        "api00",
        "--stat",
        "mean",
        "--by",
        "stype,sch.wide",
        "--strata",
        "stype",
        "--weight",
        "pw",
    ]
    assert main([*args, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "stype,sch.wide,n,estimate,se,ci_low,ci_high,df,deff"
    assert len(lines) == 7
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "estimate" in table.splitlines()[0]
    assert "E" in table


BAD = [
    (["--y", "nope", "--stat", "mean"], "y column 'nope' not found"),
    (
        ["--y", "api00", "--stat", "mean", "--weight", "stype"],
        "weight column 'stype' must be numeric",
    ),
    (["--y", "api00", "--stat", "proportion"], "must be 0/1 for a proportion; rows 1, 2, 3"),
    (["--y", "sch.wide", "--stat", "proportion"], "'sch.wide' must be numeric"),
    (
        ["--y", "api00", "--stat", "mean", "--weight", "neg"],
        "must be zero or positive and finite; rows 1, 3",
    ),
    (
        ["--y", "api00", "--stat", "mean", "--psu", "dnum", "--strata", "stype"],
        "appear(s) in more than one stratum",
    ),
    (["--y", "api00", "--stat", "mean", "--fpc", "small"], "is smaller than the sample"),
    (["--y", "api00", "--stat", "mean", "--ci", "beta"], "applies to --stat proportion only"),
    (["--y", "api00", "--stat", "mean", "--level", "95"], "--level must be between 0 and 1"),
]


@pytest.fixture
def bad_file(tmp_path):
    src = (DATA / "apistrat.csv").read_text().splitlines()
    header = src[0] + ',"neg","small","met"'
    rows = []
    for i, line in enumerate(src[1:]):
        neg = "-1" if i in (0, 2) else "1"
        rows.append(f"{line},{neg},10,{i % 2}")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return str(path)


@pytest.mark.parametrize(("args", "message"), BAD, ids=[b[1][:30] for b in BAD])
def test_bad_input_is_one_line_and_exit_2(capsys, bad_file, args, message):
    assert main([bad_file, *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("victimcare estimate: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_missing_file(capsys):
    assert main(["/no/such/file.csv", "--y", "a", "--stat", "mean"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_help_explains_every_option_with_examples():
    text = build_parser("victimcare estimate").format_help()
    for opt in (
        "--y",
        "--stat",
        "--by",
        "--weight",
        "--strata",
        "--psu",
        "--fpc",
        "--ci",
        "--level",
        "--df",
        "--format",
    ):
        assert opt in text
    assert "Examples" in text
    assert "victimcare estimate apistrat.csv" in text


def test_runs_as_a_module():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "victimcare.estimation.cli",
            STRAT,
            "--y",
            "api00",
            "--stat",
            "mean",
            "--strata",
            "stype",
            "--weight",
            "pw",
            "--fpc",
            "fpc",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["estimates"][0]["estimate"] == pytest.approx(662.2873632)
    bad = subprocess.run(
        [sys.executable, "-m", "victimcare.estimation.cli", STRAT, "--y", "zzz", "--stat", "mean"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


def test_csv_output_neutralises_domains_a_spreadsheet_would_run(tmp_path, capsys):
    """A domain value such as =HYPERLINK(...) from the data file is written as text; the
    estimates, negative ones included, stay numbers."""
    data = tmp_path / "domains.csv"
    data.write_text(
        'area,y,w\n"=HYPERLINK(""http://x"",""y"")",-1.5,1\n"=HYPERLINK(""http://x"",""y"")",'
        "-0.5,1\nHackney,2,1\nHackney,4,1\n"
    )
    assert main([str(data), "--y", "y", "--stat", "mean", "--by", "area", "--weight", "w",
                 "--format", "csv"]) == 0  # fmt: skip
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["area", "n", "estimate"]
    by_area = {row[0]: row for row in rows[1:]}
    assert set(by_area) == {'\'=HYPERLINK("http://x","y")', "Hackney"}
    assert float(by_area['\'=HYPERLINK("http://x","y")'][2]) == -1.0


PUSHED = [
    (
        "apistrat",
        [
            "--y",
            "api00",
            "--stat",
            "mean",
            "--by",
            "stype",
            "--strata",
            "stype",
            "--weight",
            "pw",
            "--fpc",
            "fpc",
            "--covariance",
        ],
    ),
    (
        "apiclus1",
        [
            "--y",
            "yes",
            "--stat",
            "proportion",
            "--by",
            "stype",
            "--psu",
            "dnum",
            "--weight",
            "pw",
            "--fpc",
            "fpc",
            "--ci",
            "beta",
            "--deff-replace",
        ],
    ),
    (
        "apiclus2",
        [
            "--y",
            "api.stu",
            "--x",
            "enroll",
            "--stat",
            "ratio",
            "--psu",
            "dnum,snum",
            "--fpc",
            "fpc1,fpc2",
        ],
    ),
    ("apisrs", ["--y", "enroll", "--stat", "total", "--fpc", "fpc"]),
]


@pytest.mark.parametrize(("name", "args"), PUSHED)
def test_parquet_is_aggregated_by_duckdb_in_place_with_the_same_answers(
    tmp_path, capsys, name, args
):
    """A Parquet file is not read into memory for the sums layer's statistics: DuckDB
    runs the one aggregation on the file; the answers equal those from the CSV."""
    import duckdb

    con = duckdb.connect()
    src = str(DATA / f"{name}.csv")
    query = (
        "SELECT *, CAST(\"sch.wide\" = 'Yes' AS INTEGER) AS yes "
        "FROM read_csv(?, header = true, nullstr = 'NA')"
    )
    pq = tmp_path / f"{name}.parquet"
    csv_path = tmp_path / f"{name}.csv"
    con.execute(f"COPY ({query.replace('?', repr(src))}) TO '{pq}' (FORMAT PARQUET)")
    con.execute(f"COPY ({query.replace('?', repr(src))}) TO '{csv_path}' (HEADER, NULLSTR 'NA')")
    outs = []
    for path in (csv_path, pq):
        assert main([str(path), *args, "--format", "json"]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    a, b = outs
    assert len(a["estimates"]) == len(b["estimates"])
    for ea, eb in zip(a["estimates"], b["estimates"], strict=True):
        for key in ("n", "estimate", "se", "ci_low", "ci_high", "df", "deff"):
            if ea[key] is None:
                assert eb[key] is None
            else:
                assert eb[key] == pytest.approx(ea[key], rel=1e-10), key
    if "covariance" in a:
        assert np.ravel(b["covariance"]["matrix"]) == pytest.approx(
            np.ravel(a["covariance"]["matrix"]), rel=1e-10
        )


def test_every_example_in_the_help_runs(tmp_path, capsys):
    """Each `victimcare estimate` example of --help exits 0 on R's api data (with the
    0/1 column "met" that its example asks to add)."""
    for name in ("apistrat", "apiclus2", "apiclus1_rep"):
        shutil.copy(DATA / f"{name}.csv", tmp_path / f"{name}.csv")
    with (DATA / "apiclus1.csv").open(newline="") as src:
        rows = list(csv.DictReader(src))
    with (tmp_path / "apiclus1.csv").open("w", newline="") as out:
        writer = csv.DictWriter(out, [*rows[0], "met"])
        writer.writeheader()
        writer.writerows({**r, "met": int(r["sch.wide"] == "Yes")} for r in rows)
    assert sum(r["sch.wide"] == "Yes" for r in rows) > 100
    text = EPILOG.replace("\\\n", "")  # join the continued lines
    commands = re.findall(r"^\s*victimcare estimate (.+)$", text, re.MULTILINE)
    assert len(commands) >= 9
    for command in commands:
        argv = shlex.split(command)
        argv[0] = str(tmp_path / argv[0])
        assert main(argv) == 0, command
        capsys.readouterr()
