"""Every write of the care app: rule sets, the Victims' Code clock, contacts, needs
assessments, referrals, visits and breach alerts."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from victimcare.care.clock import (
    EventFact,
    RuleSpec,
    VictimFact,
    obligations_compute,
    rule_spec,
)
from victimcare.care.constants import (
    OUTSTANDING,
    VICTIM_TEXT_MAX_LENGTH,
    DecisionOutcome,
    Need,
    ObligationStatus,
    ReferralConsent,
    ReferralStatus,
    SafeRoute,
    VisitStatus,
)
from victimcare.care.deadlines import working_day_table
from victimcare.care.models import (
    BreachAlert,
    CalendarDay,
    CaseClock,
    EventReceipt,
    ForceCarePolicy,
    NeedsAssessment,
    Obligation,
    Referral,
    Rule,
    RuleSet,
    RuleSetVersion,
    Visit,
    VisitSlot,
)
from victimcare.cases._prepared import prepared_cursor
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, CaseEvent, Victim
from victimcare.cases.services import OpenedCase, case_event_record
from victimcare.forces.models import CrimeType

RULE_SET_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_RULE_SET = "vc2020"
FUTURE_SKEW = timedelta(minutes=5)


class CareError(ValueError):
    """An action on a case cannot be done as asked; the message says how to put it right."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


# --- rule sets ---------------------------------------------------------------------------


def _checksum(definition: dict) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def rule_sets_load(*, directory: Path | None = None, apps=None) -> list:
    """Load every ``rule_set_*.json``; a rule set whose JSON changed gets a new version.

    Idempotent: unchanged files create nothing. Old versions are never altered, so cases
    clocked under them keep their rules. ``apps`` is a migration's app registry.
    """
    get = (lambda name: apps.get_model("care", name)) if apps else None
    rule_set_model = get("RuleSet") if get else RuleSet
    version_model = get("RuleSetVersion") if get else RuleSetVersion
    rule_model = get("Rule") if get else Rule
    created = []
    with transaction.atomic():
        for path in sorted((directory or RULE_SET_DIR).glob("rule_set_*.json")):
            definition = json.loads(path.read_text())
            for position, raw in enumerate(definition["rules"]):
                rule_spec(position, raw)  # refuse a rule set the clock cannot run
            rule_set, _ = rule_set_model.objects.get_or_create(
                code=definition["code"], defaults={"name": definition["name"]}
            )
            latest = version_model.objects.filter(rule_set=rule_set).order_by("-version").first()
            checksum = _checksum(definition)
            if latest is not None and latest.checksum == checksum:
                continue
            if rule_set.name != definition["name"]:
                rule_set.name = definition["name"]
                rule_set.save(update_fields=["name"])
            version = version_model.objects.create(
                rule_set=rule_set,
                version=(latest.version + 1) if latest else 1,
                checksum=checksum,
                definition=definition,
                loaded_at=timezone.now(),
            )
            rule_model.objects.bulk_create(
                rule_model(
                    version=version,
                    code=raw["code"],
                    title=raw["title"],
                    position=position,
                    definition=raw,
                )
                for position, raw in enumerate(definition["rules"])
            )
            created.append(version)
    return created


def calendar_fill(*, apps=None) -> int:
    """Write the working-day calendar table the set-based rebuild joins (idempotent)."""
    model = apps.get_model("care", "CalendarDay") if apps else CalendarDay
    table = working_day_table()
    if model.objects.count() == len(table.is_working):
        return 0
    with transaction.atomic():
        model.objects.all().delete()
        model.objects.bulk_create(
            (model(day=day, is_working=w, working_index=i) for day, w, i in table.rows()),
            batch_size=5000,
        )
    return len(table.is_working)


@transaction.atomic
def care_policy_set(*, force, rule_set_code: str) -> ForceCarePolicy:
    """Choose the rule set a force runs; cases already clocked keep their version."""
    try:
        rule_set = RuleSet.objects.get(code=rule_set_code)
    except RuleSet.DoesNotExist:
        codes = ", ".join(RuleSet.objects.values_list("code", flat=True))
        raise CareError(f"Unknown rule set {rule_set_code!r}; choose one of: {codes}") from None
    policy, _ = ForceCarePolicy.objects.update_or_create(
        force=force, defaults={"rule_set": rule_set, "changed_at": timezone.now()}
    )
    return policy


