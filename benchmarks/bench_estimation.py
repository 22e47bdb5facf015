"""Benchmark: victimcare.estimation vs a plain DuckDB GROUP BY, svy (PyPI) and R's survey.

    python benchmarks/bench_estimation.py [--sizes 1000000,10000000] [--quick]

Synthetic responses: 172 strata (police forces' areas), 20 domains (5 groups x 4
quarters), positive weights, a 0/1 "satisfied" column; the estimate is the proportion
satisfied by the two domain columns (logit intervals, design df), as
``svyby(~satisfied, ~group+quarter, design, svyciprop)``.

Printed per size: seconds for this library (DuckDB push-down, numpy in memory, SQLite at
the smallest size), for the same per-stratum sums by a plain DuckDB GROUP BY (the
baseline), for svy (skipped with the reason when it cannot be imported), and for R's
survey at the first size when Rscript is present; the ratios; and the largest relative
difference between engines (goal: below 1e-9). Goals: within 3x of the DuckDB sums,
20x faster than svy, 100x faster than R. Every external run is bounded by a timeout.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("victimcare") is None:
    sys.path.insert(0, str(ROOT / "src"))

import duckdb  # noqa: E402 (after the sys.path fix above)

from victimcare.estimation import Design  # noqa: E402 (after the sys.path fix above)

STRATA = 172
GROUPS = 5
QUARTERS = 4
R_TIMEOUT = 600
SVY_BUDGET = 180.0


def make_data(con: duckdb.DuckDBPyConnection, n: int) -> None:
    con.execute("SELECT setseed(0.42)")
    con.execute("DROP TABLE IF EXISTS responses")
    con.execute(
        f"""
        CREATE TABLE responses AS
        SELECT CAST(floor(random() * {STRATA}) AS INTEGER) AS stratum,
               CAST(floor(random() * {GROUPS}) AS INTEGER) AS grp,
               CAST(floor(random() * {QUARTERS}) AS INTEGER) AS quarter,
               1.0 + 99.0 * random() AS w,
               CAST(random() < 0.72 AS INTEGER) AS satisfied
        FROM range(?) AS t(i)
        """,
        [n],
    )


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def baseline(con: duckdb.DuckDBPyConnection):
    return con.execute(
        "SELECT grp, quarter, stratum, COUNT(*), SUM(w), SUM(w * satisfied), "
        "SUM(w * w * satisfied), SUM(w * w) FROM responses GROUP BY grp, quarter, stratum"
    ).fetchall()


SVY_PROCESS = (
    "import sys; import polars as pl; import svy; df = pl.read_parquet(sys.argv[1]); "
    "s = svy.Sample(data=df, design=svy.Design(stratum='stratum', wgt='w')); "
    "print(s.estimation.prop(y='satisfied', by=['grp', 'quarter'], ci_method='logit'))"
)


def svy_importable() -> str | None:
    """None when svy (and polars) import, else why not."""
    try:
        import polars  # noqa: F401 (only checking that it imports)
        import svy  # noqa: F401 (only checking that it imports)
    except Exception as exc:  # noqa: BLE001 (any import failure: skip svy)
        return (
            f"skipped: svy is not importable ({type(exc).__name__}: {exc}); make bench installs it"
        )
    return None


def whole_process(
    con: duckdb.DuckDBPyConnection, tmp: Path, *, with_svy: bool
) -> tuple[float, float, str, float | None]:
    """Whole-process seconds on a Parquet file: ``victimcare estimate`` (new interpreter,
    imports, reading the file, estimates, printing) against a new interpreter that runs
    the plain DuckDB GROUP BY of the same sums on the same file (the CLI aggregates a
    Parquet file in place with DuckDB); and where the library's time goes (imports, the
    design's structure query, the estimate), from timers in a third process. With
    ``with_svy``, also svy's whole process on the same file (import, polars reading the
    Parquet, the estimate, printing it), run once."""
    path = tmp / "responses.parquet"
    con.execute(f"COPY responses TO '{path}' (FORMAT PARQUET)")
    lib = [
        sys.executable,
        "-m",
        "victimcare.estimation.cli",
        str(path),
        "--y",
        "satisfied",
        "--stat",
        "proportion",
        "--by",
        "grp,quarter",
        "--strata",
        "stratum",
        "--weight",
        "w",
        "--format",
        "csv",
    ]
    base = [
        sys.executable,
        "-c",
        'import duckdb, sys; duckdb.sql("SELECT grp, quarter, stratum, COUNT(*), SUM(w), '
        "SUM(w * satisfied), SUM(w * w * satisfied), SUM(w * w) FROM read_parquet('\" + "
        'sys.argv[1] + "\') GROUP BY ALL").fetchall()',
        str(path),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

    def run(cmd: list[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env, timeout=R_TIMEOUT)
        return time.perf_counter() - t0

    t_lib = min(run(lib) for _ in range(2))
    t_base = min(run(base) for _ in range(2))
    t_svy = run([sys.executable, "-c", SVY_PROCESS, str(path)]) if with_svy else None
    probe = (
        "import time, sys; t0 = time.perf_counter(); import duckdb; "
        "from victimcare.estimation import Design; t1 = time.perf_counter(); "
        "con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); "
        "g = Design.from_sql(con, query='SELECT * FROM read_parquet(?)', "
        "params=[sys.argv[1]], strata='stratum', weight='w'); t2 = time.perf_counter(); "
        "g.proportion('satisfied', by=['grp', 'quarter']); t3 = time.perf_counter(); "
        "print(f'import {t1 - t0:.2f} s, design (one GROUP BY on the file) {t2 - t1:.2f} s, "
        "estimate (one GROUP BY, variances, intervals) {t3 - t2:.2f} s')"
    )
    where = subprocess.run(
        [sys.executable, "-c", probe, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=R_TIMEOUT,
    ).stdout.strip()
    return t_lib, t_base, where, t_svy


def estimates(design: Design):
    return design.proportion("satisfied", by=["grp", "quarter"])


def max_rel(a, b) -> float:
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        for u, v in ((x.estimate, y.estimate), (x.se, y.se), (x.ci_low, y.ci_low)):
            worst = max(worst, abs(u - v) / max(abs(u), 1e-300))
    return worst


def run_svy(arrays: dict[str, np.ndarray]) -> tuple[float | None, str]:
    """svy in process (svy 0.35's API): the estimate on a polars frame already built."""
    reason = svy_importable()
    if reason:
        return None, reason
    import polars as pl
    import svy

    df = pl.DataFrame({k: arrays[k] for k in ("stratum", "grp", "quarter", "w", "satisfied")})
    sample = svy.Sample(data=df, design=svy.Design(stratum="stratum", wgt="w"))
    t0 = time.perf_counter()
    sample.estimation.prop(y="satisfied", by=["grp", "quarter"], ci_method="logit")
    return time.perf_counter() - t0, "ok"


def run_r(con: duckdb.DuckDBPyConnection) -> tuple[float | None, str]:
    if shutil.which("Rscript") is None:
        return None, "skipped: Rscript not installed"
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "responses.csv"
        con.execute(f"COPY responses TO '{csv_path}' (HEADER, DELIMITER ',')")
        script = Path(tmp) / "bench.R"
        script.write_text(
            "suppressMessages(library(survey))\n"
            f"d <- read.csv('{csv_path}')\n"
            "t0 <- proc.time()[['elapsed']]\n"
            "des <- svydesign(id=~1, strata=~stratum, weights=~w, data=d)\n"
            "b <- svyby(~satisfied, ~grp+quarter, des, svyciprop, vartype='ci')\n"
            "cat(proc.time()[['elapsed']] - t0, '\\n')\n"
        )
        try:
            proc = subprocess.run(
                ["Rscript", str(script)],
                capture_output=True,
                text=True,
                timeout=R_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None, f"timed out after {R_TIMEOUT}s"
        if proc.returncode != 0:
            return None, "failed: " + proc.stderr.strip().splitlines()[-1]
        return float(proc.stdout.split()[-1]), "ok"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--sizes",
        default="1000000,10000000",
        help="comma-separated numbers of responses (default 1000000,10000000)",
    )
    p.add_argument("--quick", action="store_true", help="one small size (smoke test)")
    p.add_argument("--no-r", action="store_true", help="leave R out")
    args = p.parse_args(argv)
    sizes = [20_000] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    con = duckdb.connect()
    svy_last: tuple[int, float] | None = None
    for i, n in enumerate(sizes):
        make_data(con, n)
        print(f"== {n:,} responses, {STRATA} strata, {GROUPS * QUARTERS} domains")
        t_base, _ = timed(lambda: baseline(con))

        def via_duckdb():
            return estimates(Design.from_sql(con, "responses", strata="stratum", weight="w"))

        t_duck, est_duck = timed(via_duckdb)
        d_duck = Design.from_sql(con, "responses", strata="stratum", weight="w")
        t_duck_est, _ = timed(lambda d=d_duck: estimates(d))
        arrays = con.execute("SELECT * FROM responses").fetchnumpy()
        d_np = Design(arrays, strata="stratum", weight="w")
        t_np, est_np = timed(lambda d=d_np: estimates(d))
        t_np_all, _ = timed(lambda a=arrays: estimates(Design(a, strata="stratum", weight="w")), 1)
        diffs = {"numpy": max_rel(est_duck, est_np)}
        lines = [
            f"  DuckDB GROUP BY sums (baseline)      {t_base:8.3f} s",
            f"  library, DuckDB push-down (design+estimate) {t_duck:8.3f} s"
            f"   ratio to baseline {t_duck / t_base:5.2f}x",
            f"  library, DuckDB push-down (estimate) {t_duck_est:8.3f} s"
            f"   ratio to baseline {t_duck_est / t_base:5.2f}x",
            f"  library, numpy in memory (estimate)  {t_np:8.3f} s"
            f"   ratio to baseline {t_np / t_base:5.2f}x",
            f"  library, numpy (design+estimate)     {t_np_all:8.3f} s",
        ]
        if i == 0:
            import sqlite3

            lite = sqlite3.connect(":memory:")
            lite.execute(
                "CREATE TABLE responses (stratum INTEGER, grp INTEGER, "
                "quarter INTEGER, w REAL, satisfied INTEGER)"
            )
            lite.executemany(
                "INSERT INTO responses VALUES (?, ?, ?, ?, ?)",
                con.execute("SELECT * FROM responses").fetchall(),
            )
            t_lite, est_lite = timed(
                lambda c=lite: estimates(
                    Design.from_sql(c, "responses", strata="stratum", weight="w")
                ),
                1,
            )
            diffs["sqlite"] = max_rel(est_duck, est_lite)
            lines.append(f"  library, SQLite push-down            {t_lite:8.3f} s")
        # svy: bounded by projecting from the previous size
        svy_skip = svy_importable()
        if svy_last is not None and svy_last[1] * n / svy_last[0] > SVY_BUDGET:
            svy_skip = (
                f"skipped: projected {svy_last[1] * n / svy_last[0]:.0f} s > budget "
                f"{SVY_BUDGET:.0f} s"
            )
        with tempfile.TemporaryDirectory() as tmp:
            t_lib, t_pq, where, t_svy_pq = whole_process(con, Path(tmp), with_svy=not svy_skip)
        lines.append(
            f"  whole process on Parquet: victimcare estimate {t_lib:8.3f} s, plain DuckDB "
            f"GROUP BY {t_pq:8.3f} s, ratio {t_lib / t_pq:5.2f}x (goal 3x)"
        )
        if t_svy_pq is not None:
            lines.append(
                f"  whole process on Parquet: svy {t_svy_pq:8.3f} s, victimcare estimate is "
                f"{t_svy_pq / t_lib:5.1f}x faster (goal 10x)"
            )
        lines.append(f"    where the library's time goes: {where}")
        print("\n".join(lines))
        if svy_skip:
            print(f"  svy in process                       {svy_skip}")
        else:
            t_svy, status = run_svy(arrays)
            if t_svy is None:
                print(f"  svy in process                       {status}")
            else:
                svy_last = (n, t_svy)
                print(
                    f"  svy in process (estimate)            {t_svy:8.3f} s"
                    f"   library (DuckDB) is {t_svy / t_duck:6.1f}x faster,"
                    f" numpy {t_svy / t_np:6.1f}x (goal 20x)"
                )
        if i == 0 and not args.no_r:
            t_r, status = run_r(con)
            if t_r is None:
                print(f"  R survey (svyby svyciprop)           {status}")
            else:
                print(
                    f"  R survey (svyby svyciprop)           {t_r:8.3f} s"
                    f"   library (DuckDB) is {t_r / t_duck:6.0f}x faster"
                )
        worst = max(diffs.values())
        verdict = "OK" if worst < 1e-9 else "DIFFERENT"
        detail = ", ".join(f"{k} {v:.1e}" for k, v in diffs.items())
        print(f"  engines agree: max relative difference vs DuckDB {detail}: {verdict}")
        if worst >= 1e-9:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
