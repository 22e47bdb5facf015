"""The Victims' Code clock of one case: started when the case is opened, replayed from its
event log after every event, the difference written to its obligations, and a breach
alert raised for what newly fell overdue."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeAlias, cast, overload

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import DateTimeField, Field
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from victimcare.care.clock import (
    CLOCK_COLUMNS,
    KEY_FIELDS,
    OBLIGATION_COLUMNS,
    STATE_FIELDS,
    EventFact,
    RuleSpec,
    VictimFact,
    obligations_compute,
)
from victimcare.care.constants import ObligationStatus
from victimcare.care.models import BreachAlert, CaseClock, Obligation, RuleSetVersion
from victimcare.care.services.rule_sets import (
    RULE_SET_CHOICE_SQL,
    report_day,
    rule_set_choice_params,
    rule_set_version_for,
    rules_for_version,
)
from victimcare.cases._prepared import prepared_cursor
from victimcare.cases.models import Case, CaseEvent, Victim
from victimcare.cases.services import OpenedCase
from victimcare.forces.models import CrimeType

# A stored obligation by victim, code, trigger event and occurrence.
ObligationKey: TypeAlias = tuple[int, str, int, int]


def case_clock_get_or_start(*, case_id: int, force_id: int) -> CaseClock:
    clock = CaseClock.objects.select_related("rule_set_version").filter(case_id=case_id).first()
    if clock is None:
        reported_at = Case.objects.values_list("reported_at", flat=True).get(pk=case_id)
        clock = CaseClock.objects.create(
            case_id=case_id,
            rule_set_version=rule_set_version_for(force_id, report_day(reported_at)),
            clocked_at=timezone.now(),
        )
        clock.started_now = True  # type: ignore[attr-defined]  # (read back with getattr)
    return clock


def case_event_apply(event: CaseEvent, opened: OpenedCase | None = None) -> None:
    """The case-event listener: bring the case's obligations up to date with its log.

    When the event opened the case, everything the clock needs is in memory (the case's
    victims, and this event as its only one), so the clock starts without reading back."""
    if opened is not None:
        case_clock_start(case=event.case, victims=opened.victims, event=event)
        return
    case_clock_replay(case_id=event.case_id, force_id=event.case.force_id)


def case_clock_start(*, case: Case, victims: Iterable[Victim], event: CaseEvent) -> None:
    """Start the clock of a case just opened by ``event``: two statements in all.

    This runs for every new case (hundreds a second from records systems), so it is plain
    SQL: one statement chooses the rule-set version and writes the clock row, and one
    writes every obligation. A new case has no obligations stored yet, so everything
    computed is inserted (``case_clock_replay`` compares with what is stored instead)."""
    now = timezone.now()
    version_id, checksum = _case_clock_insert(
        case_id=case.pk, force_id=case.force_id, day=report_day(case.reported_at), now=now
    )
    states = obligations_compute(
        rules=rules_for_version(version_id, checksum),
        victims=[VictimFact(id=v.pk, enhanced=v.is_enhanced) for v in victims],
        crime_type=case.crime_type.code,
        events=[EventFact.from_row(id=event.pk, kind=event.kind, at=event.at, detail=event.detail)],
        now=now,
    )
    rows = [
        {
            "case_id": case.pk,
            "victim_id": state.victim_id,
            "code": state.code,
            "trigger_event_id": state.trigger_event_id,
            "occurrence": state.occurrence,
            **state.values(officer_id=case.officer_in_charge_id),
        }
        for state in states
    ]
    ids = _obligations_insert(rows)
    # As in _obligations_write: a case reported late may owe something already overdue.
    newly_breached = [
        Obligation(id=pk, **row)
        for pk, row in zip(ids, rows, strict=True)
        if row["status"] == ObligationStatus.BREACHED and row["due_at"] > now - timedelta(1)
    ]
    if newly_breached:
        _alerts_raise(newly_breached, force_id=case.force_id, now=now)


_CLOCK_COLUMNS = ", ".join(CLOCK_COLUMNS)


def _case_clock_insert(*, case_id: int, force_id: int, day: date, now: datetime) -> tuple[int, str]:
    """Write a new case's clock under the newest version of the rule set for its force and
    report ``day`` (``RULE_SET_CHOICE_SQL``: the force's local choice, else the Code in
    force that day), in one statement; returns the version's id and checksum."""
    ops = connection.ops
    with prepared_cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {CaseClock._meta.db_table} ({_CLOCK_COLUMNS})
            SELECT %s, rv.id, %s FROM {RuleSetVersion._meta.db_table} rv
            WHERE rv.rule_set_id = {RULE_SET_CHOICE_SQL}
            ORDER BY rv.version DESC LIMIT 1
            RETURNING rule_set_version_id,
              (SELECT checksum FROM {RuleSetVersion._meta.db_table}
               WHERE id = rule_set_version_id)
            """,  # noqa: S608 (the models' own table names)
            [case_id, ops.adapt_datetimefield_value(now), *rule_set_choice_params(force_id, day)],
        )
        found = cursor.fetchone()
        if found is not None:
            return found[0], found[1]
        # No rule set version matched: rule_set_version_for loads the rule sets shipped
        # with the package (a database emptied since its migrations ran).
        version = rule_set_version_for(force_id, day)
        cursor.execute(
            f"INSERT INTO {CaseClock._meta.db_table} ({_CLOCK_COLUMNS}) "  # noqa: S608 (names are our own or quoted; values are bound parameters)
            "VALUES (%s, %s, %s)",
            [case_id, version.pk, ops.adapt_datetimefield_value(now)],
        )
        return version.pk, version.checksum


_OBLIGATION_FIELDS = cast(  # (concrete fields, each with its column)
    "list[Field[Any, Any]]", [Obligation._meta.get_field(name) for name in OBLIGATION_COLUMNS]
)


def _obligations_insert(rows: list[dict[str, Any]]) -> list[int]:
    """Insert new obligations (each a dict of the model's field attnames and values) in
    one plain statement; returns their ids, in order.

    Plain SQL because it runs for every new case, and ``bulk_create`` cost several times
    more in Python than the insert itself. On PostgreSQL the rows go as one JSON parameter
    read by ``json_populate_recordset`` with the table's own row type: one statement with
    one parameter, prepared once per connection, where a multi-row VALUES list of a case's
    60-odd parameters was parsed and planned on every report. SQLite takes the VALUES
    list. The columns are the model's fields (the rows must give every one)."""
    if not rows:
        return []
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the ``connection`` proxy costs
    quote = db.ops.quote_name
    table = quote(Obligation._meta.db_table)
    columns = ", ".join(quote(f.column) for f in _OBLIGATION_FIELDS)  # type: ignore[arg-type]  # (concrete)
    with prepared_cursor() as cursor:
        if db.vendor == "postgresql":
            records = [{f.column: row[f.attname] for f in _OBLIGATION_FIELDS} for row in rows]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608 (names are our own or quoted; values are bound parameters)
                f"FROM json_populate_recordset(NULL::{table}, %s) RETURNING id",
                [json.dumps(records, default=_json_value)],
            )
        else:
            row_marks = "(" + ", ".join(["%s"] * len(_OBLIGATION_FIELDS)) + ")"
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 (names are our own or quoted; values are bound parameters)
                f"VALUES {', '.join([row_marks] * len(rows))} RETURNING id",
                [
                    f.get_db_prep_save(row[f.attname], db)
                    for row in rows
                    for f in _OBLIGATION_FIELDS
                ],
            )
        return [found[0] for found in cursor.fetchall()]


