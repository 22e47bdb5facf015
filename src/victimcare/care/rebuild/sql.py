"""The SQL of the set-based rebuild: the rule-entry roles, working-day deadlines as array
look-ups, what an event's detail says, and the final state of every obligation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from victimcare.care.clock import KEY_FIELDS
from victimcare.care.constants import DECISION_OUTCOME_ALIASES
from victimcare.care.deadlines import end_of_london_day, working_day_table
from victimcare.core.timezones import LONDON

# Roles of a rule entry. Within one instant a trigger comes first: an obligation is met or
# cancelled by an event at or after its start, the same instant included.
TRIGGER, MET, CANCEL = 0, 1, 2


def _outcome_sql(column: str) -> str:
    whens = " ".join(
        f"WHEN '{alias}' THEN '{target}'" for alias, target in DECISION_OUTCOME_ALIASES.items()
    )
    return f"CASE {column} {whens} ELSE {column} END"


@lru_cache(maxsize=1)
def _calendar() -> dict[str, str]:
    """The working-day calendar as SQL array literals, so that a deadline is array look-ups
    and arithmetic on epoch seconds instead of a time-zone conversion per row (which costs
    about a microsecond each, several times per obligation). Days are numbered from the
    table's first day (0); SQL arrays count from 1.

    - ``next_midnight[d + 1]``: epoch seconds of midnight in London starting day d + 1, so
      an instant in UTC day d is on London day d, or d + 1 from that moment (London is
      never behind UTC);
    - ``end_of_day[d + 1]``: epoch seconds of 23:59:59 in London on day d;
    - ``working_index[d + 1]``: working days up to and including day d;
    - ``working_day[k]``: the k-th working day."""
    table = working_day_table()
    count = len(table.is_working)
    days = [table.first + timedelta(days=i) for i in range(count + 1)]
    midnights = [
        int(datetime.combine(day, datetime.min.time(), tzinfo=LONDON).timestamp()) for day in days
    ]
    ends = [int(end_of_london_day(day).timestamp()) for day in days[:count]]

    def literal(values: Iterable[int], kind: str) -> str:
        return "'{" + ",".join(str(int(v)) for v in values) + "}'::" + kind + "[]"

    return {
        "base": str(table.first.toordinal() - date(1970, 1, 1).toordinal()),
        "next_midnight": literal(midnights[1:], "int8"),
        "end_of_day": literal(ends, "int8"),
        "working_index": literal(table.working_index.tolist(), "int4"),
        "working_day": literal((table.working_ordinals - table.base).tolist(), "int4"),
    }


def _day_sql(at: str) -> str:
    """The London calendar day (numbered as in ``_calendar``) of the instant ``at``."""
    cal = _calendar()
    utc_day = f"(floor(date_part('epoch', {at}) / 86400)::int - {cal['base']})"
    return (
        f"({utc_day} + (date_part('epoch', {at}) >= ({cal['next_midnight']})[{utc_day} + 1])::int)"
    )


def _end_of_day_sql(day: str) -> str:
    """23:59:59 in London on ``day`` (numbered as in ``_calendar``), as a timestamptz."""
    return f"to_timestamp(({_calendar()['end_of_day']})[({day}) + 1])"


def _working_days_later_sql(day: str, n: str) -> str:
    """The ``n``-th working day after ``day`` (``add_working_days``)."""
    cal = _calendar()
    return f"({cal['working_day']})[({cal['working_index']})[({day}) + 1] + ({n})]"


# What ``EventFact.from_row`` reads from an event's detail, in SQL (event ``e``, rule
# entry ``x``, victim ``v``).
OUTCOME_SQL = (
    "CASE WHEN jsonb_typeof(e.detail->'outcome') = 'string' THEN "
    + _outcome_sql("(e.detail->>'outcome')")
    + " END"
)
COVERS_SQL = "(jsonb_typeof(e.detail->'covers') = 'array' AND e.detail->'covers' ? x.code)"
VISIBLE_SQL = (
    "(NOT e.detail ? 'victim_id' OR jsonb_typeof(e.detail->'victim_id') <> 'number'"
    " OR e.detail->>'victim_id' !~ '^-?[0-9]{1,18}$'"
    " OR (e.detail->>'victim_id')::bigint = v.victim_id)"
)

# The first meeting and cancelling event (``roles``) at or after each obligation's start,
# one row per obligation.
FIRST_SQL = f"""
    SELECT oid,
      max(event_id) FILTER (WHERE role = {MET}) AS met_event_id,
      max(at) FILTER (WHERE role = {MET}) AS met_at,
      max(event_id) FILTER (WHERE role = {CANCEL}) AS cancel_event_id,
      max(at) FILTER (WHERE role = {CANCEL}) AS cancel_at,
      max(position) FILTER (WHERE role = {CANCEL}) AS cancel_position
    FROM (
      SELECT DISTINCT ON (o.oid, h.role) o.oid, h.role, h.event_id, h.at, h.position
      FROM {{obligations}} o
      JOIN rb_hit h ON h.victim_id = o.victim_id AND h.rule_id = o.rule_id
       AND h.role IN ({{roles}}) AND h.at >= o.start_at
      ORDER BY o.oid, h.role, h.at, h.event_id, h.position
    ) f
    GROUP BY oid
