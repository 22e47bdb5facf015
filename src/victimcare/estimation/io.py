"""Reading CSV and Parquet files into columns (through DuckDB, a project dependency)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import DesignError

__all__ = ["read_table"]

#: CSV type detection: numbers and text only, so that "Yes"/"No" stay text as in R
_CSV_TYPES = ["BIGINT", "DOUBLE", "VARCHAR"]


def read_table(path: str | Path) -> dict[str, Any]:
    """Columns of a CSV (header row; ``NA`` or empty cells are missing, as R's
    ``write.csv``/``read.csv``) or Parquet file, as numpy arrays."""
    import duckdb

    p = Path(path)
    if not p.is_file():
        raise DesignError(f"file not found: {p}")
    suffix = p.suffix.lower()
    con = duckdb.connect()
    try:
        if suffix in (".parquet", ".pq"):
            rel = con.execute("SELECT * FROM read_parquet(?)", [str(p)])
        else:
            rel = con.execute(
                "SELECT * FROM read_csv(?, header = true, nullstr = ['NA', ''], "
                "auto_type_candidates = ?)",
                [str(p), _CSV_TYPES],
            )
        return dict(rel.fetchnumpy())
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DesignError(f"cannot read {p.name}: {first}") from exc
    finally:
        con.close()
