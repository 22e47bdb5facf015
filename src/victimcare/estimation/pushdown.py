"""Push-down: the aggregation runs where the data is, in DuckDB, SQLite or PostgreSQL.

A design over a database table (or query) is checked with one GROUP BY query when it is
built (strata, PSUs, fpc, weights), and each estimate is ONE GROUP BY query returning the
per-cell sums of ``sums`` (per domain x stratum for designs without clusters, per domain x
PSU, or per domain x SSU for two-stage variances). Only those sums come back to Python;
the variance is then computed by the same numpy code as for data in memory, so every
engine gives the same numbers (to rounding, far below 1e-9 relative).

The SQL is plain: standard GROUP BY, SUM, COUNT, CASE and CAST to DOUBLE PRECISION, with
every identifier double-quoted and no value ever interpolated into the text (a source
query's own parameters are passed to the driver). It runs unchanged on SQLite, PostgreSQL
and DuckDB through their DB-API connections (``sqlite3``, ``psycopg``/``psycopg2``,
``duckdb``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import sort_key
from .errors import DesignError, NotEnoughDataError
from .memory import DesignSpec, check_fpc_convention
from .sums import CellSums, DesignInfo, Term

__all__ = ["SqlBackend", "SqlSource", "aggregation_sql", "quote_ident"]


def quote_ident(name: str) -> str:
    """An SQL identifier, double-quoted with embedded quotes doubled (SQL standard)."""
    if not isinstance(name, str) or not name or "\x00" in name:
        raise DesignError(f"invalid column or table name {name!r}")
    return '"' + name.replace('"', '""') + '"'


def _dialect(connection: Any) -> str:
    mod = type(connection).__module__.lower()
    if "duckdb" in mod:
        return "duckdb"
    if "sqlite" in mod:
        return "sqlite"
    if "psycopg" in mod or "pg8000" in mod or "postgres" in mod:
        return "postgresql"
    root = sys.modules.get(mod.split(".")[0])
    return getattr(root, "__name__", mod) or "generic"


class SqlSource:
    """A table or query on a DB-API connection.

    ``table`` is a table name or ``(schema, table)``; ``query`` an SQL query (with its own
    ``params`` in the driver's placeholder style). Identifiers are quoted; the query is
    used as a derived table.
    """

    def __init__(
        self,
        connection: Any,
        *,
        table: str | Sequence[str] | None = None,
        query: str | None = None,
        params: Sequence[Any] = (),
    ) -> None:
        if (table is None) == (query is None):
            raise DesignError("give either a table or a query")
        self.connection = connection
        self.dialect = _dialect(connection)
        self.params = tuple(params)
        if table is not None:
            parts = (table,) if isinstance(table, str) else tuple(table)
            self.from_sql = ".".join(quote_ident(p) for p in parts)
        else:
            self.from_sql = f"({query}) AS {quote_ident('_vc_source')}"

    def execute(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run a statement built by this module; returns column names and rows."""
        # DuckDB's cursor() opens a second connection that cannot see TEMP tables
        cur = self.connection if self.dialect == "duckdb" else self.connection.cursor()
        try:
            if self.params:
                cur.execute(sql, self.params)
            else:
                cur.execute(sql)
            names = [d[0] for d in cur.description or ()]
            rows = [tuple(r) for r in cur.fetchall()]
        except DesignError:
            raise
        except Exception as exc:  # driver errors: bad types, missing table...
            raise DesignError(f"the database refused the query: {_first_line(exc)}") from exc
        finally:
            if cur is not self.connection:
                # closing a cursor must not mask the result
                with contextlib.suppress(Exception):
                    cur.close()
        return names, rows

    def columns(self) -> list[str]:
        names, _ = self.execute(f"SELECT * FROM {self.from_sql} WHERE 1 = 0")  # noqa: S608 (names are our own or quoted; values are bound parameters)
        return names


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _num(col: str) -> str:
    return f"CAST({quote_ident(col)} AS DOUBLE PRECISION)"


@dataclass(frozen=True)
class _Keys:
    strata: str | None
    psu: str | None
    ssu: str | None


def _group_keys(spec: DesignSpec, level: str) -> _Keys:
    return _Keys(
        strata=spec.strata,
        psu=spec.psu[0] if spec.psu and level in ("psu", "ssu") else None,
        ssu=spec.psu[1] if len(spec.psu) == 2 and level == "ssu" else None,
    )


def aggregation_sql(
    source: SqlSource,
    spec: DesignSpec,
    level: str,
    *,
    a: str | None,
    b: str | None,
    by: Sequence[str],
    terms: Sequence[Term],
    weighted: bool,
    binary: bool,
) -> str:
    """The ONE GROUP BY query of an estimate (see the module docstring)."""
    keys = _group_keys(spec, level)
    group: list[str] = [quote_ident(c) for c in by]
    for k in (keys.strata, keys.psu, keys.ssu):
        if k is not None:
            group.append(quote_ident(k))
    ok_parts = []
    if a is not None:
        ok_parts.append(f"{quote_ident(a)} IS NOT NULL")
    if b is not None:
        ok_parts.append(f"{quote_ident(b)} IS NOT NULL")
    ok = " AND ".join(ok_parts) if ok_parts else "1 = 1"
    select = list(group)
    select.append("COUNT(*)")
    select.append(f"SUM(CASE WHEN {ok} THEN 1 ELSE 0 END)")
    for p, q, r in terms:
        factors = []
        if weighted and spec.weight:
            factors += [_num(spec.weight)] * p
        if a is not None:
            factors += [_num(a)] * q
        if b is not None:
            factors += [_num(b)] * r
        expr = " * ".join(factors) if factors else "1.0"
        select.append(f"SUM(CASE WHEN {ok} THEN {expr} ELSE 0.0 END)")
    if a is not None and binary:
        ya = quote_ident(a)
        select.append(
            f"SUM(CASE WHEN {ya} IS NOT NULL AND {ya} <> 0 AND {ya} <> 1 THEN 1 ELSE 0 END)"
        )
    if source.dialect == "sqlite":
        for col in (c for c in (a, b) if c is not None):
            qc = quote_ident(col)
            select.append(
                f"SUM(CASE WHEN typeof({qc}) NOT IN ('integer', 'real', 'null') THEN 1 ELSE 0 END)"
            )
    sql = f"SELECT {', '.join(select)} FROM {source.from_sql}"  # noqa: S608 (names are our own or quoted; values are bound parameters)
    if group:
        sql += f" GROUP BY {', '.join(group)}"
    return sql


class SqlBackend:
    """Design structure and per-cell sums computed by a database."""

    def __init__(self, source: SqlSource, spec: DesignSpec) -> None:
        self.source = source
        self.spec = spec
        self.engine = source.dialect
        self.notes: list[str] = []
        self._psu_code: Callable[[Any, Any], int] = lambda _h, _p: 0
        self._columns = source.columns()
        for name, role in spec.columns():
            if name not in self._columns:
                raise DesignError(
                    f"{role} column {name!r} not found; columns are: "
                    f"{', '.join(self._columns[:12])}",
                    column=name,
                )
        self.info = self._build()

    def column_names(self) -> list[str]:
        return list(self._columns)

    # -- structure -------------------------------------------------------------------
    def _build(self) -> DesignInfo:
        spec = self.spec
        src = self.source
        if len(spec.psu) > 2:
            raise DesignError("at most two stages of clusters are supported (psu, ssu)")
        if spec.fpc and len(spec.psu) == 2 and len(spec.fpc) == 1:
            raise DesignError(
                "a two-stage design needs an fpc column for each stage (or none at all)"
            )
        if not spec.psu and len(spec.fpc) > 1:
            raise DesignError("only one fpc column is possible without clusters")
        level = "ssu" if len(spec.psu) == 2 else ("psu" if spec.psu else "element")
        keys = _group_keys(spec, level)
        group = [quote_ident(k) for k in (keys.strata, keys.psu, keys.ssu) if k is not None]
        select = [*group, "COUNT(*)"]
        if spec.weight:
            w = quote_ident(spec.weight)
            select += [
                f"SUM(CASE WHEN {w} IS NULL THEN 1 ELSE 0 END)",
                f"SUM(CASE WHEN {_num(spec.weight)} <= 0 THEN 1 ELSE 0 END)",
            ]
            if src.dialect == "sqlite":
                select.append(
                    f"SUM(CASE WHEN typeof({w}) NOT IN ('integer', 'real', 'null') "
                    "THEN 1 ELSE 0 END)"
                )
        for f in spec.fpc:
            select += [
                f"MIN({_num(f)})",
                f"MAX({_num(f)})",
                f"SUM(CASE WHEN {quote_ident(f)} IS NULL THEN 1 ELSE 0 END)",
            ]
        sql = f"SELECT {', '.join(select)} FROM {src.from_sql}"  # noqa: S608 (names are our own or quoted; values are bound parameters)
        if group:
            sql += f" GROUP BY {', '.join(group)}"
        _, rows = src.execute(sql)
        if not rows or sum(int(r[len(group)]) for r in rows) == 0:
            raise NotEnoughDataError("the data have no rows")
        ng = len(group)
        col = ng + 1
        if spec.weight:
            nulls = sum(int(r[col] or 0) for r in rows)
            nonpos = sum(int(r[col + 1] or 0) for r in rows)
            if src.dialect == "sqlite":
                text = sum(int(r[col + 2] or 0) for r in rows)
                if text:
                    raise DesignError(
                        f"weight column {spec.weight!r} must be numeric; {text} row(s) hold text",
                        column=spec.weight,
                    )
                col += 1
            if nulls:
                raise DesignError(
                    f"weight column {spec.weight!r} has {nulls} missing value(s)",
                    column=spec.weight,
                )
            if nonpos:
                raise DesignError(
                    f"weight column {spec.weight!r} must be positive; {nonpos} row(s) are not",
                    column=spec.weight,
                )
            col += 2
        fpc_cols = []
        for f in spec.fpc:
            nulls = sum(int(r[col + 2] or 0) for r in rows)
            if nulls:
                raise DesignError(f"fpc column {f!r} has {nulls} missing value(s)", column=f)
            fpc_cols.append((col, col + 1))
            col += 3
        for i, k in enumerate(k for k in (keys.strata, keys.psu, keys.ssu) if k is not None):
            if any(r[i] is None for r in rows):
                role = "strata" if k == keys.strata else "psu"
                raise DesignError(f"{role} column {k!r} has missing values", column=k)

        si = 0 if keys.strata else None
        pi = (1 if keys.strata else 0) if keys.psu else None
        ssi = pi + 1 if (keys.ssu and pi is not None) else None
        strata_labels = sorted({r[si] for r in rows}, key=sort_key) if si is not None else [1]
        scode = {lab: i for i, lab in enumerate(strata_labels)}
        h_count = len(strata_labels)
        row_h = np.array([scode[r[si]] if si is not None else 0 for r in rows], dtype=np.int64)
        counts = np.array([int(r[ng]) for r in rows], dtype=np.int64)
        self._strata_code = scode

        psus: tuple[Any, ...] | None = None
        psu_stratum = None
        n_ssu = None
        row_p = None
        if pi is not None:
            plab = [r[pi] for r in rows]
            if spec.nest:
                keyed = sorted(
                    {(strata_labels[h], p) for h, p in zip(row_h, plab, strict=True)},
                    key=lambda t: (sort_key(t[0]), sort_key(t[1])),
                )
                pcode = {k: i for i, k in enumerate(keyed)}
                row_p = np.array(
                    [pcode[(strata_labels[h], p)] for h, p in zip(row_h, plab, strict=True)],
                    dtype=np.int64,
                )
                psus = tuple(keyed)
                self._psu_code = lambda h_lab, p: pcode[(h_lab, p)]
            else:
                owners: dict[Any, set[int]] = {}
                for h, p in zip(row_h, plab, strict=True):
                    owners.setdefault(p, set()).add(int(h))
                bad = [p for p, hs in owners.items() if len(hs) > 1]
                if bad:
                    shown = ", ".join(repr(p) for p in sorted(bad, key=sort_key)[:3])
                    raise DesignError(
                        f"psu column {spec.psu[0]!r}: PSU {shown} appear(s) in more than one "
                        "stratum; PSU ids must be nested in strata, or pass nest=True if ids "
                        "are reused across strata",
                        column=spec.psu[0],
                    )
                keyed = sorted(owners, key=sort_key)
                pcode = {k: i for i, k in enumerate(keyed)}
                row_p = np.array([pcode[p] for p in plab], dtype=np.int64)
                psus = tuple(keyed)
                self._psu_code = lambda _h_lab, p: pcode[p]
            psu_stratum = np.zeros(len(psus), dtype=np.int64)
            psu_stratum[row_p] = row_h
            if len(psus) == 1 and not (spec.nest and spec.strata):
                raise DesignError(
                    f"psu column {spec.psu[0]!r} has only one PSU; the variance cannot be "
                    "estimated",
                    column=spec.psu[0],
                )
            n_psu = np.bincount(psu_stratum, minlength=h_count)
            if ssi is not None:
                n_ssu = np.bincount(row_p, minlength=len(psus))
        else:
            n_psu = np.bincount(row_h, weights=counts, minlength=h_count).astype(np.int64)
            if int(n_psu.sum()) == 1:
                raise DesignError("the design has only one row; the variance cannot be estimated")

        popsize = None
        popsize2 = None
        if spec.fpc:
            lo = min(float(r[c[0]]) for r in rows for c in fpc_cols)
            hi = max(float(r[c[1]]) for r in rows for c in fpc_cols)
            is_pop = check_fpc_convention(lo, hi, spec.fpc[0])
            f_lo = np.full(h_count, np.inf)
            f_hi = np.full(h_count, -np.inf)
            c0 = fpc_cols[0]
            np.minimum.at(f_lo, row_h, np.array([float(r[c0[0]]) for r in rows]))
            np.maximum.at(f_hi, row_h, np.array([float(r[c0[1]]) for r in rows]))
            if np.any(f_hi - f_lo > 1e-9 * np.maximum(1.0, np.abs(f_hi))):
                h = int(np.flatnonzero(f_hi - f_lo > 1e-9 * np.maximum(1.0, np.abs(f_hi)))[0])
                raise DesignError(
                    f"fpc column {spec.fpc[0]!r} varies within stratum {strata_labels[h]!r}; "
                    "it must be constant within each stratum",
                    column=spec.fpc[0],
                )
            popsize = f_lo if is_pop else n_psu / f_lo
            if np.any(popsize < n_psu - 1e-9):
                h = int(np.flatnonzero(popsize < n_psu - 1e-9)[0])
                raise DesignError(
                    f"fpc column {spec.fpc[0]!r} is smaller than the sample in stratum "
                    f"{strata_labels[h]!r} (population {popsize[h]:g} but {n_psu[h]} sampled)",
                    column=spec.fpc[0],
                )
            if len(spec.fpc) == 2 and psus is not None and n_ssu is not None:
                if not (row_p is not None):
                    raise RuntimeError("internal error: inconsistent design structure")
                c1 = fpc_cols[1]
                g_lo = np.full(len(psus), np.inf)
                g_hi = np.full(len(psus), -np.inf)
                np.minimum.at(g_lo, row_p, np.array([float(r[c1[0]]) for r in rows]))
                np.maximum.at(g_hi, row_p, np.array([float(r[c1[1]]) for r in rows]))
                if np.any(g_hi - g_lo > 1e-9 * np.maximum(1.0, np.abs(g_hi))):
                    raise DesignError(
                        f"fpc column {spec.fpc[1]!r} varies within a PSU; it must be constant "
                        "within each PSU",
                        column=spec.fpc[1],
                    )
                popsize2 = g_lo if is_pop else n_ssu / g_lo
                if np.any(popsize2 < n_ssu - 1e-9):
                    raise DesignError(
                        f"fpc column {spec.fpc[1]!r} is smaller than the sample in a PSU",
                        column=spec.fpc[1],
                    )
        weight_source = "column"
        cell_weight = None
        cell_level = None
        if not spec.weight:
            if popsize is not None:
                weight_source = "fpc"
                cw = popsize / n_psu
                cell_level = "stratum"
                if popsize2 is not None and n_ssu is not None and psu_stratum is not None:
                    cw = cw[psu_stratum] * popsize2 / n_ssu
                    cell_level = "psu"
                cell_weight = cw
            else:
                weight_source = "equal"
                cell_weight = np.ones(h_count)
                cell_level = "stratum"
                self.notes.append("no weights or fpc given: equal weights assumed (as R does)")
        stage2 = bool(len(spec.psu) == 2 and popsize2 is not None and not spec.with_replacement)
        return DesignInfo(
            strata=tuple(strata_labels),
            n_psu=n_psu.astype(np.int64),
            popsize=None if spec.with_replacement else popsize,
            n_rows=int(counts.sum()),
            psus=psus,
            psu_stratum=psu_stratum,
            n_ssu=n_ssu if stage2 else None,
            popsize2=popsize2 if stage2 else None,
            weight_source=weight_source,  # type: ignore[arg-type]
            cell_weight=cell_weight,
            cell_weight_level=cell_level,  # type: ignore[arg-type]
            has_strata=bool(spec.strata),
            stage2_variance=stage2,
        )

    # -- estimates --------------------------------------------------------------------
    def aggregate(
        self,
        *,
        a: str | None,
        b: str | None,
        by: tuple[str, ...],
        binary: bool,
        terms: list[Term],
        weights: np.ndarray | None = None,
    ) -> tuple[CellSums, int]:
        if weights is not None:
            raise DesignError("calibrated weights need the data in memory")
        info = self.info
        level = info.level
        weighted = info.weight_source == "column"
        sql = aggregation_sql(
            self.source,
            self.spec,
            level,
            a=a,
            b=b,
            by=by,
            terms=terms,
            weighted=weighted,
            binary=binary,
        )
        _, rows = self.source.execute(sql)
        nb = len(by)
        keys = _group_keys(self.spec, level)
        pos = nb
        si = pi = ssi = None
        if keys.strata is not None:
            si, pos = pos, pos + 1
        if keys.psu is not None:
            pi, pos = pos, pos + 1
        if keys.ssu is not None:
            ssi, pos = pos, pos + 1
        c_rows, c_n = pos, pos + 1
        t0 = pos + 2
        extra = t0 + len(terms)
        if a is not None and binary:
            bad = sum(int(r[extra] or 0) for r in rows)
            if bad:
                raise DesignError(
                    f"y column {a!r} must be 0/1 for a proportion; {bad} row(s) hold other values",
                    column=a,
                )
            extra += 1
        if self.source.dialect == "sqlite":
            for col in (c for c in (a, b) if c is not None):
                bad = sum(int(r[extra] or 0) for r in rows)
                if bad:
                    role = "y" if col == a else "x"
                    raise DesignError(
                        f"{role} column {col!r} must be numeric; {bad} row(s) hold text",
                        column=col,
                    )
                extra += 1

        n_by_missing = 0
        kept = []
        for r in rows:
            if any(r[i] is None for i in range(nb)):
                n_by_missing += int(r[c_rows])
            else:
                kept.append(r)
        if by:
            dom_labels = sorted(
                {tuple(r[:nb]) for r in kept}, key=lambda t: tuple(sort_key(v) for v in t)
            )
        else:
            dom_labels = [()]
        dcode = {lab: i for i, lab in enumerate(dom_labels)}
        m = len(kept)
        domain = np.array([dcode[tuple(r[:nb])] for r in kept], dtype=np.int64)
        stratum = np.array(
            [self._strata_code[r[si]] if si is not None else 0 for r in kept], dtype=np.int64
        )
        psu = None
        ssu = None
        if pi is not None:
            psu = np.array(
                [self._psu_code(r[si] if si is not None else 1, r[pi]) for r in kept],
                dtype=np.int64,
            )
            if ssi is not None:
                ssu_keys: dict[tuple[int, Any], int] = {}
                ssu = np.array(
                    [
                        ssu_keys.setdefault((int(p), r[ssi]), len(ssu_keys))
                        for p, r in zip(psu, kept, strict=True)
                    ],
                    dtype=np.int64,
                )
        n_rows = np.array([int(r[c_rows]) for r in kept], dtype=np.int64).reshape(m)
        n = np.array([int(r[c_n] or 0) for r in kept], dtype=np.int64).reshape(m)
        sums: dict[Term, np.ndarray] = {}
        scale = None
        if not weighted and info.cell_weight is not None:
            if info.cell_weight_level == "psu":
                if not (psu is not None):
                    raise RuntimeError("internal error: inconsistent design structure")
                scale = info.cell_weight[psu]
            else:
                scale = info.cell_weight[stratum]
        for j, t in enumerate(terms):
            vals = np.array([float(r[t0 + j] or 0.0) for r in kept], dtype=np.float64).reshape(m)
            if scale is not None and t[0]:
                vals = vals * scale ** t[0]
            sums[t] = vals
        cells = CellSums(
            level=level,
            domains=tuple(dom_labels),
            domain=domain,
            stratum=stratum,
            psu=psu,
            ssu=ssu,
            n_rows=n_rows,
            n=n,
            sums=sums,
            b_is_one=b is None,
            a_binary=binary or a is None,
        )
        return cells, n_by_missing
