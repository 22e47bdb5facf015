"""Reading CSV and Parquet files into columns (through DuckDB, a project dependency)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import DesignError

__all__ = ["read_table"]

#: CSV type detection: numbers and text only, so that "Yes"/"No" stay text as in R
_CSV_TYPES = ["BIGINT", "DOUBLE", "VARCHAR"]


def read_table(path: str | Path) -> dict[str, Any]:
    """Columns of a CSV or Parquet file, as numpy arrays.

    CSV as R's ``read.csv`` reads it: a header row; ``NA`` is missing everywhere; an
    empty cell is missing in a numeric column but an empty string (a value, e.g. a
    domain of its own) in a text column."""
    import duckdb

    p = Path(path)
    if not p.is_file():
        raise DesignError(f"file not found: {p}")
    suffix = p.suffix.lower()
    # DuckDB draws a progress bar on stdout for queries over 2 s: never into our output
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        if suffix in (".parquet", ".pq"):
            rel = con.execute("SELECT * FROM read_parquet(?)", [str(p)])
        else:
            # column types as detected with "" missing; values read again as text with
            # only NA missing, so that "" survives in text columns
            typed = con.execute(
                "DESCRIBE SELECT * FROM read_csv(?, header = true, nullstr = ['NA', ''], "
                "auto_type_candidates = ?)",
                [str(p), _CSV_TYPES],
            ).fetchall()
            exprs = []
            for name, ctype, *_ in typed:
                col = '"' + str(name).replace('"', '""') + '"'
                kind = str(ctype).upper()
                if kind in ("BIGINT", "DOUBLE"):  # the only other types detected
                    exprs.append(f"CAST(NULLIF(TRIM({col}), '') AS {kind}) AS {col}")
                else:
                    exprs.append(col)
            # identifiers quoted above, types from a fixed list, the path a parameter
            sql = (
                f"SELECT {', '.join(exprs)} FROM read_csv(?, header = true, "  # noqa: S608 (names are our own or quoted; values are bound parameters)
                "nullstr = 'NA', all_varchar = true)"
            )
            rel = con.execute(sql, [str(p)])
        return dict(rel.fetchnumpy())
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DesignError(f"cannot read {p.name}: {first}") from exc
    finally:
        con.close()