def _json_value(value: object) -> str:
    """A value JSON cannot hold, as PostgreSQL reads it back (ISO 8601 for times, with
    their offset and every microsecond)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def case_clock_replay(*, case_id: int, force_id: int, now: datetime | None = None) -> None:
    """Recompute a case's obligations from its whole event log and write the difference.

    Three plain reads whatever happened (the case's clock and victims, its events, its
    obligations), then at most one insert, one update and one delete. The reads are plain
    SQL: this runs for every event recorded, and building ORM queries cost more than
    running them.
    """
    now = now or timezone.now()
    victim_rows = _replay_victims(case_id)
    if not victim_rows or victim_rows[0][4] is None:
        clock = case_clock_get_or_start(case_id=case_id, force_id=force_id)
        version_id, checksum = clock.rule_set_version_id, clock.rule_set_version.checksum
        started_now = getattr(clock, "started_now", False)
        if not victim_rows:
            return
    else:
        version_id, checksum, started_now = victim_rows[0][4], victim_rows[0][5], False
    crime_type, officer_id = victim_rows[0][2], victim_rows[0][3]
    victims = [VictimFact(id=row[0], enhanced=bool(row[1])) for row in victim_rows]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, kind, at, detail FROM {CaseEvent._meta.db_table} WHERE case_id = %s",  # noqa: S608 (names are our own or quoted; values are bound parameters)
            [case_id],
        )
        events = [
            EventFact.from_row(
                id=row[0],
                kind=row[1],
                at=_db_datetime(row[2]),
                detail=json.loads(row[3]) if isinstance(row[3], str | bytes) else row[3],
            )
            for row in cursor.fetchall()
        ]
    # A clock started just now has written nothing yet: no need to look.
    stored = {} if started_now else _replay_stored(case_id)
    _obligations_write(
        case_id=case_id,
        force_id=force_id,
        rules=rules_for_version(version_id, checksum),
        victims=victims,
        crime_type=crime_type,
        officer_id=officer_id,
        events=events,
        stored=stored,
        now=now,
    )


@overload
def _db_datetime(value: None) -> None: ...
@overload
def _db_datetime(value: datetime | str | bytes) -> datetime: ...
def _db_datetime(value: datetime | str | bytes | None) -> datetime | None:
    """A datetime read with plain SQL, aware in UTC (SQLite gives text, PostgreSQL values)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = parse_datetime(value if isinstance(value, str) else value.decode())
    # (a stored date-time always parses)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)  # type: ignore[arg-type,union-attr]


