"""Bulk clocking: every obligation of many cases recomputed from the event log.

On PostgreSQL the whole rebuild is a few set-based statements over temporary tables (see
``_rebuild_postgresql``): the rules become a small table of event matches per rule-set
version, crime type and victim kind, one hash join over the events finds what each event
means for each victim, deadlines are arithmetic and array look-ups in the working-day
table of ``deadlines`` (never a per-row Python call or time-zone conversion), and only
the differences from the stored rows are written; a first clocking of many cases is
bulk-loaded. Elsewhere (SQLite, the embedded demo) the cases are replayed in chunks
through ``clock.obligations_compute``. Both follow the semantics documented in ``clock``;
the tests check that they agree.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.db import DatabaseError, connection, transaction

from victimcare.care.clock import (
    RECURRING_LIMIT,
    STATE_FIELDS,
    EventFact,
    VictimFact,
    obligations_compute,
)
from victimcare.care.constants import DECISION_OUTCOME_ALIASES, RulePattern
from victimcare.care.deadlines import end_of_london_day, working_day_table
from victimcare.care.models import CaseClock, Obligation, RuleSetVersion
from victimcare.cases.models import Case, CaseEvent, Victim
from victimcare.core.timezones import LONDON
from victimcare.forces.models import CrimeType, Force

CHUNK = 2000
KEY_FIELDS = ("victim_id", "code", "trigger_event_id", "occurrence")


def obligations_rebuild_all(*, cases=None, now: datetime, workers: int | None = None) -> int:
    """Recompute every obligation of ``cases`` (default: all) from the event log; returns
    the number of obligations written. On PostgreSQL, a large scope outside any transaction
    is shared between ``workers`` connections (default: the ``VICTIMCARE_REBUILD_WORKERS``
    setting); see ``_rebuild_parallel``."""
    from django.conf import settings

    from victimcare.care.services import calendar_fill

    calendar_fill()
    if connection.vendor == "postgresql":
        workers = settings.CARE_REBUILD_WORKERS if workers is None else workers
        if (
            workers > 1
            and not connection.in_atomic_block
            and (cases if cases is not None else Case.objects.all()).count() >= PARALLEL_SCOPE
        ):
            return _rebuild_parallel(cases=cases, now=now, workers=workers)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            return _rebuild_postgresql(cases=cases, now=now)
        _clocks_start(cases=cases, now=now)
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
    """Clock the cases in scope that have no clock (the set-based rebuild does its own)."""
    from django.db.models import Exists, OuterRef

    versions = _version_by_force()
    if not versions:
        return
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
                values = state.values(officer_id=officer_id)
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

# Roles of a rule entry. Within one instant a trigger comes first: an obligation is met or
# cancelled by an event at or after its start, the same instant included.
TRIGGER, MET, CANCEL = 0, 1, 2
# From this many cases in scope the planner may use hash joins only: over whole tables its
# row estimates for these joins are poor, and one nested loop there costs minutes.
LARGE_SCOPE = 20_000
# Writing at least this many new rows into a table, and more than it already holds, goes
# the bulk-load way (see ``_bulk_insert``).
BULK_ROWS = 200_000
# From this many cases in scope, a rebuild run outside a transaction is split by case
# between several connections (see ``_rebuild_parallel``).
PARALLEL_SCOPE = 200_000
# Each part of a parallel rebuild writes its result to a table named so (then dropped).
PART_PREFIX = "care_rebuild_part_"
# Memory for a part's temporary tables (the rebuild's rows stay in memory instead of going
# through the operating system's file cache); allocated only as the tables grow.
PART_TEMP_BUFFERS = "2GB"
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
    " position smallint, outcomes text[], covers bool, code text, flag bool",
    "rb_trigger": "key_id int, sig_id int, rule_id bigint, pattern text, every int, wd int",
}
# Planner settings for the rebuild's statements, put back as they were afterwards.
SETTINGS = {
    "jit": "off",  # compiling these large plans costs seconds and saves less
    "work_mem": "1GB",  # hash tables and sorts of millions of rows stay in memory
    "maintenance_work_mem": "1GB",  # index builds after a bulk insert
    "synchronous_commit": "off",  # a rebuild lost in a crash is run again
    # A few cases' rows are looked up by index (their pages are in memory, as a rebuild
    # reads them anyway); not a scan of every stored obligation.
    "random_page_cost": "1.1",
}


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

    def literal(values, kind: str) -> str:
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


def _final_sql(tables: dict[str, list]) -> str:
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
COLUMNS = ("case_id", *KEY_FIELDS, *STATE_FIELDS)


def _entries(pairs, crime_codes: dict[int, str]) -> dict[str, list]:
    """The rules for every (rule-set version, crime type, enhanced) key in scope, as rows
    of the small tables the rebuild joins (``pairs``: the (version, crime type) pairs of
    the cases in scope):

    - ``rb_key`` (key_id, version_id, crime_type_id, enhanced);
    - ``rb_entry``, what an event of a kind means under a key: a meeting or cancelling
      match of a rule (rule_id, role, position), or a trigger "signature" shared by the
      rules that start on the same events (sig_id): (key_id, kind, rule_id, sig_id, role,
      position, outcomes, covers, code, flag: every trigger counts / a recurring rule);
    - ``rb_trigger``, the rules each signature starts (key_id, sig_id, rule_id, pattern,
      every days, working days);
    and, for ``_final_sql``, the rules' codes (rule_id, code) and the reasons of their
    cancelling matches (rule_id, position, reason)."""
    from victimcare.care.services import rules_for_version

    checksums = dict(
        RuleSetVersion.objects.filter(pk__in={version for version, _ in pairs}).values_list(
            "pk", "checksum"
        )
    )
    tables = {name: [] for name in ("rb_key", "rb_entry", "rb_trigger")}
    rules, reasons, signatures = {}, {}, {}
    for version_id, crime_type_id in sorted(pairs):
        specs = rules_for_version(version_id, checksums[version_id])
        for enhanced in (False, True):
            key_id = len(tables["rb_key"]) + 1
            tables["rb_key"].append((key_id, version_id, crime_type_id, enhanced))
            for spec in specs:
                if not spec.applies(enhanced=enhanced, crime_type=crime_codes[crime_type_id]):
                    continue
                rules[spec.id] = (spec.id, spec.code)
                trigger = spec.trigger
                outcomes = sorted(trigger.outcomes) if trigger.outcomes else None
                code = spec.code if trigger.covers else None
                each = spec.pattern == RulePattern.EACH
                signature = (key_id, trigger.event, tuple(outcomes or ()), trigger.covers, code)
                signature += (each,)
                if signature not in signatures:
                    signatures[signature] = len(signatures) + 1
                    tables["rb_entry"].append(
                        (
                            key_id,
                            trigger.event,
                            None,
                            signatures[signature],
                            TRIGGER,
                            0,
                            outcomes,
                            trigger.covers,
                            code,
                            each,
                        )
                    )
                working_days = None
                if spec.pattern != RulePattern.RECURRING:
                    working_days = spec.working_days_for(enhanced=enhanced)
                tables["rb_trigger"].append(
                    (
                        key_id,
                        signatures[signature],
                        spec.id,
                        spec.pattern,
                        spec.every_days or 0,
                        working_days,
                    )
                )
                recurring = spec.pattern == RulePattern.RECURRING
                for role, matches in ((MET, spec.met_by), (CANCEL, spec.cancelled_by)):
                    for position, match in enumerate(matches):
                        if role == CANCEL:
                            reasons[spec.id, position] = (spec.id, position, match.reason)
                        tables["rb_entry"].append(
                            (
                                key_id,
                                match.event,
                                spec.id,
                                None,
                                role,
                                position,
                                sorted(match.outcomes) if match.outcomes else None,
                                match.covers,
                                spec.code,
                                recurring,
                            )
                        )
    tables["rb_rule"] = list(rules.values())
    tables["rb_reason"] = list(reasons.values())
    return tables


def _settings_apply(cur, settings: dict[str, str]) -> dict[str, str]:
    """Set ``settings`` for the rest of the transaction; returns the values they had."""
    before = {}
    for name, value in settings.items():
        cur.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        before[name] = cur.fetchone()[0]
    return before


def _copy_rows(cur, table: str, rows: list) -> None:
    if rows:
        with cur.cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    cur.execute(f"ANALYZE {table}")


def _rebuild_postgresql(*, cases, now: datetime) -> int:
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

    The planner gets hash joins only for large scopes (``LARGE_SCOPE``), memory for them,
    and no JIT; the settings are put back afterwards.
    """
    versions = _version_by_force()
    if not versions:
        return 0
    with connection.cursor() as cur:
        # (On an error the caller's transaction or savepoint rolls back, and these with it.)
        before = _settings_apply(cur, SETTINGS)
        before |= _settings_apply(cur, {"enable_nestloop": "on", "enable_mergejoin": "on"})
        written = _rebuild_statements(cur, cases=cases, now=now, versions=versions)
        _settings_apply(cur, before)
    return written