def rule_set_version_for_force(force_id: int) -> RuleSetVersion:
    """The newest version of the force's rule set (``vc2020`` when it has chosen none).

    One plain statement (it runs for every new case): the force's choice, falling back to
    the default, in a subquery."""
    version = _rule_set_version_newest(force_id)
    if version is None and not RuleSetVersion.objects.exists():
        # The rule sets ship as data with the package; a database emptied since its
        # migrations ran (a flushed test database, a restored dump) gets them back here.
        rule_sets_load()
        version = _rule_set_version_newest(force_id)
    if version is None:
        raise CareError("No rule sets are loaded: run the care migrations")
    return version


def _rule_set_version_newest(force_id: int) -> RuleSetVersion | None:
    found = list(
        RuleSetVersion.objects.raw(
            f"""
            SELECT * FROM {RuleSetVersion._meta.db_table}
            WHERE rule_set_id = COALESCE(
              (SELECT rule_set_id FROM {ForceCarePolicy._meta.db_table} WHERE force_id = %s),
              (SELECT id FROM {RuleSet._meta.db_table} WHERE code = %s))
            ORDER BY version DESC LIMIT 1
            """,  # noqa: S608 (the models' own table names)
            [force_id, DEFAULT_RULE_SET],
        )
    )
    return found[0] if found else None


_RULES_CACHE: dict[tuple[int, str], list[RuleSpec]] = {}


def rules_for_version(version_id: int, checksum: str) -> list[RuleSpec]:
    """A version's parsed rules. Versions never change, so they are cached per process."""
    key = (version_id, checksum)
    if key not in _RULES_CACHE:
        rows = Rule.objects.filter(version_id=version_id).order_by("position")
        _RULES_CACHE[key] = [rule_spec(row.id, row.definition) for row in rows]
    return _RULES_CACHE[key]


# --- the clock ---------------------------------------------------------------------------


def case_clock_get_or_start(*, case_id: int, force_id: int) -> CaseClock:
    clock = CaseClock.objects.select_related("rule_set_version").filter(case_id=case_id).first()
    if clock is None:
        clock = CaseClock.objects.create(
            case_id=case_id,
            rule_set_version=rule_set_version_for_force(force_id),
            clocked_at=timezone.now(),
        )
        clock.started_now = True
    return clock


def case_event_apply(event: CaseEvent, opened: OpenedCase | None = None) -> None:
    """The case-event listener: bring the case's obligations up to date with its log.

    When the event opened the case, everything the clock needs is in memory (the case's
    victims, and this event as its only one), so the clock starts without reading back."""
    if opened is not None:
        case_clock_start(case=event.case, victims=opened.victims, event=event)
        return
    case_clock_replay(case_id=event.case_id, force_id=event.case.force_id)


def case_clock_start(*, case: Case, victims, event: CaseEvent) -> None:
    """Start the clock of a case just opened by ``event``: two statements in all.

    This runs for every new case (hundreds a second from records systems), so it is plain
    SQL: one statement chooses the rule-set version and writes the clock row, and one
    writes every obligation. A new case has no obligations stored yet, so everything
    computed is inserted (``case_clock_replay`` compares with what is stored instead)."""
    now = timezone.now()
    version_id, checksum = _case_clock_insert(case_id=case.pk, force_id=case.force_id, now=now)
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


def _case_clock_insert(*, case_id: int, force_id: int, now: datetime) -> tuple[int, str]:
    """Write a new case's clock under the newest version of its force's rule set (``vc2020``
    when it has chosen none), in one statement; returns the version's id and checksum."""
    ops = connection.ops
    with prepared_cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {CaseClock._meta.db_table} (case_id, rule_set_version_id, clocked_at)
            SELECT %s, rv.id, %s FROM {RuleSetVersion._meta.db_table} rv
            WHERE rv.rule_set_id = COALESCE(
              (SELECT rule_set_id FROM {ForceCarePolicy._meta.db_table} WHERE force_id = %s),
              (SELECT id FROM {RuleSet._meta.db_table} WHERE code = %s))
            ORDER BY rv.version DESC LIMIT 1
            RETURNING rule_set_version_id,
              (SELECT checksum FROM {RuleSetVersion._meta.db_table}
               WHERE id = rule_set_version_id)
            """,  # noqa: S608 (the models' own table names)
            [case_id, ops.adapt_datetimefield_value(now), force_id, DEFAULT_RULE_SET],
        )
        found = cursor.fetchone()
        if found is not None:
            return found[0], found[1]
        # No rule set version matched: rule_set_version_for_force loads the rule sets
        # shipped with the package (a database emptied since its migrations ran).
        version = rule_set_version_for_force(force_id)
        cursor.execute(
            f"INSERT INTO {CaseClock._meta.db_table} (case_id, rule_set_version_id, clocked_at) "  # noqa: S608 (names are our own or quoted; values are bound parameters)
            "VALUES (%s, %s, %s)",
            [case_id, version.pk, ops.adapt_datetimefield_value(now)],
        )
        return version.pk, version.checksum


_OBLIGATION_FIELDS = [f for f in Obligation._meta.concrete_fields if f is not Obligation._meta.pk]


def _obligations_insert(rows: list[dict]) -> list[int]:
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
    columns = ", ".join(quote(f.column) for f in _OBLIGATION_FIELDS)
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


def _json_value(value):
    """A value JSON cannot hold, as PostgreSQL reads it back (ISO 8601 for times, with
    their offset and every microsecond)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


