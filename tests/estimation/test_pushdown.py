"""Push-down: the same numbers whether numpy, DuckDB, SQLite or PostgreSQL sums them."""

from __future__ import annotations

import math
import os
import sqlite3
from typing import Any

import duckdb
import numpy as np
import pytest

from victimcare.estimation import Design, DesignError
from victimcare.estimation.memory import DesignSpec
from victimcare.estimation.pushdown import SqlSource, aggregation_sql, quote_ident
from victimcare.estimation.sums import needed_terms

from .conftest import DESIGNS, api

TOL = 1e-9
COLUMNS = [
    "stype",
    "sch.wide",
    "dnum",
    "snum",
    "cname",
    "pw",
    "fpc",
    "fpc1",
    "fpc2",
    "api00",
    "api99",
    "enroll",
    "api.stu",
    "acs.core",
    "yes",
    "ell0",
]


def _py(v: Any) -> Any:
    if v is np.ma.masked or v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    return v.item() if isinstance(v, np.generic) else v


def rows_of(data: dict[str, np.ndarray]) -> tuple[list[str], list[tuple]]:
    cols = [c for c in COLUMNS if c in data]
    n = len(data[cols[0]])
    return cols, [tuple(_py(data[c][i]) for c in cols) for i in range(n)]


def load(conn: Any, table: str, data: dict[str, np.ndarray], placeholder: str = "?") -> None:
    cols, rows = rows_of(data)
    types = {c: ("TEXT" if data[c].dtype == object else "DOUBLE PRECISION") for c in cols}
    ddl = ", ".join(f"{quote_ident(c)} {types[c]}" for c in cols)
    cur = conn if isinstance(conn, duckdb.DuckDBPyConnection) else conn.cursor()
    cur.execute(f"CREATE TEMPORARY TABLE {quote_ident(table)} ({ddl})")
    marks = ", ".join([placeholder] * len(cols))
    cur.executemany(f"INSERT INTO {quote_ident(table)} VALUES ({marks})", rows)


def postgres() -> Any:
    """A PostgreSQL connection: $POSTGRES_URL, else $DATABASE_URL when it names
    PostgreSQL (as the project's PostgreSQL test runs set it), else the local default.
    Skips when none answers, except under CI=true: CI has a server (``make
    test-postgres`` requires one), so the push-down parity on PostgreSQL must run."""
    psycopg = pytest.importorskip("psycopg")
    database_url = os.environ.get("DATABASE_URL", "")
    named = os.environ.get("POSTGRES_URL") or (
        database_url if database_url.startswith(("postgres://", "postgresql://")) else ""
    )
    url = named or "postgres://postgres@127.0.0.1:5432/postgres"
    try:
        return psycopg.connect(url, connect_timeout=3, autocommit=True)
    except Exception as exc:  # noqa: BLE001 (any failure to connect: skip)
        reason = f"no PostgreSQL answers at {url}: {str(exc).splitlines()[0]}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def engines():
    """One connection per engine with the api tables loaded (temporary tables)."""
    out: dict[str, Any] = {}
    duck = duckdb.connect()
    lite = sqlite3.connect(":memory:")
    for name in ("apistrat", "apiclus1", "apiclus2", "apisrs"):
        load(duck, name, api(name))
        load(lite, name, api(name))
    out["duckdb"] = duck
    out["sqlite"] = lite
    try:
        pg = postgres()
    except pytest.skip.Exception:
        pg = None
    if pg is not None:
        for name in ("apistrat", "apiclus1", "apiclus2", "apisrs"):
            load(pg, name, api(name), placeholder="%s")
        out["postgresql"] = pg
    yield out
    for conn in out.values():
        conn.close()


CASES = [
    ("dstrat", {}),
    ("dclus1", {}),
    ("dclus2", {}),
    ("dclus2w", {}),
    ("dsrs", {}),
    ("dstrat", {"strata": "cname", "lonely_psu": "adjust", "fpc": None}),
    ("dclus1", {"strata": "stype", "nest": True, "lonely_psu": "average"}),
]


def _close(a: float, b: float) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def _all_estimates(d: Design) -> list[tuple]:
    out = []
    for by in (None, "stype", ["stype", "sch.wide"]):
        for stat, y in (
            ("mean", "api00"),
            ("total", "enroll"),
            ("proportion", "yes"),
            ("mean", "acs.core"),
        ):
            for method in ("logit", "beta", "wilson") if stat == "proportion" else ("wald",):
                res = d.estimates(stat, y, by=by, ci=method if stat == "proportion" else None)
                out += [
                    (tuple(r.by.items()), r.n, r.estimate, r.se, r.ci_low, r.ci_high, r.df, r.deff)
                    for r in res
                ]
        res = d.estimates("ratio", "api.stu", x="enroll", by=by)
        out += [(tuple(r.by.items()), r.n, r.estimate, r.se, r.df, r.deff) for r in res]
    c = d.compare("api00", "stype", "E", "M", stat="mean")
    out.append((c.difference, c.se, c.df, c.p_value))
    x = d.chisq("sch.wide", "stype")
    out.append((x.statistic, x.ndf, x.ddf, x.p_value))
    return out


