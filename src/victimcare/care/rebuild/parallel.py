"""The set-based rebuild shared by case between several connections."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet

from victimcare.care.clock import OBLIGATION_COLUMNS
from victimcare.care.rebuild import limits
from victimcare.care.rebuild.postgresql import _rebuild_statements
from victimcare.care.rebuild.scope import RuleSetPlan, _case_ids_sql, _plan, _scope_create
from victimcare.care.rebuild.writes import _clocks_write, _diff_apply, _new_write
from victimcare.cases.models import Case


def _rebuild_parallel(*, cases: QuerySet[Case] | None, now: datetime, workers: int) -> int:
    """The set-based rebuild split by case between ``workers`` connections, run side by side
    (the database does each statement on one processor core).

    The cases in scope are cut into ranges of ids with as many cases each: ``workers`` of
    them, or twice as many at a first clocking. Each range is rebuilt in a thread of its
    own, with its own connection and transaction, which writes its result to an unlogged
    table (``limits.PART_PREFIX``...) and commits: every obligation at a first clocking, else
    only the differences from the stored rows. This connection applies the parts in one
    transaction (at a first clocking each as soon as it is done, while the threads work
    on the next ones), writes the new cases' clocks and drops the parts: either all the
    rebuild is written, or none of it. Parallel rebuilds queue on an advisory lock; the
    first to run after an interrupted one drops the parts it left."""
    plan = _plan()
    if plan is None:
        return 0
    scope_sql, params = _case_ids_sql(cases if cases is not None else Case.objects.all())
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(hashtext('victimcare.care.rebuild'))")
        try:
            _parts_drop(cur)
            cur.execute(
                f"SELECT EXISTS (SELECT 1 FROM care_obligation o WHERE o.case_id IN ({scope_sql}))",  # noqa: S608 (names are our own or quoted; values are bound parameters)
                params,
            )
            mode = "diff" if cur.fetchone()[0] else "first"
            parts = workers * 2 if mode == "first" else workers
            cur.execute(
                f"SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY id) "  # noqa: S608 (names are our own or quoted; values are bound parameters)
                f"FROM ({scope_sql}) s",
                [[k / parts for k in range(1, parts)], *params],
            )
            cuts = cur.fetchone()[0] or []
            ranges = list(zip([None, *cuts], [*cuts, None], strict=True))
            token = secrets.token_hex(4)
            names = [f"{limits.PART_PREFIX}{token}_{k}" for k in range(len(ranges))]
            pool = ThreadPoolExecutor(max_workers=workers)
            try:
                futures = [
                    pool.submit(
                        _part_rebuild,
                        cases=cases,
                        now=now,
                        plan=plan,
                        bounds=bounds,
                        part=(name, mode),
                    )
                    for bounds, name in zip(ranges, names, strict=True)
                ]
                with transaction.atomic():
                    before = limits.settings_apply(cur, limits.SETTINGS)
                    if mode == "first":
                        written = _parts_load(cur, names, futures)
                    else:
                        for future in futures:
                            future.result()
                        source = " UNION ALL ".join(f"SELECT * FROM {name}" for name in names)  # noqa: S608 (names are our own or quoted; values are bound parameters)
                        written = _diff_apply(cur, f"({source})")
                    cur.execute("DROP TABLE IF EXISTS rb_case")
                    _scope_create(cur, cases=cases, plan=plan)
                    _clocks_write(cur, now=now)
                    limits.settings_apply(cur, before)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
                for name in names:
                    cur.execute(f"DROP TABLE IF EXISTS {name}")
        finally:
            cur.execute("SELECT pg_advisory_unlock(hashtext('victimcare.care.rebuild'))")
    return written


def _parts_load(cur: CursorWrapper, names: list[str], futures: list[Future[int]]) -> int:
    """A first clocking's parts into care_obligation, in the applying transaction. A bulk
    load takes its lock once the first part is done and loads each part as it comes,
    while the threads compute the next ones (the lock would stop no part: at a first
    clocking none reads care_obligation)."""
    columns = ", ".join(OBLIGATION_COLUMNS)
    source = " UNION ALL ".join(f"SELECT * FROM {name}" for name in names)  # noqa: S608 (names are our own or quoted; values are bound parameters)
    estimate = futures[0].result() * len(futures)

    def numbered() -> Iterator[tuple[str, int]]:
        for name, future in zip(names, futures, strict=True):
            insert = (
                f"INSERT INTO care_obligation (id, {columns}) "  # noqa: S608 (names are our own or quoted; values are bound parameters)
                f"SELECT %(id_base)s + number, {columns} FROM {name}"
            )
            yield insert, future.result()

    def ready() -> None:
        for future in futures:
            future.result()

    select = f"SELECT {columns} FROM ({source}) f"  # noqa: S608 (names are our own or quoted; values are bound parameters)
    return _new_write(
        cur, select=select, params=None, count=estimate, numbered=numbered(), ready=ready
    )


def _parts_drop(cur: CursorWrapper) -> None:
    """Drop the parts an interrupted parallel rebuild left (under its advisory lock)."""
    cur.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relname LIKE %s AND c.relkind = 'r'"
        " AND c.relnamespace = current_schema()::regnamespace",
        [limits.PART_PREFIX.replace("_", r"\_") + "%"],
    )
    for (name,) in cur.fetchall():
        cur.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")


def _part_rebuild(
    *,
    cases: QuerySet[Case] | None,
    now: datetime,
    plan: RuleSetPlan,
    bounds: tuple[int | None, int | None],
    part: tuple[str, str],
) -> int:
    """One range of a parallel rebuild, in this thread's own connection and transaction."""
    try:
        with connection.cursor() as cur:
            # (A new connection: its temporary tables may still be given more memory.)
            cur.execute("SET temp_buffers = %s", [limits.PART_TEMP_BUFFERS])
            with transaction.atomic():
                limits.settings_apply(cur, limits.SETTINGS)
                limits.settings_apply(cur, {"enable_nestloop": "on", "enable_mergejoin": "on"})
                written = _rebuild_statements(
                    cur, cases=cases, now=now, plan=plan, bounds=bounds, part=part
                )
            if written >= limits.BULK_ROWS // 2:
                # Freeze a large part here, side by side with the others, so that reading
                # it later costs this connection's time: unfrozen, each of its pages would
                # be marked and written again when first read (by the one that applies it).
                cur.execute(f"VACUUM (FREEZE) {part[0]}")
            return written
    finally:
        connection.close()
