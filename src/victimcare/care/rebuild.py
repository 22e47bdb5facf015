"""Bulk clocking: every obligation of many cases recomputed from the event log.

On PostgreSQL the whole rebuild is a few set-based statements over temporary tables: the
rules become two small tables (triggers and meeting/cancelling matches), deadlines come
from joining the ``care_calendarday`` working-day table (never a per-row Python call),
and the result is upserted with one INSERT ... ON CONFLICT and one anti-join DELETE.
Elsewhere (SQLite, the embedded demo) the cases are replayed in chunks through
``clock.obligations_compute``. Both follow the semantics documented in ``clock``; the
tests check that they agree.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import connection, transaction

from victimcare.care.clock import RECURRING_LIMIT, EventFact, VictimFact, obligations_compute
from victimcare.care.constants import DECISION_OUTCOME_ALIASES, RulePattern
from victimcare.care.models import CaseClock, Obligation, RuleSetVersion
from victimcare.cases.models import Case, CaseEvent, Victim
from victimcare.forces.models import Force

CHUNK = 2000
KEY_FIELDS = ("victim_id", "code", "trigger_event_id", "occurrence")
STATE_FIELDS = (
    "rule_id",
    "triggered_at",
    "due_at",
    "status",
    "met_at",
    "met_by_event_id",
    "cancelled_at",
    "cancel_reason",
    "breached_at",
    "officer_id",
)


def obligations_rebuild_all(*, cases=None, now: datetime) -> int:
    from victimcare.care.services import calendar_fill

    calendar_fill()
    with transaction.atomic():
        _clocks_start(cases=cases, now=now)
        if connection.vendor == "postgresql":
            return _rebuild_postgresql(cases=cases, now=now)
        return _rebuild_python(cases=cases, now=now)


def _version_by_force() -> dict[int, int]:
    from victimcare.care.services import rule_set_version_for_force

    return {
        force_id: rule_set_version_for_force(force_id).pk
        for force_id in Force.objects.values_list("id", flat=True)
    }


def _case_ids_sql(cases) -> tuple[str, list]:
    """A SQL subquery selecting the ids of the cases in scope (all cases by default)."""
    queryset = (cases if cases is not None else Case.objects.all()).order_by().values("id")
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _clocks_start(*, cases, now: datetime) -> None:
    versions = _version_by_force()
    if not versions:
        return
    if connection.vendor != "postgresql":
        from django.db.models import Exists, OuterRef

        queryset = (cases if cases is not None else Case.objects.all()).order_by()
        missing = queryset.filter(
            ~Exists(CaseClock.objects.filter(case_id=OuterRef("pk")))
        ).values_list("id", "force_id")
        CaseClock.objects.bulk_create(
            (
                CaseClock(case_id=case_id, rule_set_version_id=versions[force_id], clocked_at=now)
                for case_id, force_id in missing.iterator()
            ),
            batch_size=2000,
        )
        return
    scope_sql, params = _case_ids_sql(cases)
    values = ", ".join(["(%s, %s)"] * len(versions))
    flat = [x for pair in versions.items() for x in pair]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO care_caseclock (case_id, rule_set_version_id, clocked_at)
            SELECT c.id, m.version_id, %s
            FROM cases_case c
            JOIN (VALUES {values}) AS m(force_id, version_id) ON m.force_id = c.force_id
            WHERE c.id IN ({scope_sql})
              AND NOT EXISTS (SELECT 1 FROM care_caseclock cc WHERE cc.case_id = c.id)
            """,  # noqa: S608 (placeholders only)
            [now, *flat, *params],
        )


# --- the case-by-case replay ------------------------------------------------------------