@pytest.mark.parametrize(("name", "override"), CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_every_engine_gives_the_same_numbers(engines, name, override):
    data_name, kw = DESIGNS[name]
    kw = {k: v for k, v in {**kw, **override}.items() if v is not None}
    reference = _all_estimates(Design(api(data_name), **kw))
    for engine, conn in engines.items():
        d = Design.from_sql(conn, data_name, **kw)
        assert d.engine == engine
        got = _all_estimates(d)
        assert len(got) == len(reference)
        for r_row, g_row in zip(reference, got, strict=True):
            for a, b in zip(r_row, g_row, strict=True):
                if isinstance(a, float):
                    assert _close(a, b), (engine, r_row, g_row)
                else:
                    assert a == b, (engine, r_row, g_row)


def test_one_query_per_estimate_and_no_values_in_sql():
    conn = sqlite3.connect(":memory:")
    load(conn, "apiclus1", api("apiclus1"))
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    d = Design.from_sql(conn, "apiclus1", psu="dnum", weight="pw", fpc="fpc")
    seen.clear()
    d.proportion("yes", by=["stype", "sch.wide"])
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1
    assert "GROUP BY" in selects[0]
    for value in ("'E'", "'Yes'", "757"):
        assert value not in selects[0]


def test_identifiers_are_quoted():
    assert quote_ident('we"ird col') == '"we""ird col"'
    conn = duckdb.connect()
    conn.execute('CREATE TABLE "my table" ("the weight" DOUBLE, "y""q" DOUBLE, "g;x" VARCHAR)')
    conn.executemany(
        'INSERT INTO "my table" VALUES (?, ?, ?)',
        [(1.0, 1.0, "a"), (2.0, 0.0, "a"), (1.5, 1.0, "b"), (3.0, 0.0, "b")],
    )
    d = Design.from_sql(conn, "my table", weight="the weight")
    res = d.proportion('y"q', by="g;x")
    mem = Design(
        {"w": [1.0, 2.0, 1.5, 3.0], "y": [1.0, 0.0, 1.0, 0.0], "g": list("aabb")}, weight="w"
    ).proportion("y", by="g")
    assert [r.estimate for r in res] == pytest.approx([r.estimate for r in mem])
    assert [r.se for r in res] == pytest.approx([r.se for r in mem])


def test_query_source_with_parameters():
    conn = duckdb.connect()
    load(conn, "apistrat", api("apistrat"))
    d = Design.from_sql(
        conn,
        query='SELECT * FROM "apistrat" WHERE "stype" <> ?',
        params=["H"],
        strata="stype",
        weight="pw",
        fpc="fpc",
    )
    assert d.info.strata == ("E", "M")
    e = d.mean("api00", by="stype")
    assert [r.estimate for r in e] == pytest.approx([674.43, 636.60])


def test_sql_text_is_standard():
    src = SqlSource(sqlite3.connect(":memory:"), table="t")
    spec = DesignSpec(weight="w", strata="h", psu=("p",))
    sql = aggregation_sql(
        src,
        spec,
        "psu",
        a="y",
        b=None,
        by=["d"],
        terms=needed_terms("psu", deff=False, b_is_one=True, a_binary=True),
        weighted=True,
        binary=True,
    )
    assert sql.startswith('SELECT "d", "h", "p", COUNT(*)')
    assert sql.endswith('FROM "t" GROUP BY "d", "h", "p"')
    assert "DOUBLE PRECISION" in sql


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_bad_input_in_the_database(engine):
    data = api("apiclus1")
    data["pw"] = np.where(np.arange(len(data["pw"])) == 3, -1.0, data["pw"])
    conn = duckdb.connect() if engine == "duckdb" else sqlite3.connect(":memory:")
    load(conn, "t", data)
    with pytest.raises(DesignError, match="weight column 'pw' must be positive; 1 row"):
        Design.from_sql(conn, "t", psu="dnum", weight="pw")
    with pytest.raises(DesignError, match="'nope' not found"):
        Design.from_sql(conn, "t", psu="nope")
    d = Design.from_sql(conn, "t", psu="dnum", fpc="fpc")
    with pytest.raises(DesignError, match="must be 0/1"):
        d.proportion("api00")
    with pytest.raises(DesignError, match="more than one stratum"):
        Design.from_sql(conn, "t", psu="stype", strata="sch.wide")
    with pytest.raises(DesignError, match="calibration needs the data in memory"):
        d.calibrate(population_size=6194)