def _rebuild_parallel(*, cases, now: datetime, workers: int) -> int:
    """The set-based rebuild split by case between ``workers`` connections, run side by side
    (the database does each statement on one processor core).

    The cases in scope are cut into ranges of ids with as many cases each: ``workers`` of
    them, or twice as many at a first clocking. Each range is rebuilt in a thread of its
    own, with its own connection and transaction, which writes its result to an unlogged
    table (``PART_PREFIX``...) and commits: every obligation at a first clocking, else
    only the differences from the stored rows. This connection applies the parts in one
    transaction (at a first clocking each as soon as it is done, while the threads work
    on the next ones), writes the new cases' clocks and drops the parts: either all the
    rebuild is written, or none of it. Parallel rebuilds queue on an advisory lock; the
    first to run after an interrupted one drops the parts it left."""
    versions = _version_by_force()
    if not versions:
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
            names = [f"{PART_PREFIX}{token}_{k}" for k in range(len(ranges))]
            pool = ThreadPoolExecutor(max_workers=workers)
            try:
                futures = [
                    pool.submit(
                        _part_rebuild,
                        cases=cases,
                        now=now,
                        versions=versions,
                        bounds=bounds,
                        part=(name, mode),
                    )
                    for bounds, name in zip(ranges, names, strict=True)
                ]
                with transaction.atomic():
                    before = _settings_apply(cur, SETTINGS)
                    if mode == "first":
                        written = _parts_load(cur, names, futures)
                    else:
                        for future in futures:
                            future.result()
                        source = " UNION ALL ".join(f"SELECT * FROM {name}" for name in names)  # noqa: S608 (names are our own or quoted; values are bound parameters)
                        written = _diff_apply(cur, f"({source})")
                    cur.execute("DROP TABLE IF EXISTS rb_case")
                    _scope_create(cur, cases=cases, versions=versions)
                    _clocks_write(cur, now=now)
                    _settings_apply(cur, before)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
                for name in names:
                    cur.execute(f"DROP TABLE IF EXISTS {name}")
        finally:
            cur.execute("SELECT pg_advisory_unlock(hashtext('victimcare.care.rebuild'))")
    return written