FIELDS_COMPARED = (
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


def _db_datetime(value):
    """A datetime read with plain SQL, aware in UTC (SQLite gives text, PostgreSQL values)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = parse_datetime(value if isinstance(value, str) else value.decode())
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def _replay_victims(case_id: int) -> list[tuple]:
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
        return cursor.fetchall()


_STORED_COLUMNS = ("id", "victim_id", "code", "trigger_event_id", "occurrence", *FIELDS_COMPARED)
_STORED_DATETIMES = frozenset({"triggered_at", "due_at", "met_at", "cancelled_at", "breached_at"})


def _replay_stored(case_id: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_STORED_COLUMNS)} FROM {Obligation._meta.db_table} "  # noqa: S608 (names are our own or quoted; values are bound parameters)
            "WHERE case_id = %s",
            [case_id],
        )
        rows = cursor.fetchall()
    stored = {}
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
    *, case_id, force_id, rules, victims, crime_type, officer_id, events, stored, now
) -> None:
    """Compute a case's obligations and write the difference from those ``stored``."""
    computed = {
        state.key: state
        for state in obligations_compute(
            rules=rules, victims=victims, crime_type=crime_type, events=events, now=now
        )
    }
    to_create, to_update, newly_breached = [], [], []
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
    assignments = ", ".join(f"{name} = %s" for name in FIELDS_COMPARED)
    params = [
        [
            ops.adapt_datetimefield_value(getattr(row, name))
            if name in _STORED_DATETIMES
            else getattr(row, name)
            for name in FIELDS_COMPARED
        ]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Obligation._meta.db_table} SET {assignments} WHERE id = %s",  # noqa: S608 (names are our own or quoted; values are bound parameters)
            params,
        )


def _alerts_raise(obligations, *, force_id: int, now: datetime) -> None:
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


def obligations_mark_breached(*, now: datetime | None = None) -> int:
    """Mark open obligations past their deadline as breached and raise an alert for each.

    Idempotent and cheap: it touches only open obligations already due (an index range).
    Recurring obligations whose deadline passed get their next occurrence by replaying
    those cases.
    """
    now = now or timezone.now()
    due = list(
        Obligation.objects.filter(status=ObligationStatus.OPEN, due_at__lt=now).values(
            "id", "case_id", "officer_id", "due_at", "case__force_id", "rule__definition"
        )
    )
    if not due:
        return 0
    with transaction.atomic():
        ids = [row["id"] for row in due]
        for chunk in range(0, len(ids), 5000):
            Obligation.objects.filter(
                pk__in=ids[chunk : chunk + 5000], status=ObligationStatus.OPEN
            ).update(status=ObligationStatus.BREACHED, breached_at=_due_column())
        BreachAlert.objects.bulk_create(
            [
                BreachAlert(
                    obligation_id=row["id"],
                    force_id=row["case__force_id"],
                    officer_id=row["officer_id"],
                    raised_at=now,
                )
                for row in due
            ],
            ignore_conflicts=True,
            batch_size=5000,
        )
        recurring = {
            (row["case_id"], row["case__force_id"])
            for row in due
            if row["rule__definition"].get("pattern") == "recurring"
        }
        for case_id, force_id in recurring:
            case_clock_replay(case_id=case_id, force_id=force_id, now=now)
    return len(due)


def _due_column():
    from django.db.models import F

    return F("due_at")


# --- recording events --------------------------------------------------------------------