"""  # noqa: S608 (constants only)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _final_sql(tables: dict[str, list[tuple[Any, ...]]]) -> str:
    """Every obligation with its state at %(now)s, in care_obligation's columns. A rule's
    code and a cancelling match's reason are CASE expressions over the few rules in
    scope: a join per row, even with a table of ten rows, costs more."""
    codes = (
        " ".join(f"WHEN {rule_id} THEN {_literal(code)}" for rule_id, code in tables["rb_rule"])
        or "WHEN 0 THEN ''"
    )  # (no rule applies: no rows, but valid SQL)
    reasons = " ".join(
        f"WHEN o.rule_id = {rule_id} AND o.cancel_position = {position} THEN {_literal(reason)}"
        for rule_id, position, reason in tables["rb_reason"]
    )
    return f"""
    SELECT o.case_id, o.victim_id, o.rule_id, CASE o.rule_id {codes} END AS code,
      o.trigger_event_id, o.occurrence::smallint AS occurrence, o.start_at AS triggered_at,
      o.due_at,
      CASE WHEN o.is_met THEN 'met' WHEN o.cancel_event_id IS NOT NULL THEN 'cancelled'
           WHEN o.due_at < %(now)s THEN 'breached' ELSE 'open' END AS status,
      CASE WHEN o.is_met THEN o.met_at END AS met_at,
      CASE WHEN o.is_met THEN o.met_event_id END AS met_by_event_id,
      CASE WHEN NOT o.is_met THEN o.cancel_at END AS cancelled_at,
      CASE WHEN o.is_met OR o.cancel_event_id IS NULL THEN '' {reasons} ELSE '' END
        AS cancel_reason,
      CASE WHEN o.is_met THEN CASE WHEN o.met_at > o.due_at THEN o.due_at END
           WHEN o.cancel_event_id IS NOT NULL
             THEN CASE WHEN o.cancel_at > o.due_at THEN o.due_at END
           WHEN o.due_at < %(now)s THEN o.due_at END AS breached_at,
      o.officer_id
    FROM (
      SELECT o.*, (o.met_event_id IS NOT NULL AND (o.cancel_event_id IS NULL
              OR (o.met_at, o.met_event_id) <= (o.cancel_at, o.cancel_event_id))) AS is_met
      FROM (
        SELECT o.case_id, o.victim_id, o.rule_id, o.trigger_event_id, o.occurrence,
               o.start_at, o.due_at, o.officer_id, f.met_event_id, f.met_at,
               f.cancel_event_id, f.cancel_at, f.cancel_position
        FROM rb_ob o LEFT JOIN rb_first f ON f.oid = o.oid
        UNION ALL
        SELECT o.case_id, o.victim_id, o.rule_id, o.trigger_event_id, o.occurrence,
               o.start_at, o.due_at, o.officer_id, f.met_event_id, f.met_at,
               o.cancel_event_id, o.cancel_at, o.cancel_position
        FROM rb_later o LEFT JOIN rb_first f ON f.oid = o.oid
      ) o
    ) o
    """  # noqa: S608 (numbers and escaped literals only)


KEY_MATCH_SQL = " AND ".join(f"f.{name} = o.{name}" for name in KEY_FIELDS)


# (rb_case has one row per case: joining it keeps each stored row once, and lets the
# planner look a few cases' rows up by index.)
IN_SCOPE_SQL = "JOIN rb_case c ON c.case_id = o.case_id"