def _parts_load(cur, names: list[str], futures: list) -> int:
    """A first clocking's parts into care_obligation, in the applying transaction. A bulk
    load takes its lock once the first part is done and loads each part as it comes,
    while the threads compute the next ones (the lock would stop no part: at a first
    clocking none reads care_obligation)."""
    columns = ", ".join(COLUMNS)
    source = " UNION ALL ".join(f"SELECT * FROM {name}" for name in names)  # noqa: S608 (names are our own or quoted; values are bound parameters)
    estimate = futures[0].result() * len(futures)

    def numbered():
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


def _parts_drop(cur) -> None:
    """Drop the parts an interrupted parallel rebuild left (under its advisory lock)."""
    cur.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relname LIKE %s AND c.relkind = 'r'"
        " AND c.relnamespace = current_schema()::regnamespace",
        [PART_PREFIX.replace("_", r"\_") + "%"],
    )
    for (name,) in cur.fetchall():
        cur.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")


def _part_rebuild(*, cases, now, versions, bounds, part) -> int:
    """One range of a parallel rebuild, in this thread's own connection and transaction."""
    try:
        with connection.cursor() as cur:
            # (A new connection: its temporary tables may still be given more memory.)
            cur.execute("SET temp_buffers = %s", [PART_TEMP_BUFFERS])
            with transaction.atomic():
                _settings_apply(cur, SETTINGS)
                _settings_apply(cur, {"enable_nestloop": "on", "enable_mergejoin": "on"})
                written = _rebuild_statements(
                    cur, cases=cases, now=now, versions=versions, bounds=bounds, part=part
                )
            if written >= BULK_ROWS // 2:
                # Freeze a large part here, side by side with the others, so that reading
                # it later costs this connection's time: unfrozen, each of its pages would
                # be marked and written again when first read (by the one that applies it).
                cur.execute(f"VACUUM (FREEZE) {part[0]}")
            return written
    finally:
        connection.close()


