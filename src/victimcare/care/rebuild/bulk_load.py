"""Many rows into a table the way pg_restore loads them: constraints and indexes dropped,
then made again."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.backends.utils import CursorWrapper

from victimcare.care.rebuild import limits


def _bulk_insert(
    cur: CursorWrapper,
    table: str,
    insert: str,
    params: dict[str, Any] | None,
    *,
    primary: bool = False,
    numbered: Iterable[tuple[str, int]] | None = None,
    locked: list[str] | None = None,
    ready: Callable[[], None] | None = None,
) -> int:
    """Run ``insert`` (many rows) with the table's foreign keys and secondary indexes
    dropped, then make them again from their definitions, as pg_restore does: building an
    index from sorted rows costs a fraction of inserting millions of rows into it one by
    one, and a foreign key is checked by one join instead of a query per row. With
    ``primary`` (for an empty table) the primary key goes too, with the foreign keys of
    other tables that reference it (they reference no row yet).

    This holds an exclusive lock on ``table`` until the transaction ends (it is taken only
    when the table at least doubles, as at a first clocking). If the lock or the DDL
    cannot be had (another session using the table, trigger events pending in this
    transaction), the rows are inserted the ordinary way."""
    # (owner, name, constraint definition, index definition), in the order to drop them:
    # other tables' foreign keys, the primary key, constraints, plain indexes.
    cur.execute(
        """
        SELECT owner, name, constraint_def, index_def FROM (
          SELECT 0 AS step, con.conrelid::regclass::text AS owner, con.conname AS name,
                 pg_get_constraintdef(con.oid) AS constraint_def, NULL AS index_def
          FROM pg_constraint con
          WHERE %(primary)s AND con.confrelid = %(table)s::regclass
            AND con.conrelid <> con.confrelid AND con.contype = 'f'
          UNION ALL
          SELECT CASE con.contype WHEN 'p' THEN 1 ELSE 2 END, NULL, con.conname,
                 pg_get_constraintdef(con.oid), NULL
          FROM pg_constraint con
          WHERE con.conrelid = %(table)s::regclass
            AND (con.contype IN ('f', 'u', 'x') OR (%(primary)s AND con.contype = 'p'))
          UNION ALL
          SELECT 3, NULL, i.indexrelid::regclass::text, NULL, pg_get_indexdef(i.indexrelid)
          FROM pg_index i
          WHERE i.indrelid = %(table)s::regclass AND NOT i.indisprimary
            AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
        ) d ORDER BY step
        """,
        {"table": table, "primary": primary},
    )
    definitions = cur.fetchall()
    quoted = connection.ops.quote_name
    try:
        with transaction.atomic():
            lock = limits.settings_apply(cur, {"lock_timeout": "5s"})
            cur.execute(f"LOCK TABLE {quoted(table)} IN ACCESS EXCLUSIVE MODE")
            for owner, name, constraint, _ in definitions:
                if constraint:
                    cur.execute(
                        f"ALTER TABLE {owner or quoted(table)} DROP CONSTRAINT {quoted(name)}"
                    )
                else:
                    cur.execute(f"DROP INDEX {name}")
            limits.settings_apply(cur, lock)
    except DatabaseError:
        if ready is not None:
            ready()
        cur.execute(insert, params)
        return int(cur.rowcount)
    if numbered is None:
        # (``locked``: statements to run instead of ``insert`` under the lock, the last one
        # an insert)
        for statement in locked or [insert]:
            cur.execute(statement, params)
        written: int = cur.rowcount
    else:
        # [(insert, count), ...] instead of ``insert``: each numbers its ``count`` rows
        # %(id_base)s + 1, + 2, ..., from a block of ids taken from the table's id sequence
        # at once (nobody else takes one while the table is locked).
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cur.fetchone()[0]
        written = 0
        for numbered_insert, count in numbered:
            cur.execute("SELECT nextval(%s)", [sequence])
            base = cur.fetchone()[0] - 1
            cur.execute("SELECT setval(%s, %s)", [sequence, base + max(count, 1)])
            cur.execute(numbered_insert, {**(params or {}), "id_base": base})
            if cur.rowcount != count:  # (counted by the rebuild that made the rows)
                raise DatabaseError(f"{table}: {cur.rowcount} rows numbered, {count} expected")
            written += count
    cur.execute(f"ANALYZE {quoted(table)}")  # as after any bulk load: fresh statistics
    # The primary key and constraints, the indexes, then other tables' foreign keys.
    for owner, name, constraint, index in sorted(definitions, key=lambda d: d[0] is not None):
        if constraint:
            cur.execute(
                f"ALTER TABLE {owner or quoted(table)} ADD CONSTRAINT {quoted(name)} {constraint}"
            )
        else:
            cur.execute(index)
    return written
