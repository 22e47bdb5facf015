"""The importer's backfill mode (PostgreSQL): foreign keys proved once a batch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.backends.utils import CursorWrapper

from victimcare.intake.importer.check import ImportError_
from victimcare.intake.importer.tables import Table

if TYPE_CHECKING:
    import psycopg


def _may_skip_row_checks(cursor: CursorWrapper) -> bool:
    """Whether this role may set session_replication_role (a superuser, or granted it)."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        return True
    if connection.pg_version < 150000:  # type: ignore[attr-defined]  # (PostgreSQL's wrapper)
        return False
    cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
    return bool(cursor.fetchone()[0])


def batch_proof_available(tables: list[Table]) -> bool:
    """Whether the default mode may prove a batch's foreign keys itself, as the backfill
    mode does: this role may set session_replication_role, and no trigger of our own on
    the tables would be skipped with the row checks (replica mode fires none of them).

    The proof is as strong as the row checks (see ``BackfillChecks``) and locks nothing
    more, so the results are the same; without the permission each row is checked."""
    names = [t.table for t in tables]
    with connection.cursor() as cursor:
        if not _may_skip_row_checks(cursor):
            return False
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = ANY (%s::regclass[])",
            [names],
        )
        return int(cursor.fetchone()[0]) == 0


class BackfillChecks:
    """PostgreSQL's backfill mode (``backfill=True``): foreign keys checked once a batch
    instead of once a row.

    PostgreSQL checks a foreign key with a query per inserted row (8 for every imported
    row), about half of the server's work in an import. In backfill mode each batch runs
    with ``session_replication_role = replica`` (as ``pg_restore --disable-triggers``
    does), so those per-row checks do not fire, and proves its rows itself before it
    commits, with one query per parent table: the force, areas and crime types its rows
    point at exist, and are locked ``FOR KEY SHARE`` (as the per-row checks lock them) so
    that nothing deletes them before the batch commits. Every other foreign key of the
    rows points at a row the batch itself wrote (its cases and victims) or is empty (the
    import sets no officer). No table is locked beyond that: live reports go on.

    Setting the role needs a superuser, or on PostgreSQL 15 and later
    ``GRANT SET ON PARAMETER session_replication_role TO <the app's role>``.
    """

    def __init__(self, tables: list[Table], checked: dict[tuple[str, str], str]) -> None:
        """``checked``: the foreign keys the batch proves itself, as (table, column) ->
        parent table. Any other foreign key among the columns the import sets must point
        into ``tables``; the check below fails at once if a column is added without one."""
        names = [t.table for t in tables]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT con.conrelid::regclass::text, att.attname, con.confrelid::regclass::text
                FROM pg_constraint con
                JOIN pg_attribute att ON att.attrelid = con.conrelid
                 AND att.attnum = ANY (con.conkey)
                WHERE con.contype = 'f' AND con.conrelid = ANY (%s::regclass[])
                """,
                [names],
            )
            keys = cursor.fetchall()
            allowed = _may_skip_row_checks(cursor)
        written = {(t.table, column) for t in tables for column in t.given_columns}
        for table, column, parent in keys:
            if (
                (table, column) in written
                and parent not in names
                and (table, column) not in checked
            ):
                raise ImproperlyConfigured(f"the backfill must check {table}.{column}")
        if not allowed:
            raise ImportError_(
                "--backfill needs permission to set session_replication_role: run it as a "
                "superuser, or on PostgreSQL 15 and later: GRANT SET ON PARAMETER "
                "session_replication_role TO <this role>"
            )

    @staticmethod
    def begin(raw: psycopg.Connection[Any]) -> None:
        """In the batch's transaction, before its rows: no per-row foreign-key checks."""
        with connection.wrap_database_errors:
            raw.execute("SET LOCAL session_replication_role = replica")

    @staticmethod
    def prove(raw: psycopg.Connection[Any], used: dict[str, set[int]]) -> None:
        """Before the batch commits: lock and count the parents its rows point at
        (``used``: parent table -> ids), then checks are back on for the transaction."""
        quote = connection.ops.quote_name
        with connection.wrap_database_errors:
            for parent, ids in used.items():
                if not ids:
                    continue
                with raw.cursor() as cursor:
                    cursor.execute(
                        f"SELECT id FROM {quote(parent)} WHERE id = ANY (%s) FOR KEY SHARE",  # noqa: S608 (names are our own or quoted; values are bound parameters)
                        [sorted(ids)],
                    )
                    found = len(cursor.fetchall())
                if found != len(ids):
                    raise ImportError_(
                        f"{len(ids) - found} of the {parent} rows this batch points at no longer "
                        "exist; the batch was rolled back"
                    )
            raw.execute("SET LOCAL session_replication_role = DEFAULT")