def _rebuild_python(*, cases, now: datetime) -> int:
    from victimcare.care.services import rules_for_version

    queryset = (cases if cases is not None else Case.objects.all()).order_by("id")
    ids = list(queryset.values_list("id", flat=True))
    written = 0
    versions = {v.pk: v for v in RuleSetVersion.objects.all()}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        clocks = dict(
            CaseClock.objects.filter(case_id__in=chunk).values_list(
                "case_id", "rule_set_version_id"
            )
        )
        victims = defaultdict(list)
        facts = {}
        for row in Victim.objects.filter(case_id__in=chunk).values(
            "id",
            "case_id",
            "most_serious_crime",
            "persistently_targeted",
            "vulnerable",
            "intimidated",
            "case__crime_type__code",
            "case__officer_in_charge_id",
        ):
            enhanced = bool(
                row["most_serious_crime"]
                or row["persistently_targeted"]
                or row["vulnerable"]
                or row["intimidated"]
            )
            victims[row["case_id"]].append(VictimFact(id=row["id"], enhanced=enhanced))
            facts[row["case_id"]] = (
                row["case__crime_type__code"],
                row["case__officer_in_charge_id"],
            )
        events = defaultdict(list)
        for row in CaseEvent.objects.filter(case_id__in=chunk).values(
            "id", "case_id", "kind", "at", "detail"
        ):
            case_id = row.pop("case_id")
            events[case_id].append(EventFact.from_row(**row))
        stored = {
            (o.victim_id, o.code, o.trigger_event_id, o.occurrence): o
            for o in Obligation.objects.filter(case_id__in=chunk)
        }
        to_create, to_update = [], []
        for case_id in chunk:
            if case_id not in clocks or case_id not in facts:
                continue
            version = versions[clocks[case_id]]
            crime_type, officer_id = facts[case_id]
            for state in obligations_compute(
                rules=rules_for_version(version.pk, version.checksum),
                victims=victims[case_id],
                crime_type=crime_type,
                events=events[case_id],
                now=now,
            ):
                values = {
                    name: getattr(state, name) for name in STATE_FIELDS if name != "officer_id"
                }
                values["officer_id"] = officer_id
                row = stored.pop(state.key, None)
                if row is None:
                    to_create.append(
                        Obligation(
                            case_id=case_id,
                            victim_id=state.victim_id,
                            code=state.code,
                            trigger_event_id=state.trigger_event_id,
                            occurrence=state.occurrence,
                            **values,
                        )
                    )
                elif any(getattr(row, k) != v for k, v in values.items()):
                    for k, v in values.items():
                        setattr(row, k, v)
                    to_update.append(row)
        Obligation.objects.bulk_create(to_create, batch_size=1000)
        Obligation.objects.bulk_update(to_update, STATE_FIELDS, batch_size=500)
        if stored:
            Obligation.objects.filter(pk__in=[o.pk for o in stored.values()]).delete()
        written += len(to_create) + len(to_update)
    return written


# --- the set-based rebuild on PostgreSQL ------------------------------------------------


def _rule_rows(version_ids) -> tuple[list, list]:
    from victimcare.care.services import rules_for_version

    rules, matches = [], []
    for version in RuleSetVersion.objects.filter(pk__in=version_ids):
        for spec in rules_for_version(version.pk, version.checksum):
            rules.append(
                (
                    spec.id,
                    version.pk,
                    spec.code,
                    spec.trigger.event,
                    sorted(spec.trigger.outcomes) if spec.trigger.outcomes else None,
                    spec.pattern,
                    spec.working_days or 0,
                    spec.enhanced_working_days or spec.working_days or 0,
                    spec.every_days or 0,
                    spec.victims,
                    sorted(spec.crime_types) if spec.crime_types is not None else None,
                    sorted(spec.except_crime_types),
                )
            )
            for role, entries in (("met", spec.met_by), ("cancel", spec.cancelled_by)):
                for position, match in enumerate(entries):
                    matches.append(
                        (
                            spec.id,
                            role,
                            position,
                            match.event,
                            sorted(match.outcomes) if match.outcomes else None,
                            match.covers,
                            match.reason,
                        )
                    )
    return rules, matches


def _outcome_sql(column: str) -> str:
    whens = " ".join(
        f"WHEN '{alias}' THEN '{target}'" for alias, target in DECISION_OUTCOME_ALIASES.items()
    )
    return f"CASE {column} {whens} ELSE {column} END"


END_OF_DAY_SQL = "(({day}) + time '23:59:59') AT TIME ZONE 'Europe/London'"
LONDON_DAY_SQL = "(({at}) AT TIME ZONE 'Europe/London')::date"