API_EVENT_KINDS = frozenset(EventKind.values) - {EventKind.REPORT_RECORDED}


def care_event_record(
    *,
    case: Case,
    kind: str,
    at: datetime,
    by=None,
    detail: dict | None = None,
    victim_text: str = "",
    idempotency_key: str = "",
    now: datetime | None = None,
) -> tuple[CaseEvent, bool]:
    """Record an event on a case after checking it makes sense; returns (event, created).

    A repeated ``idempotency_key`` for the same force returns the first event unchanged.
    """
    now = now or timezone.now()
    detail = dict(detail or {})
    if idempotency_key:
        found = (
            EventReceipt.objects.select_related("event")
            .filter(force_id=case.force_id, key=idempotency_key)
            .first()
        )
        if found is not None:
            if found.event.case_id != case.pk:
                raise CareError("That idempotency key was already used for another case")
            return found.event, False
    if kind not in API_EVENT_KINDS:
        raise CareError(
            f"Unknown event type {kind!r}; use one of: {', '.join(sorted(API_EVENT_KINDS))}",
            field="type",
        )
    if len(victim_text or "") > VICTIM_TEXT_MAX_LENGTH:
        raise CareError(
            f"What the victim is told must be {VICTIM_TEXT_MAX_LENGTH:,} characters or fewer",
            field="victim_text",
        )
    if at is None or timezone.is_naive(at):
        raise CareError(
            "Give the event time with its offset, e.g. 2027-03-25T15:00:00+00:00", field="at"
        )
    if at < case.reported_at:
        raise CareError("The event time is before the crime was reported", field="at")
    if at > now + FUTURE_SKEW:
        raise CareError("The event time is in the future", field="at")
    if kind == EventKind.DECISION:
        outcome = detail.get("outcome")
        if outcome not in DecisionOutcome.values:
            raise CareError(
                f"Unknown decision outcome {outcome!r}; use one of: "
                f"{', '.join(DecisionOutcome.values)}",
                field="outcome",
            )
    covers = detail.get("covers")
    if covers is not None and not (
        isinstance(covers, list) and all(isinstance(c, str) for c in covers)
    ):
        raise CareError("'covers' must be a list of obligation codes", field="covers")
    victim_id = detail.get("victim_id")
    if victim_id is not None and not Victim.objects.filter(pk=victim_id, case=case).exists():
        raise CareError("That victim is not on this case", field="victim_id")
    try:
        with transaction.atomic():
            event = case_event_record(
                case=case, kind=kind, at=at, by=by, detail=detail, victim_text=victim_text
            )
            if idempotency_key:
                EventReceipt.objects.create(
                    force_id=case.force_id, key=idempotency_key, event=event, created_at=now
                )
    except IntegrityError:
        # The same key raced in from a concurrent retry: return the event that won.
        found = EventReceipt.objects.select_related("event").get(
            force_id=case.force_id, key=idempotency_key
        )
        return found.event, False
    return event, True


@transaction.atomic
def contact_record(
    *, case: Case, by, victim_text: str, covers: list[str] | None = None, at=None
) -> CaseEvent:
    """Log a contact with the victim; ``victim_text`` is what they see in Track my case."""
    victim_text = (victim_text or "").strip()
    if not victim_text:
        raise CareError(
            "Enter the update the victim will see, for example what was decided and why",
            field="victim_text",
        )
    event, _ = care_event_record(
        case=case,
        kind=EventKind.CONTACT_MADE,
        at=at or timezone.now(),
        by=by,
        detail={"covers": list(covers or [])},
        victim_text=victim_text,
    )
    return event


@transaction.atomic
def written_information_record(*, case: Case, by, at=None) -> CaseEvent:
    event, _ = care_event_record(
        case=case,
        kind=EventKind.WRITTEN_INFORMATION_SENT,
        at=at or timezone.now(),
        by=by,
        victim_text="We sent you written information about your rights and what happens next.",
    )
    return event


def _victim_on_case(case: Case, victim_id) -> Victim:
    victim = Victim.objects.filter(pk=victim_id, case=case).first()
    if victim is None:
        raise CareError("Choose a victim on this case", field="victim")
    return victim


