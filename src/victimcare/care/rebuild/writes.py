"""How a set-based rebuild writes its result: the difference from the stored rows, new rows
(bulk-loaded when many), the new clocks, or a part of a parallel rebuild."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db.backends.utils import CursorWrapper

from victimcare.care.clock import CLOCK_COLUMNS, KEY_FIELDS, OBLIGATION_COLUMNS, STATE_FIELDS
from victimcare.care.rebuild import limits
from victimcare.care.rebuild.bulk_load import _bulk_insert
from victimcare.care.rebuild.sql import IN_SCOPE_SQL, KEY_MATCH_SQL


def _obligations_write(
    cur: CursorWrapper, *, in_scope: bool, now: datetime, count: int, final: str
) -> int:
    """Write the difference between the computed obligations and the stored ones."""
    join = IN_SCOPE_SQL if in_scope else ""
    cur.execute(f"SELECT EXISTS (SELECT 1 FROM care_obligation o {join})")  # noqa: S608 (names are our own or quoted; values are bound parameters)
    if not cur.fetchone()[0]:
        # Nothing stored yet (a first clocking): every row is new.
        columns = ", ".join(OBLIGATION_COLUMNS)
        select = f"SELECT {columns} FROM ({final}) f"  # noqa: S608 (names are our own or quoted; values are bound parameters)
        return _new_write(cur, select=select, params={"now": now}, count=count)
    cur.execute(
        f"CREATE TEMP TABLE rb_diff ON COMMIT DROP AS {_diff_sql(final, join)}",
        {"now": now},
    )
    cur.execute("ANALYZE rb_diff")
    return _diff_apply(cur, "rb_diff")


def _diff_sql(final: str, join: str) -> str:
    """The computed obligations that differ from the stored ones (joined by ``join``), in
    care_obligation's columns, with the stored row's ``id``: no id, a row to insert; no
    victim, a stored row to delete; both, a row to update."""
    state_old = ", ".join(f"o.{name}" for name in STATE_FIELDS)
    state_new = ", ".join(f"f.{name}" for name in STATE_FIELDS)
    stored = ", ".join(f"o.{name}" for name in (*KEY_FIELDS, *STATE_FIELDS))
    return f"""
        SELECT o.id, {", ".join(f"f.{name}" for name in OBLIGATION_COLUMNS)}
        FROM (SELECT o.id, {stored} FROM care_obligation o {join}) o
        FULL JOIN ({final}) f ON {KEY_MATCH_SQL}
        WHERE o.id IS NULL OR f.victim_id IS NULL
           OR ({state_old}) IS DISTINCT FROM ({state_new})
        """  # noqa: S608 (names are our own or quoted; values are bound parameters)


def _new_write(
    cur: CursorWrapper,
    *,
    select: str,
    params: dict[str, Any] | None,
    count: int,
    numbered: Iterable[tuple[str, int]] | None = None,
    ready: Callable[[], None] | None = None,
) -> int:
    """Insert ``count`` new obligations (``select``, in care_obligation's columns); many
    of them, into a table that at least doubles, go the bulk-load way. There the rows
    take a block of ids at once (a call of the id sequence per row would cost seconds):
    by ``numbered`` inserts if given (see ``_bulk_insert``), else by numbering ``select``.
    ``ready`` waits until ``select`` can run (``numbered`` waits as it goes)."""
    columns = ", ".join(OBLIGATION_COLUMNS)
    insert = f"INSERT INTO care_obligation ({columns}) {select}"
    if count >= limits.BULK_ROWS and count >= _table_rows(cur, "care_obligation"):
        cur.execute("SELECT NOT EXISTS (SELECT 1 FROM care_obligation)")
        empty = cur.fetchone()[0]
        if numbered is None:
            numbered = [
                (
                    f"INSERT INTO care_obligation (id, {columns}) "  # noqa: S608 (names are our own or quoted; values are bound parameters)
                    f"SELECT %(id_base)s + row_number() OVER (), s.* FROM ({select}) s",
                    count,
                )
            ]
        return _bulk_insert(
            cur,
            "care_obligation",
            insert,
            params,
            primary=empty,
            numbered=numbered,
            ready=ready,
        )
    if ready is not None:
        ready()
    cur.execute(insert + _UPSERT_SQL, params)
    return int(cur.rowcount)


def _diff_apply(cur: CursorWrapper, source: str) -> int:
    """Apply the differences in ``source`` (a table or subquery shaped as ``_diff_sql``)."""
    limits.settings_apply(cur, {"enable_nestloop": "on"})  # few rows now: by primary key
    cur.execute(
        f"""
        UPDATE care_obligation o SET {", ".join(f"{name} = f.{name}" for name in STATE_FIELDS)}
        FROM {source} f WHERE f.id = o.id AND f.victim_id IS NOT NULL
        """  # noqa: S608 (names are our own or quoted; values are bound parameters)
    )
    written: int = cur.rowcount
    cur.execute(
        f"DELETE FROM care_obligation o USING {source} f WHERE f.id = o.id AND f.victim_id IS NULL"  # noqa: S608 (names are our own or quoted; values are bound parameters)
    )
    cur.execute(f"SELECT count(*) FROM {source} f WHERE f.id IS NULL")  # noqa: S608 (names are our own or quoted; values are bound parameters)
    inserts = cur.fetchone()[0]
    columns = ", ".join(OBLIGATION_COLUMNS)
    select = f"SELECT {columns} FROM {source} f WHERE f.id IS NULL"  # noqa: S608 (names are our own or quoted; values are bound parameters)
    return written + _new_write(cur, select=select, params=None, count=inserts)


_UPSERT_SQL = (
    " ON CONFLICT (victim_id, code, trigger_event_id, occurrence) DO UPDATE SET "
    + ", ".join(f"{name} = EXCLUDED.{name}" for name in STATE_FIELDS)
)


_CLOCK_COLUMNS = ", ".join(CLOCK_COLUMNS)


def _clocks_write(cur: CursorWrapper, *, now: datetime) -> None:
    """The clocks of the cases in scope that had none, or were under another rule set than
    their report date's, under the version they were given."""
    cur.execute(
        """
        UPDATE care_caseclock cc SET rule_set_version_id = r.version_id, clocked_at = %(now)s
        FROM rb_case r WHERE r.reclocked AND cc.case_id = r.case_id
        """,
        {"now": now},
    )
    cur.execute("SELECT count(*) FROM rb_case WHERE unclocked")
    count = cur.fetchone()[0]
    if not count:
        return
    insert = f"""
        INSERT INTO care_caseclock ({_CLOCK_COLUMNS})
        SELECT case_id, version_id, %(now)s FROM rb_case WHERE unclocked
        ON CONFLICT (case_id) DO NOTHING
    """  # noqa: S608 (the model's own column names)
    if count >= limits.BULK_ROWS and count >= _table_rows(cur, "care_caseclock"):
        # Under the bulk load's lock nobody else clocks a case: the clocks written since
        # rb_case was made are left out once, not checked row by row.
        locked = [
            """
            UPDATE rb_case r SET unclocked = false FROM care_caseclock cc
            WHERE r.unclocked AND cc.case_id = r.case_id
            """,
            f"""
            INSERT INTO care_caseclock ({_CLOCK_COLUMNS})
            SELECT case_id, version_id, %(now)s FROM rb_case WHERE unclocked
            """,  # noqa: S608 (the model's own column names)
        ]
        _bulk_insert(cur, "care_caseclock", insert, {"now": now}, locked=locked)
    else:
        cur.execute(insert, {"now": now})


def _table_rows(cur: CursorWrapper, table: str) -> int:
    cur.execute(
        "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [table]
    )
    return int(cur.fetchone()[0])


def _part_write(cur: CursorWrapper, *, part: tuple[str, str], now: datetime, final: str) -> int:
    """Write a part's result to its own unlogged table (see ``_rebuild_parallel``)."""
    name, mode = part
    if mode == "first":
        # (numbered 1, 2, ... for a bulk load: see ``_bulk_insert``)
        columns = ", ".join(OBLIGATION_COLUMNS)
        select = f"SELECT row_number() OVER () AS number, {columns} FROM ({final}) f"  # noqa: S608 (names are our own or quoted; values are bound parameters)
    else:
        select = _diff_sql(final, IN_SCOPE_SQL)
    cur.execute(f"CREATE UNLOGGED TABLE {name} AS {select}", {"now": now})
    written: int = cur.rowcount
    cur.execute(f"ANALYZE {name}")
    return written
