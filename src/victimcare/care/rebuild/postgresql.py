"""The set-based rebuild on PostgreSQL: a few statements over temporary tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet

from victimcare.care.clock import RECURRING_LIMIT
from victimcare.care.constants import UPDATE_EVERY_DAYS_MAX, RulePattern
from victimcare.care.rebuild import limits, writes
from victimcare.care.rebuild.entries import _entries
from victimcare.care.rebuild.scope import RuleSetPlan, _bounds_sql, _plan, _scope_create
from victimcare.care.rebuild.sql import (
    CANCEL,
    COVERS_SQL,
    FIRST_SQL,
    MET,
    OUTCOME_SQL,
    TRIGGER,
    VISIBLE_SQL,
    _day_sql,
    _end_of_day_sql,
    _final_sql,
    _working_days_later_sql,
)
from victimcare.care.rebuild.writes import _clocks_write, _obligations_write
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case
from victimcare.forces.models import CrimeType

# The temporary tables of one rebuild (dropped at commit, and at the start of the next
# rebuild in the same transaction).
TEMP_TABLES = (
    "rb_case",
    "rb_key",
    "rb_entry",
    "rb_trigger",
    "rb_vic",
    "rb_last_met",
    "rb_hit",
    "rb_ob",
    "rb_first",
    "rb_later",
    "rb_diff",
)
SMALL_TABLES = {
    "rb_key": "key_id int, version_id bigint, crime_type_id bigint, enhanced bool",
    # ``flag``: a trigger signature of ``each`` rules (every trigger counts), or a meeting
    # or cancelling match of a recurring rule.
    "rb_entry": "key_id int, kind text, rule_id bigint, sig_id int, role smallint,"
    " position smallint, outcomes text[], covers bool, code text, flag bool,"
    " after_kind text, after_outcomes text[]",
    "rb_trigger": "key_id int, sig_id int, rule_id bigint, pattern text, every int, wd int,"
    " agreed bool",
}


def _copy_rows(cur: CursorWrapper, table: str, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        with cur.cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    cur.execute(f"ANALYZE {table}")


def _rebuild_postgresql(*, cases: QuerySet[Case] | None, now: datetime) -> int:
    """Every obligation of the cases in scope, from their events, in a few statements:

    1. ``rb_case``: the cases in scope and their rule-set version (a case without a clock
       takes its force's current one; its clock is written at the end);
    2. ``rb_vic``: their victims, each with the key of the rules that apply to them;
    3. one hash join over the events finds every (victim, rule, event) where the event
       triggers, meets or cancels the rule for that victim: the meeting and cancelling
       ones go to ``rb_hit``, and the triggers become ``rb_ob``, occurrence 1 of every
       obligation (the first trigger, or each trigger) with its deadline;
    4. ``rb_first``: each obligation's first meeting and cancelling event at or after its
       start (one hash join, one sort);
    5. ``rb_later``: the later occurrences of recurring obligations, the same way;
    6. the result is compared with the stored rows and only the differences are written
       (a first clocking of many cases is bulk-loaded: ``_bulk_insert``).

    The planner gets hash joins only for large scopes (``limits.LARGE_SCOPE``), memory for them,
    and no JIT; the settings are put back afterwards.
    """
    plan = _plan()
    if plan is None:
        return 0
    with connection.cursor() as cur:
        # (On an error the caller's transaction or savepoint rolls back, and these with it.)
        before = limits.settings_apply(cur, limits.SETTINGS)
        before |= limits.settings_apply(cur, {"enable_nestloop": "on", "enable_mergejoin": "on"})
        written = _rebuild_statements(cur, cases=cases, now=now, plan=plan)
        limits.settings_apply(cur, before)
    return written


def _rebuild_statements(
    cur: CursorWrapper,
    *,
    cases: QuerySet[Case] | None,
    now: datetime,
    plan: RuleSetPlan,
    bounds: tuple[int | None, int | None] = (None, None),
    part: tuple[str, str] | None = None,
) -> int:
    """The rebuild of the cases in scope with ids in ``bounds`` (from, up to; ``None``:
    open). With ``part`` (table name, mode), the result is written to that table instead
    of care_obligation: every obligation (mode ``first``) or the differences from the
    stored rows (mode ``diff``); no clock is written."""
    for name in TEMP_TABLES:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
    in_scope = _scope_create(cur, cases=cases, plan=plan, bounds=bounds)
    large = in_scope >= limits.LARGE_SCOPE
    if large:
        limits.settings_apply(cur, {"enable_nestloop": "off", "enable_mergejoin": "off"})
    cur.execute("SELECT DISTINCT version_id, crime_type_id FROM rb_case")
    tables = _entries(cur.fetchall(), dict(CrimeType.objects.values_list("id", "code")))
    for table, columns in SMALL_TABLES.items():
        cur.execute(f"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP")
        _copy_rows(cur, table, tables[table])
    cur.execute(
        f"""
        CREATE TEMP TABLE rb_vic ON COMMIT DROP AS
        SELECT v.id AS victim_id, v.case_id, k.key_id, c.officer_id, NULL::int AS every
        FROM cases_victim v
        JOIN rb_case c ON c.case_id = v.case_id
        JOIN rb_key k ON k.version_id = c.version_id AND k.crime_type_id = c.crime_type_id
         AND k.enhanced = (v.most_serious_crime OR v.persistently_targeted OR v.vulnerable
                           OR v.intimidated)
        WHERE {_bounds_sql("v.case_id", bounds)}
        """,  # noqa: S608 (numbers only)
    )
    # The update frequency each victim agreed at their latest needs assessment.
    cur.execute(
        f"""
        UPDATE rb_vic SET every = a.every FROM (
          SELECT DISTINCT ON (v.victim_id) v.victim_id,
                 (e.detail->>'update_every_days')::int AS every
          FROM cases_caseevent e
          JOIN rb_vic v ON v.case_id = e.case_id
          WHERE e.kind = '{EventKind.NEEDS_ASSESSED}' AND {_bounds_sql("e.case_id", bounds)}
            AND e.detail ? 'update_every_days'
            AND jsonb_typeof(e.detail->'update_every_days') = 'number'
            AND e.detail->>'update_every_days' ~ '^[0-9]{{1,3}}$'
            AND (e.detail->>'update_every_days')::int BETWEEN 1 AND {UPDATE_EVERY_DAYS_MAX}
            AND {VISIBLE_SQL}
          ORDER BY v.victim_id, e.at DESC, e.id DESC
        ) a WHERE a.victim_id = rb_vic.victim_id
        """  # noqa: S608 (constants and numbers only)
    )
    cur.execute("ANALYZE rb_vic")
    # One pass over the events finds what each means for each victim's rules. Meeting and
    # cancelling events go to ``rb_hit`` (and the last meeting event of each recurring
    # obligation to ``rb_last_met``); triggers become occurrence 1 of each obligation in
    # ``rb_ob`` (the first trigger of the rule for the victim, or, ``each``, every one);
    # a recurring one also keeps its first day and interval for ``_later_occurrences``.
    # (An obligation's ``oid`` numbers it within the rebuild, from 1.)
    cur.execute(
        """
        CREATE TEMP TABLE rb_hit (victim_id bigint, rule_id bigint, role smallint,
          at timestamptz, event_id bigint, position smallint) ON COMMIT DROP;
        CREATE TEMP TABLE rb_last_met (victim_id bigint, rule_id bigint, at timestamptz)
          ON COMMIT DROP;
        CREATE TEMP TABLE rb_ob (oid bigint, case_id bigint, victim_id bigint, rule_id bigint,
          trigger_event_id bigint, occurrence int, start_at timestamptz, due_at timestamptz,
          officer_id bigint, first_day int, every int) ON COMMIT DROP;
        """
    )
    cur.execute(
        f"""
        WITH h AS MATERIALIZED (
          SELECT v.victim_id, v.case_id, v.officer_id, v.key_id, x.rule_id, x.sig_id, x.role,
                 x.flag, e.at, e.id AS event_id, x.position, v.every AS agreed_every,
                 x.after_kind, x.after_outcomes
          FROM cases_caseevent e
          JOIN rb_vic v ON v.case_id = e.case_id
          JOIN rb_entry x ON x.key_id = v.key_id AND x.kind = e.kind
          WHERE e.kind = ANY (%(kinds)s) AND {_bounds_sql("e.case_id", bounds)}
            AND (x.outcomes IS NULL OR {OUTCOME_SQL} = ANY (x.outcomes))
            AND (NOT x.covers OR {COVERS_SQL})
            AND {VISIBLE_SQL}
        ), hits AS (
          INSERT INTO rb_hit
          SELECT victim_id, rule_id, role, at, event_id, position FROM h WHERE role <> {TRIGGER}
        ), last_met AS (
          INSERT INTO rb_last_met
          SELECT victim_id, rule_id, max(at) FROM h WHERE role = {MET} AND flag
          GROUP BY victim_id, rule_id
        )
        INSERT INTO rb_ob
        SELECT row_number() OVER () AS oid, t.case_id, t.victim_id, r.rule_id,
               t.event_id AS trigger_event_id, 1, t.at AS start_at,
               CASE WHEN r.pattern = '{RulePattern.RECURRING}'
                 THEN {_end_of_day_sql(f"t.day + {EVERY}")}
                 ELSE {_end_of_day_sql(_working_days_later_sql("t.day", "r.wd"))}
               END AS due_at,
               t.officer_id,
               CASE WHEN r.pattern = '{RulePattern.RECURRING}' THEN t.day END AS first_day,
               CASE WHEN r.pattern = '{RulePattern.RECURRING}' THEN {EVERY} END AS every
        FROM (
          -- (the day is worked out here, once per trigger, not once per rule it starts)
          SELECT DISTINCT ON (h.victim_id, h.sig_id, CASE WHEN h.flag THEN h.event_id END)
                 h.*, {_day_sql("h.at")} AS day
          FROM h WHERE h.role = {TRIGGER} AND (h.after_kind IS NULL OR {AFTER_SQL})
          ORDER BY h.victim_id, h.sig_id, CASE WHEN h.flag THEN h.event_id END,
                   h.at, h.event_id
        ) t
        JOIN rb_trigger r ON r.key_id = t.key_id AND r.sig_id = t.sig_id
        """,  # noqa: S608 (names are our own or quoted; values are bound parameters)
        {"kinds": sorted({entry[1] for entry in tables["rb_entry"]})},
    )
    first_count = cur.rowcount
    for table in ("rb_hit", "rb_ob", "rb_last_met"):
        cur.execute(f"ANALYZE {table}")
    cur.execute(
        "CREATE TEMP TABLE rb_first ON COMMIT DROP AS "
        + FIRST_SQL.format(obligations="rb_ob", roles=f"{MET}, {CANCEL}")
    )
    later_count = _later_occurrences(cur, now=now, first_count=first_count)
    if later_count:
        cur.execute("ANALYZE rb_later")
        cur.execute(
            "INSERT INTO rb_first " + FIRST_SQL.format(obligations="rb_later", roles=str(MET))
        )
    cur.execute("ANALYZE rb_first")
    final = _final_sql(tables)
    if part is not None:
        written = writes._part_write(cur, part=part, now=now, final=final)
    else:
        count = first_count + later_count
        in_scope = cases is not None or bounds != (None, None)
        written = _obligations_write(cur, in_scope=in_scope, now=now, count=count, final=final)
        _clocks_write(cur, now=now)
    return written


# A recurring rule's interval for a victim: what they agreed, where the rule follows that.
EVERY = "(CASE WHEN r.agreed THEN COALESCE(t.agreed_every, r.every) ELSE r.every END)"
# A trigger that counts only after an earlier event (in (time, id) order) the victim sees.
AFTER_SQL = (
    "EXISTS (SELECT 1 FROM cases_caseevent p WHERE p.case_id = h.case_id"  # noqa: S608 (constants only)
    " AND p.kind = h.after_kind AND (p.at, p.id) < (h.at, h.event_id)"
    " AND (h.after_outcomes IS NULL OR "
    + OUTCOME_SQL.replace("e.detail", "p.detail")
    + " = ANY (h.after_outcomes)) AND "
    + VISIBLE_SQL.replace("e.detail", "p.detail").replace("v.victim_id", "h.victim_id")
    + ")"
)


def _later_occurrences(cur: CursorWrapper, *, now: datetime, first_count: int) -> int:
    """``rb_later``: occurrences 2, 3, ... of recurring obligations.

    Occurrence k starts when k - 1 falls due and exists once k - 1 is met (a meeting event
    came at or after its start) or overdue, unless the first cancelling event came at or
    before that deadline. Occurrence 1's first cancelling event is that first stop, and it
    is every later occurrence's cancelling event too (it comes after their starts)."""
    now_day = _day_sql("%(now)s::timestamptz")
    due_before_prev = _end_of_day_sql("o.first_day + o.every * (k - 2)")
    start_prev = f"CASE WHEN k = 2 THEN o.start_at ELSE {due_before_prev} END"
    due_prev = _end_of_day_sql("o.first_day + o.every * (k - 1)")
    cur.execute(
        f"""
        CREATE TEMP TABLE rb_later ON COMMIT DROP AS
        SELECT %(first_count)s + row_number() OVER () AS oid, o.case_id, o.victim_id, o.rule_id,
               o.trigger_event_id, k AS occurrence, {due_prev} AS start_at,
               {_end_of_day_sql("o.first_day + o.every * k")} AS due_at,
               o.officer_id, s.cancel_event_id, s.cancel_at, s.cancel_position
        FROM rb_ob o
        LEFT JOIN rb_first s ON s.oid = o.oid
        LEFT JOIN rb_last_met m ON m.victim_id = o.victim_id AND m.rule_id = o.rule_id
        CROSS JOIN LATERAL generate_series(2, LEAST({RECURRING_LIMIT},
           GREATEST(0, LEAST({now_day}, COALESCE({_day_sql("s.cancel_at")}, {now_day}))
             - o.first_day)
             / o.every + 2)) AS k
        WHERE o.every IS NOT NULL  -- (recurring)
          AND (m.at >= {start_prev} OR {due_prev} < %(now)s)
          AND (s.cancel_at IS NULL OR s.cancel_at > {due_prev})
        """,  # noqa: S608 (names are our own or quoted; values are bound parameters)
        {"now": now, "first_count": first_count},
    )
    return int(cur.rowcount)