@transaction.atomic
def needs_assessment_record(
    *,
    case: Case,
    victim: Victim,
    by,
    needs: list[str],
    referral_consent: str,
    language: str = "",
    notes: str = "",
    share_contact_details: bool = False,
    share_needs: bool = False,
    share_summary: bool = False,
    safe_route: str = "",
    safe_route_confirmed: bool = False,
    at=None,
) -> NeedsAssessment:
    """Record what the victim needs and what they agree to share with a support service."""
    victim = _victim_on_case(case, victim.pk)
    unknown = set(needs) - set(Need.values)
    if unknown:
        raise CareError("Choose needs from the list", field="needs")
    if referral_consent not in ReferralConsent.values:
        raise CareError(
            "Say whether the victim wants to be referred to support", field="referral_consent"
        )
    if Need.LANGUAGE in needs and not language.strip():
        raise CareError("Enter the language the victim needs", field="language")
    if safe_route and safe_route not in SafeRoute.values:
        raise CareError("Choose a safe way to contact the victim", field="safe_route")
    at = at or timezone.now()
    event, _ = care_event_record(
        case=case,
        kind=EventKind.NEEDS_ASSESSED,
        at=at,
        by=by,
        detail={"victim_id": victim.pk, "needs": sorted(needs)},
        victim_text="We talked with you about what support you need.",
    )
    assessment = NeedsAssessment(
        case=case,
        victim=victim,
        assessed_at=at,
        assessed_by=by,
        needs=sorted(needs),
        language=language.strip(),
        notes=notes.strip(),
        referral_consent=referral_consent,
        share_contact_details=share_contact_details,
        share_needs=share_needs,
        share_summary=share_summary,
        safe_route=safe_route,
        safe_route_confirmed=safe_route_confirmed,
        event=event,
    )
    assessment.full_clean()
    assessment.save()
    if referral_consent == ReferralConsent.NO:
        care_event_record(
            case=case,
            kind=EventKind.REFERRAL_DECLINED,
            at=at,
            by=by,
            detail={"victim_id": victim.pk},
            victim_text="You told us you do not want to be referred to a support service.",
        )
    return assessment


def _referral_shared(*, case: Case, victim: Victim, assessment: NeedsAssessment) -> dict:
    """Only what the victim agreed to share, and only by the route that is safe."""
    details = getattr(victim, "personal_details", None)
    shared: dict = {"reference": case.reference, "crime_type": case.crime_type.name}
    if assessment.share_contact_details and details is not None:
        shared["name"] = details.full_name
        route = assessment.safe_route
        shared["contact_route"] = route
        if route == SafeRoute.PHONE:
            shared["phone"] = details.phone
        elif route == SafeRoute.EMAIL:
            shared["email"] = details.email
        elif route == SafeRoute.LETTER:
            shared["address"] = f"{details.address} {details.postcode}".strip()
        if details.times_to_avoid:
            shared["times_to_avoid"] = details.times_to_avoid
        if assessment.language:
            shared["language"] = assessment.language
    if assessment.share_needs:
        shared["needs"] = assessment.need_labels()
    if assessment.share_summary and case.summary:
        shared["summary"] = case.summary
    return shared


def referral_check(*, case: Case, victim: Victim, organisation) -> NeedsAssessment:
    """Why a referral may not go out, as a CareError; else the assessment it rests on."""
    existing = Referral.objects.filter(victim=victim).select_related("organisation").first()
    if existing is not None:
        raise CareError(
            f"This victim was already referred to {existing.organisation.name} on "
            f"{timezone.localtime(existing.sent_at):%d %B %Y}: do not refer them twice",
            field="organisation",
        )
    assessment = NeedsAssessment.objects.filter(victim=victim).order_by("-assessed_at").first()
    if assessment is None:
        raise CareError(
            "Record a needs assessment with the victim's consent first", field="organisation"
        )
    if assessment.referral_consent != ReferralConsent.YES:
        raise CareError("The victim did not agree to a referral", field="organisation")
    if not organisation.forces.filter(pk=case.force_id).exists():
        raise CareError(
            "Choose a support organisation that works with your force", field="organisation"
        )
    details = getattr(victim, "personal_details", None)
    route = assessment.safe_route
    if assessment.share_contact_details:
        if not route:
            raise CareError(
                "Record a safe way for the service to contact the victim", field="organisation"
            )
        if route == SafeRoute.PHONE and details is not None and details.phone_is_safe is False:
            raise CareError(
                "The victim's phone is marked not safe to contact: choose another route in a "
                "new needs assessment",
                field="organisation",
            )
        if case.crime_type.is_domestic_abuse:
            if not assessment.safe_route_confirmed:
                raise CareError(
                    "Domestic abuse: confirm with the victim that the contact route is safe "
                    "before referring",
                    field="organisation",
                )
            if (
                route == SafeRoute.PHONE
                and details is not None
                and details.phone_is_safe is not True
            ):
                raise CareError(
                    "Domestic abuse: the phone number has not been confirmed safe to contact",
                    field="organisation",
                )
        _duplicate_elsewhere_check(case=case, victim=victim, details=details)
    return assessment