def _replay_victims(case_id: int) -> list[tuple[Any, ...]]:
    """Per victim: id, enhanced, crime type code, officer, clock's version, checksum."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT v.id,
                   (v.most_serious_crime OR v.persistently_targeted OR v.vulnerable
                    OR v.intimidated),
                   ct.code, c.officer_in_charge_id, cc.rule_set_version_id,
                   rv.checksum
            FROM {Victim._meta.db_table} v
            JOIN {Case._meta.db_table} c ON c.id = v.case_id
            JOIN {CrimeType._meta.db_table} ct ON ct.id = c.crime_type_id
            LEFT JOIN {CaseClock._meta.db_table} cc ON cc.case_id = c.id
            LEFT JOIN {RuleSetVersion._meta.db_table} rv ON rv.id = cc.rule_set_version_id
            WHERE v.case_id = %s
            ORDER BY v.id
            """,  # noqa: S608 (the models' own table names)
            [case_id],
        )
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


_STORED_COLUMNS = ("id", *KEY_FIELDS, *STATE_FIELDS)
_STORED_DATETIMES = frozenset(
    f.attname for f in Obligation._meta.concrete_fields if isinstance(f, DateTimeField)
)


def _replay_stored(case_id: int) -> dict[ObligationKey, Obligation]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_STORED_COLUMNS)} FROM {Obligation._meta.db_table} "  # noqa: S608 (names are our own or quoted; values are bound parameters)
            "WHERE case_id = %s",
            [case_id],
        )
        rows = cursor.fetchall()
    stored: dict[ObligationKey, Obligation] = {}
    for row in rows:
        values = dict(zip(_STORED_COLUMNS, row, strict=True))
        for name in _STORED_DATETIMES:
            values[name] = _db_datetime(values[name])
        obligation = Obligation(case_id=case_id, **values)
        obligation._state.adding = False
        obligation._state.db = connection.alias
        stored[
            (
                obligation.victim_id,
                obligation.code,
                obligation.trigger_event_id,
                obligation.occurrence,
            )
        ] = obligation
    return stored


def _obligations_write(
    *,
    case_id: int,
    force_id: int,
    rules: list[RuleSpec],
    victims: list[VictimFact],
    crime_type: str,
    officer_id: int | None,
    events: list[EventFact],
    stored: dict[ObligationKey, Obligation],
    now: datetime,
) -> None:
    """Compute a case's obligations and write the difference from those ``stored``."""
    computed = {
        state.key: state
        for state in obligations_compute(
            rules=rules, victims=victims, crime_type=crime_type, events=events, now=now
        )
    }
    to_create: list[Obligation] = []
    to_update: list[Obligation] = []
    newly_breached: list[Obligation] = []
    for key, state in computed.items():
        values = state.values(officer_id=officer_id)
        row = stored.pop(key, None)
        if row is None:
            row = Obligation(
                case_id=case_id,
                victim_id=state.victim_id,
                code=state.code,
                trigger_event_id=state.trigger_event_id,
                occurrence=state.occurrence,
                **values,
            )
            to_create.append(row)
            if state.status == ObligationStatus.BREACHED and state.due_at > now - timedelta(1):
                newly_breached.append(row)
            continue
        if any(getattr(row, name) != value for name, value in values.items()):
            if state.status == ObligationStatus.BREACHED and row.status == ObligationStatus.OPEN:
                newly_breached.append(row)
            for name, value in values.items():
                setattr(row, name, value)
            to_update.append(row)
    if to_create:
        Obligation.objects.bulk_create(to_create)
    if to_update:
        _obligations_update(to_update)
    if stored:
        Obligation.objects.filter(pk__in=[o.pk for o in stored.values()]).delete()
    if newly_breached:
        _alerts_raise(newly_breached, force_id=force_id, now=now)


def _obligations_update(rows: list[Obligation]) -> None:
    """Write the compared fields of changed obligations: one plain UPDATE per row."""
    ops = connection.ops
    assignments = ", ".join(f"{name} = %s" for name in STATE_FIELDS)
    params = [
        [
            ops.adapt_datetimefield_value(getattr(row, name))
            if name in _STORED_DATETIMES
            else getattr(row, name)
            for name in STATE_FIELDS
        ]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Obligation._meta.db_table} SET {assignments} WHERE id = %s",  # noqa: S608 (names are our own or quoted; values are bound parameters)
            params,
        )


def _alerts_raise(obligations: Iterable[Obligation], *, force_id: int, now: datetime) -> None:
    BreachAlert.objects.bulk_create(
        [
            BreachAlert(
                obligation_id=o.pk, force_id=force_id, officer_id=o.officer_id, raised_at=now
            )
            for o in obligations
            if o.pk is not None
        ],
        ignore_conflicts=True,
    )