def _part_write(cur, *, part: tuple[str, str], now: datetime, final: str) -> int:
    """Write a part's result to its own unlogged table (see ``_rebuild_parallel``)."""
    name, mode = part
    if mode == "first":
        # (numbered 1, 2, ... for a bulk load: see ``_bulk_insert``)
        columns = ", ".join(COLUMNS)
        select = f"SELECT row_number() OVER () AS number, {columns} FROM ({final}) f"  # noqa: S608 (names are our own or quoted; values are bound parameters)
    else:
        select = _diff_sql(final, IN_SCOPE_SQL)
    cur.execute(f"CREATE UNLOGGED TABLE {name} AS {select}", {"now": now})
    written = cur.rowcount
    cur.execute(f"ANALYZE {name}")
    return written


def _scope_create(cur, *, cases, versions: dict[int, int], bounds=(None, None)) -> int:
    """``rb_case``: the cases in scope (ids within ``bounds``) with their rule-set version
    (a case without a clock takes its force's current one; its clock is written at the
    end). Returns how many."""
    values = ", ".join(["(%s, %s)"] * len(versions))
    flat = [x for pair in versions.items() for x in pair]
    scope, params = f"WHERE {_bounds_sql('c.id', bounds)}", []
    if cases is not None:
        scope_sql, params = _case_ids_sql(cases)
        scope += f" AND c.id IN ({scope_sql})"
    cur.execute(
        f"""
        CREATE TEMP TABLE rb_case ON COMMIT DROP AS
        SELECT c.id AS case_id, c.crime_type_id, c.officer_in_charge_id AS officer_id,
               COALESCE(cc.rule_set_version_id, m.version_id) AS version_id,
               cc.case_id IS NULL AS unclocked
        FROM cases_case c
        JOIN (VALUES {values}) AS m(force_id, version_id) ON m.force_id = c.force_id
        LEFT JOIN care_caseclock cc ON cc.case_id = c.id
        {scope}
        """,  # noqa: S608 (placeholders only)
        [*flat, *params],
    )
    in_scope = cur.rowcount
    cur.execute("ANALYZE rb_case")
    return in_scope


def _bounds_sql(column: str, bounds: tuple[int | None, int | None]) -> str:
    """``column`` within a part's case-id ``bounds``, as SQL (a part's rows are dropped by
    the scan, before any join: cheaper than a probe each)."""
    low, high = bounds
    conditions = [f"{column} >= {int(low)}"] if low is not None else []
    conditions += [f"{column} < {int(high)}"] if high is not None else []
    return " AND ".join(conditions) or "true"