def _duplicate_elsewhere_check(*, case: Case, victim: Victim, details) -> None:
    """The same person and crime recorded twice (two references) is referred once."""
    if details is None:
        return
    matches = Referral.objects.filter(
        case__force_id=case.force_id, case__crime_type=case.crime_type
    )
    contact = {}
    if details.phone:
        contact["victim__personal_details__phone"] = details.phone
    elif details.email:
        contact["victim__personal_details__email__iexact"] = details.email
    else:
        return
    window = timedelta(days=30)
    other = (
        matches.filter(
            **contact,
            victim__personal_details__family_name__iexact=details.family_name,
            case__reported_at__range=(case.reported_at - window, case.reported_at + window),
        )
        .exclude(victim=victim)
        .select_related("case")
        .first()
    )
    if other is not None:
        raise CareError(
            f"This looks like the same victim and crime as {other.case.reference}, which was "
            "already referred: do not refer them twice",
            field="organisation",
        )


@transaction.atomic
def referral_send(*, case: Case, victim: Victim, organisation, by, at=None) -> Referral:
    """Send a referral carrying only what the victim consented to share (safe-contact and
    duplicate checks first)."""
    victim = (
        Victim.objects.select_for_update(of=("self",))
        .select_related("personal_details")
        .get(pk=victim.pk)
    )
    if victim.case_id != case.pk:
        raise CareError("Choose a victim on this case", field="victim")
    assessment = referral_check(case=case, victim=victim, organisation=organisation)
    at = at or timezone.now()
    event, _ = care_event_record(
        case=case,
        kind=EventKind.REFERRAL_SENT,
        at=at,
        by=by,
        detail={"victim_id": victim.pk, "organisation_id": organisation.pk},
        victim_text=f"We passed your details to {organisation.name}, who will contact you.",
    )
    referral = Referral(
        case=case,
        victim=victim,
        organisation=organisation,
        assessment=assessment,
        sent_at=at,
        sent_by=by,
        shared=_referral_shared(case=case, victim=victim, assessment=assessment),
        status=ReferralStatus.SENT,
        status_changed_at=at,
        event=event,
    )
    referral.full_clean()
    referral.save()
    return referral


REFERRAL_NEXT = {
    ReferralStatus.SENT: {ReferralStatus.ACCEPTED, ReferralStatus.CLOSED},
    ReferralStatus.ACCEPTED: {ReferralStatus.CONTACT_MADE, ReferralStatus.CLOSED},
    ReferralStatus.CONTACT_MADE: {ReferralStatus.CLOSED},
    ReferralStatus.CLOSED: set(),
}


@transaction.atomic
def referral_status_change(*, referral: Referral, status: str) -> Referral:
    """A support organisation records what it did with a referral."""
    if status not in REFERRAL_NEXT.get(referral.status, set()):
        raise CareError(
            f"A referral that is {referral.get_status_display().lower()} cannot be marked "
            f"{ReferralStatus(status).label.lower() if status in ReferralStatus.values else status}",
            field="status",
        )
    referral.status = status
    referral.status_changed_at = timezone.now()
    referral.save(update_fields=["status", "status_changed_at"])
    return referral


# --- visits ------------------------------------------------------------------------------


@transaction.atomic
def visit_offer(*, case: Case, victim: Victim, by, at=None) -> Visit:
    """Offer the victim a visit (Total Victim Care)."""
    victim = _victim_on_case(case, victim.pk)
    at = at or timezone.now()
    visit = Visit.objects.filter(victim=victim).first()
    if visit is not None and visit.status != VisitStatus.MISSED:
        raise CareError("A visit was already offered to this victim", field="victim")
    care_event_record(
        case=case,
        kind=EventKind.VISIT_OFFERED,
        at=at,
        by=by,
        detail={"victim_id": victim.pk},
        victim_text="You were offered a visit from an officer. Choose a time in Track my case "
        "or call us.",
    )
    if visit is None:
        visit = Visit(case=case, victim=victim, offered_at=at)
    visit.status = VisitStatus.OFFERED
    visit.slot = None
    visit.status_changed_at = at
    visit.save()
    return visit