def _rebuild_postgresql(*, cases, now: datetime) -> int:
    scope_sql, params = _case_ids_sql(cases)
    with connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '256MB'")
        for name in (
            "rb_case",
            "rb_rule",
            "rb_match",
            "rb_ev",
            "rb_victim",
            "rb_trig",
            "rb_ob",
            "rb_met",
            "rb_cancel",
            "rb_final",
        ):
            cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(
            f"""
            CREATE TEMP TABLE rb_case ON COMMIT DROP AS
            SELECT cc.case_id, cc.rule_set_version_id AS version_id,
                   c.officer_in_charge_id AS officer_id, ct.code AS crime_code
            FROM care_caseclock cc
            JOIN cases_case c ON c.id = cc.case_id
            JOIN forces_crimetype ct ON ct.id = c.crime_type_id
            WHERE cc.case_id IN ({scope_sql})
            """,  # noqa: S608
            params,
        )
        cur.execute("CREATE INDEX ON rb_case (case_id)")
        cur.execute("SELECT DISTINCT version_id FROM rb_case")
        version_ids = [row[0] for row in cur.fetchall()]
        if not version_ids:
            return 0
        rules, matches = _rule_rows(version_ids)
        cur.execute(
            """
            CREATE TEMP TABLE rb_rule (rule_id int, version_id int, code text, trigger_kind text,
              trigger_outcomes text[], pattern text, wd int, wd_enhanced int, every int,
              victims text, crime_types text[], except_types text[]) ON COMMIT DROP
            """
        )
        cur.executemany("INSERT INTO rb_rule VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", rules)
        cur.execute(
            """
            CREATE TEMP TABLE rb_match (rule_id int, role text, position int, kind text,
              outcomes text[], covers bool, reason text) ON COMMIT DROP
            """
        )
        if matches:
            cur.executemany("INSERT INTO rb_match VALUES (%s,%s,%s,%s,%s,%s,%s)", matches)
        outcome = _outcome_sql("e.detail->>'outcome'")
        cur.execute(
            f"""
            CREATE TEMP TABLE rb_ev ON COMMIT DROP AS
            SELECT e.id, e.case_id, e.kind, e.at,
                   {outcome} AS outcome,
                   CASE WHEN jsonb_typeof(e.detail->'covers') = 'array'
                        THEN e.detail->'covers' END AS covers,
                   CASE WHEN jsonb_typeof(e.detail->'victim_id') = 'number'
                        THEN (e.detail->>'victim_id')::bigint END AS victim_id
            FROM cases_caseevent e JOIN rb_case c ON c.case_id = e.case_id
            WHERE e.kind IN (SELECT trigger_kind FROM rb_rule UNION SELECT kind FROM rb_match)
            """  # noqa: S608
        )
        cur.execute("CREATE INDEX ON rb_ev (case_id, kind, at)")
        cur.execute("ANALYZE rb_ev")
        cur.execute(
            """
            CREATE TEMP TABLE rb_victim ON COMMIT DROP AS
            SELECT v.id AS victim_id, v.case_id,
                   (v.most_serious_crime OR v.persistently_targeted OR v.vulnerable
                    OR v.intimidated) AS enhanced
            FROM cases_victim v JOIN rb_case c ON c.case_id = v.case_id
            """
        )
        # One row per obligation's first (or, for 'each' rules, every) trigger.
        cur.execute(
            """
            CREATE TEMP TABLE rb_trig ON COMMIT DROP AS
            SELECT * FROM (
              SELECT v.victim_id, v.case_id, v.enhanced, r.rule_id, r.code, r.pattern, r.wd,
                     r.wd_enhanced, r.every, e.id AS trigger_event_id, e.at AS trigger_at,
                     row_number() OVER (PARTITION BY v.victim_id, r.rule_id
                                        ORDER BY e.at, e.id) AS rn
              FROM rb_victim v
              JOIN rb_case c ON c.case_id = v.case_id
              JOIN rb_rule r ON r.version_id = c.version_id
              JOIN rb_ev e ON e.case_id = v.case_id AND e.kind = r.trigger_kind
              WHERE (r.trigger_outcomes IS NULL OR e.outcome = ANY (r.trigger_outcomes))
                AND (e.victim_id IS NULL OR e.victim_id = v.victim_id)
                AND (r.victims = 'all' OR (r.victims = 'enhanced') = v.enhanced)
                AND (r.crime_types IS NULL OR c.crime_code = ANY (r.crime_types))
                AND NOT (c.crime_code = ANY (r.except_types))
            ) t WHERE pattern = 'each' OR rn = 1
            """
        )
        trigger_day = LONDON_DAY_SQL.format(at="t.trigger_at")
        now_day = LONDON_DAY_SQL.format(at="%(now)s::timestamptz")
        # The first stop (cancelling event) of each recurring obligation bounds how many
        # occurrences can exist, so a closed case does not generate a row per interval.
        cur.execute(
            f"""
            CREATE TEMP TABLE rb_ob ON COMMIT DROP AS
            WITH stops AS (
              SELECT t.victim_id, t.rule_id, min(e.at) AS first_stop
              FROM rb_trig t
              JOIN rb_match m ON m.rule_id = t.rule_id AND m.role = 'cancel'
              JOIN rb_ev e ON e.case_id = t.case_id AND e.kind = m.kind AND e.at >= t.trigger_at
              WHERE t.pattern = 'recurring'
                AND (e.victim_id IS NULL OR e.victim_id = t.victim_id)
                AND (m.outcomes IS NULL OR e.outcome = ANY (m.outcomes))
                AND (NOT m.covers OR e.covers ? t.code)
              GROUP BY t.victim_id, t.rule_id
            ),
            working AS (
              SELECT t.victim_id, t.case_id, t.rule_id, t.code, t.trigger_event_id,
                     1 AS occurrence, t.trigger_at AS start_at,
                     {END_OF_DAY_SQL.format(day="due.day")} AS due_at,
                     NULL::timestamptz AS first_stop, NULL::timestamptz AS prev_due
              FROM rb_trig t
              JOIN care_calendarday d0 ON d0.day = {trigger_day}
              JOIN care_calendarday due ON due.is_working AND due.working_index =
                   d0.working_index + CASE WHEN t.enhanced THEN t.wd_enhanced ELSE t.wd END
              WHERE t.pattern <> 'recurring'
            ),
            recurring AS (
              SELECT t.victim_id, t.case_id, t.rule_id, t.code, t.trigger_event_id,
                     k AS occurrence,
                     CASE WHEN k = 1 THEN t.trigger_at ELSE
                       {END_OF_DAY_SQL.format(day=f"{trigger_day} + t.every * (k - 1)")} END
                       AS start_at,
                     {END_OF_DAY_SQL.format(day=f"{trigger_day} + t.every * k")} AS due_at,
                     s.first_stop,
                     CASE WHEN k = 1 THEN NULL ELSE
                       {END_OF_DAY_SQL.format(day=f"{trigger_day} + t.every * (k - 1)")} END
                       AS prev_due
              FROM rb_trig t
              LEFT JOIN stops s ON s.victim_id = t.victim_id AND s.rule_id = t.rule_id
              CROSS JOIN LATERAL generate_series(1, LEAST({RECURRING_LIMIT},
                 GREATEST(0, (LEAST({now_day},
                   COALESCE({LONDON_DAY_SQL.format(at="s.first_stop")}, {now_day}))
                   - {trigger_day})) / t.every + 2)) AS k
              WHERE t.pattern = 'recurring'
            )
            SELECT row_number() OVER () AS oid, * FROM (
              SELECT * FROM working UNION ALL SELECT * FROM recurring
            ) u
            """,  # noqa: S608
            {"now": now},
        )
        cur.execute("ANALYZE rb_ob")
        for role, table in (("met", "rb_met"), ("cancel", "rb_cancel")):
            cur.execute(
                f"""
                CREATE TEMP TABLE {table} ON COMMIT DROP AS
                SELECT DISTINCT ON (o.oid) o.oid, e.id AS event_id, e.at, m.reason
                FROM rb_ob o
                JOIN rb_match m ON m.rule_id = o.rule_id AND m.role = '{role}'
                JOIN rb_ev e ON e.case_id = o.case_id AND e.kind = m.kind AND e.at >= o.start_at
                WHERE (e.victim_id IS NULL OR e.victim_id = o.victim_id)
                  AND (m.outcomes IS NULL OR e.outcome = ANY (m.outcomes))
                  AND (NOT m.covers OR e.covers ? o.code)
                ORDER BY o.oid, e.at, e.id, m.position
                """  # noqa: S608
            )
            cur.execute(f"CREATE INDEX ON {table} (oid)")
        # A later occurrence exists once the one before it is met or overdue, unless the
        # first stop came at or before the one before it fell due.
        cur.execute(
            """
            CREATE TEMP TABLE rb_final ON COMMIT DROP AS
            SELECT o.case_id, o.victim_id, o.rule_id, o.code, o.trigger_event_id, o.occurrence,
              o.start_at AS triggered_at, o.due_at,
              CASE
                WHEN mt.oid IS NOT NULL AND (cn.oid IS NULL
                     OR (mt.at, mt.event_id) <= (cn.at, cn.event_id)) THEN 'met'
                WHEN cn.oid IS NOT NULL THEN 'cancelled'
                WHEN o.due_at < %(now)s THEN 'breached'
                ELSE 'open' END AS status,
              CASE WHEN mt.oid IS NOT NULL AND (cn.oid IS NULL
                     OR (mt.at, mt.event_id) <= (cn.at, cn.event_id)) THEN mt.at END AS met_at,
              CASE WHEN mt.oid IS NOT NULL AND (cn.oid IS NULL
                     OR (mt.at, mt.event_id) <= (cn.at, cn.event_id)) THEN mt.event_id END
                AS met_by_event_id,
              CASE WHEN cn.oid IS NOT NULL AND NOT (mt.oid IS NOT NULL
                     AND (mt.at, mt.event_id) <= (cn.at, cn.event_id)) THEN cn.at END
                AS cancelled_at,
              CASE WHEN cn.oid IS NOT NULL AND NOT (mt.oid IS NOT NULL
                     AND (mt.at, mt.event_id) <= (cn.at, cn.event_id)) THEN cn.reason
                ELSE '' END AS cancel_reason,
              CASE
                WHEN mt.oid IS NOT NULL AND (cn.oid IS NULL
                     OR (mt.at, mt.event_id) <= (cn.at, cn.event_id))
                  THEN CASE WHEN mt.at > o.due_at THEN o.due_at END
                WHEN cn.oid IS NOT NULL THEN CASE WHEN cn.at > o.due_at THEN o.due_at END
                WHEN o.due_at < %(now)s THEN o.due_at END AS breached_at,
              c.officer_id
            FROM rb_ob o
            JOIN rb_case c ON c.case_id = o.case_id
            LEFT JOIN rb_met mt ON mt.oid = o.oid
            LEFT JOIN rb_cancel cn ON cn.oid = o.oid
            LEFT JOIN rb_ob prev ON o.occurrence > 1 AND prev.victim_id = o.victim_id
                 AND prev.rule_id = o.rule_id AND prev.trigger_event_id = o.trigger_event_id
                 AND prev.occurrence = o.occurrence - 1
            LEFT JOIN rb_met prev_met ON prev_met.oid = prev.oid
            WHERE o.occurrence = 1 OR (
                  (prev_met.oid IS NOT NULL OR o.prev_due < %(now)s)
              AND (o.first_stop IS NULL OR o.first_stop > o.prev_due))
            """,
            {"now": now},
        )
        columns = ", ".join(("case_id", *KEY_FIELDS, *STATE_FIELDS))
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in STATE_FIELDS)
        current = ", ".join(f"care_obligation.{name}" for name in STATE_FIELDS)
        excluded = ", ".join(f"EXCLUDED.{name}" for name in STATE_FIELDS)
        cur.execute(
            f"""
            INSERT INTO care_obligation ({columns})
            SELECT {columns} FROM rb_final
            ON CONFLICT (victim_id, code, trigger_event_id, occurrence) DO UPDATE SET {updates}
            WHERE ({current}) IS DISTINCT FROM ({excluded})
            """  # noqa: S608
        )
        written = cur.rowcount
        cur.execute(
            """
            DELETE FROM care_obligation o USING rb_case c
            WHERE o.case_id = c.case_id AND NOT EXISTS (
              SELECT 1 FROM rb_final f WHERE f.victim_id = o.victim_id AND f.code = o.code
                AND f.trigger_event_id = o.trigger_event_id AND f.occurrence = o.occurrence)
            """
        )
    return written


__all__ = ["RulePattern", "obligations_rebuild_all"]