def _rebuild_statements(
    cur,
    *,
    cases,
    now: datetime,
    versions: dict[int, int],
    bounds: tuple[int | None, int | None] = (None, None),
    part: tuple[str, str] | None = None,
) -> int:
    """The rebuild of the cases in scope with ids in ``bounds`` (from, up to; ``None``:
    open). With ``part`` (table name, mode), the result is written to that table instead
    of care_obligation: every obligation (mode ``first``) or the differences from the
    stored rows (mode ``diff``); no clock is written."""
    for name in TEMP_TABLES:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
    in_scope = _scope_create(cur, cases=cases, versions=versions, bounds=bounds)
    large = in_scope >= LARGE_SCOPE
    if large:
        _settings_apply(cur, {"enable_nestloop": "off", "enable_mergejoin": "off"})
    cur.execute("SELECT DISTINCT version_id, crime_type_id FROM rb_case")
    tables = _entries(cur.fetchall(), dict(CrimeType.objects.values_list("id", "code")))
    for table, columns in SMALL_TABLES.items():
        cur.execute(f"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP")
        _copy_rows(cur, table, tables[table])
    cur.execute(
        f"""
        CREATE TEMP TABLE rb_vic ON COMMIT DROP AS
        SELECT v.id AS victim_id, v.case_id, k.key_id, c.officer_id
        FROM cases_victim v
        JOIN rb_case c ON c.case_id = v.case_id
        JOIN rb_key k ON k.version_id = c.version_id AND k.crime_type_id = c.crime_type_id
         AND k.enhanced = (v.most_serious_crime OR v.persistently_targeted OR v.vulnerable
                           OR v.intimidated)
        WHERE {_bounds_sql("v.case_id", bounds)}
        """,  # noqa: S608 (numbers only)
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
                 x.flag, e.at, e.id AS event_id, x.position
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
                 THEN {_end_of_day_sql("t.day + r.every")}
                 ELSE {_end_of_day_sql(_working_days_later_sql("t.day", "r.wd"))}
               END AS due_at,
               t.officer_id,
               CASE WHEN r.pattern = '{RulePattern.RECURRING}' THEN t.day END AS first_day,
               CASE WHEN r.pattern = '{RulePattern.RECURRING}' THEN r.every END AS every
        FROM (
          -- (the day is worked out here, once per trigger, not once per rule it starts)
          SELECT DISTINCT ON (h.victim_id, h.sig_id, CASE WHEN h.flag THEN h.event_id END)
                 h.*, {_day_sql("h.at")} AS day
          FROM h WHERE h.role = {TRIGGER}
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
        written = _part_write(cur, part=part, now=now, final=final)
    else:
        count = first_count + later_count
        in_scope = cases is not None or bounds != (None, None)
        written = _obligations_write(cur, in_scope=in_scope, now=now, count=count, final=final)
        _clocks_write(cur, now=now)
    return written


def _later_occurrences(cur, *, now: datetime, first_count: int) -> int:
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
    return cur.rowcount


# (rb_case has one row per case: joining it keeps each stored row once, and lets the
# planner look a few cases' rows up by index.)
IN_SCOPE_SQL = "JOIN rb_case c ON c.case_id = o.case_id"


def _obligations_write(cur, *, in_scope: bool, now: datetime, count: int, final: str) -> int:
    """Write the difference between the computed obligations and the stored ones."""
    join = IN_SCOPE_SQL if in_scope else ""
    cur.execute(f"SELECT EXISTS (SELECT 1 FROM care_obligation o {join})")  # noqa: S608 (names are our own or quoted; values are bound parameters)
    if not cur.fetchone()[0]:
        # Nothing stored yet (a first clocking): every row is new.
        columns = ", ".join(COLUMNS)
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
        SELECT o.id, {", ".join(f"f.{name}" for name in COLUMNS)}
        FROM (SELECT o.id, {stored} FROM care_obligation o {join}) o
        FULL JOIN ({final}) f ON {KEY_MATCH_SQL}
        WHERE o.id IS NULL OR f.victim_id IS NULL
           OR ({state_old}) IS DISTINCT FROM ({state_new})
        """  # noqa: S608 (names are our own or quoted; values are bound parameters)


def _new_write(
    cur,
    *,
    select: str,
    params: dict | None,
    count: int,
    numbered: Iterable[tuple[str, int]] | None = None,
    ready: Callable[[], None] | None = None,
) -> int:
    """Insert ``count`` new obligations (``select``, in care_obligation's columns); many
    of them, into a table that at least doubles, go the bulk-load way. There the rows
    take a block of ids at once (a call of the id sequence per row would cost seconds):
    by ``numbered`` inserts if given (see ``_bulk_insert``), else by numbering ``select``.
    ``ready`` waits until ``select`` can run (``numbered`` waits as it goes)."""
    columns = ", ".join(COLUMNS)
    insert = f"INSERT INTO care_obligation ({columns}) {select}"
    if count >= BULK_ROWS and count >= _table_rows(cur, "care_obligation"):
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
    return cur.rowcount


def _diff_apply(cur, source: str) -> int:
    """Apply the differences in ``source`` (a table or subquery shaped as ``_diff_sql``)."""
    _settings_apply(cur, {"enable_nestloop": "on"})  # few rows now: by primary key
    cur.execute(
        f"""
        UPDATE care_obligation o SET {", ".join(f"{name} = f.{name}" for name in STATE_FIELDS)}
        FROM {source} f WHERE f.id = o.id AND f.victim_id IS NOT NULL
        """  # noqa: S608 (names are our own or quoted; values are bound parameters)
    )
    written = cur.rowcount
    cur.execute(
        f"DELETE FROM care_obligation o USING {source} f WHERE f.id = o.id AND f.victim_id IS NULL"  # noqa: S608 (names are our own or quoted; values are bound parameters)
    )
    cur.execute(f"SELECT count(*) FROM {source} f WHERE f.id IS NULL")  # noqa: S608 (names are our own or quoted; values are bound parameters)
    inserts = cur.fetchone()[0]
    columns = ", ".join(COLUMNS)
    select = f"SELECT {columns} FROM {source} f WHERE f.id IS NULL"  # noqa: S608 (names are our own or quoted; values are bound parameters)
    return written + _new_write(cur, select=select, params=None, count=inserts)


_UPSERT_SQL = (
    " ON CONFLICT (victim_id, code, trigger_event_id, occurrence) DO UPDATE SET "
    + ", ".join(f"{name} = EXCLUDED.{name}" for name in STATE_FIELDS)
)


def _clocks_write(cur, *, now: datetime) -> None:
    """The clocks of the cases in scope that had none, under the version they were given."""
    cur.execute("SELECT count(*) FROM rb_case WHERE unclocked")
    count = cur.fetchone()[0]
    if not count:
        return
    insert = """
        INSERT INTO care_caseclock (case_id, rule_set_version_id, clocked_at)
        SELECT case_id, version_id, %(now)s FROM rb_case WHERE unclocked
        ON CONFLICT (case_id) DO NOTHING
    """
    if count >= BULK_ROWS and count >= _table_rows(cur, "care_caseclock"):
        # Under the bulk load's lock nobody else clocks a case: the clocks written since
        # rb_case was made are left out once, not checked row by row.
        locked = [
            """
            UPDATE rb_case r SET unclocked = false FROM care_caseclock cc
            WHERE r.unclocked AND cc.case_id = r.case_id
            """,
            """
            INSERT INTO care_caseclock (case_id, rule_set_version_id, clocked_at)
            SELECT case_id, version_id, %(now)s FROM rb_case WHERE unclocked
            """,
        ]
        _bulk_insert(cur, "care_caseclock", insert, {"now": now}, locked=locked)
    else:
        cur.execute(insert, {"now": now})


def _table_rows(cur, table: str) -> int:
    cur.execute(
        "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [table]
    )
    return cur.fetchone()[0]


def _bulk_insert(
    cur,
    table: str,
    insert: str,
    params: dict | None,
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
            lock = _settings_apply(cur, {"lock_timeout": "5s"})
            cur.execute(f"LOCK TABLE {quoted(table)} IN ACCESS EXCLUSIVE MODE")
            for owner, name, constraint, _ in definitions:
                if constraint:
                    cur.execute(
                        f"ALTER TABLE {owner or quoted(table)} DROP CONSTRAINT {quoted(name)}"
                    )
                else:
                    cur.execute(f"DROP INDEX {name}")
            _settings_apply(cur, lock)
    except DatabaseError:
        if ready is not None:
            ready()
        cur.execute(insert, params)
        return cur.rowcount
    if numbered is None:
        # (``locked``: statements to run instead of ``insert`` under the lock, the last one
        # an insert)
        for statement in locked or [insert]:
            cur.execute(statement, params)
        written = cur.rowcount
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


__all__ = ["RulePattern", "obligations_rebuild_all"]