def visit_slot_book(*, victim: Victim, slot: VisitSlot, by=None, at=None) -> Visit:
    """Book a visit slot for a victim: from Track my case (``by`` None) or by staff on the
    phone. Offers the visit first if it had not been offered."""
    with transaction.atomic():
        slot = VisitSlot.objects.select_for_update().get(pk=slot.pk)
        case = victim.case
        if slot.force_id != case.force_id:
            raise CareError("Choose one of the times offered", field="slot")
        now = timezone.now()
        if slot.starts_at <= now:
            raise CareError("That time has passed: choose a later one", field="slot")
        taken = Visit.objects.filter(slot=slot, status=VisitStatus.ACCEPTED).count()
        if taken >= slot.capacity:
            raise CareError("That time has just been taken: choose another", field="slot")
        visit = Visit.objects.filter(victim=victim).first()
        if visit is None or visit.status == VisitStatus.MISSED:
            visit = visit_offer(case=case, victim=victim, by=by, at=at)
        elif visit.status == VisitStatus.DONE:
            raise CareError("The visit has already happened", field="slot")
        at = at or now
        when = timezone.localtime(slot.starts_at)
        care_event_record(
            case=case,
            kind=EventKind.VISIT_ACCEPTED,
            at=at,
            by=by,
            detail={"victim_id": victim.pk, "slot_id": slot.pk},
            victim_text=f"Your visit is booked for {when:%A %d %B at %H:%M}.",
        )
        visit.status = VisitStatus.ACCEPTED
        visit.slot = slot
        visit.status_changed_at = at
        visit.save()
        return visit


@transaction.atomic
def visit_decline(*, victim: Victim, by=None, at=None) -> Visit:
    case = victim.case
    visit = Visit.objects.filter(victim=victim).first()
    at = at or timezone.now()
    if visit is None:
        visit = Visit(case=case, victim=victim, offered_at=at)
    care_event_record(
        case=case,
        kind=EventKind.VISIT_DECLINED,
        at=at,
        by=by,
        detail={"victim_id": victim.pk},
        victim_text="You told us you do not want a visit. You can change your mind at any time.",
    )
    visit.status = VisitStatus.DECLINED
    visit.status_changed_at = at
    visit.save()
    return visit


@transaction.atomic
def visit_outcome_record(*, case: Case, victim: Victim, by, done: bool, at=None) -> Visit:
    """An officer records the visit done or missed."""
    victim = _victim_on_case(case, victim.pk)
    visit = Visit.objects.filter(victim=victim).first()
    if visit is None or visit.status not in (VisitStatus.OFFERED, VisitStatus.ACCEPTED):
        raise CareError("Offer or book a visit before recording it", field="outcome")
    at = at or timezone.now()
    care_event_record(
        case=case,
        kind=EventKind.VISIT_DONE if done else EventKind.VISIT_MISSED,
        at=at,
        by=by,
        detail={"victim_id": victim.pk},
        victim_text="An officer visited you."
        if done
        else "We missed our visit to you. We will be in touch to arrange another.",
    )
    visit.status = VisitStatus.DONE if done else VisitStatus.MISSED
    visit.status_changed_at = at
    visit.save()
    return visit


@transaction.atomic
def visit_slot_create(*, area, starts_at: datetime, minutes: int = 60, capacity: int = 1):
    slot = VisitSlot(
        force_id=area.force_id,
        area=area,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        capacity=capacity,
    )
    slot.full_clean()
    slot.save()
    return slot


# --- bulk --------------------------------------------------------------------------------


def obligations_rebuild(*, cases=None, now: datetime | None = None) -> int:
    """Clock cases in bulk (those without a clock get their force's current rule set) and
    recompute every obligation's state from the event log; ``cases`` is a queryset of
    Case (default: all). Set-based SQL on PostgreSQL; a case-by-case replay elsewhere.
    Returns the number of obligations written. Raises no breach alerts."""
    from victimcare.care.rebuild import obligations_rebuild_all

    return obligations_rebuild_all(cases=cases, now=now or timezone.now())


__all__ = [
    "OUTSTANDING",
    "CareError",
    "care_event_record",
    "case_event_apply",
    "obligations_mark_breached",
    "obligations_rebuild",
    "rule_sets_load",
]
