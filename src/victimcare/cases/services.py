"""Every write to cases, victims and the case event log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.audit.services import audit_record_create
from victimcare.cases._prepared import prepared_cursor
from victimcare.cases.constants import EnhancedGround, EventKind
from victimcare.cases.grounds import (
    grounds_derive,
    grounds_entries,
    grounds_flags,
    grounds_recorded,
    grounds_unknown,
)
from victimcare.cases.models import (
    Case,
    CaseEvent,
    ReferenceSequence,
    Victim,
    VictimPersonalDetails,
)
from victimcare.forces.models import Area, CrimeType, Force


class CaseError(ValueError):
    """A case cannot be recorded as asked; the message says why."""


@dataclass(frozen=True)
class OpenedCase:
    """Told to listeners with the event that opens a case: the case's victims, and that
    this event is the case's only one (so a listener need not read either back)."""

    victims: tuple[Victim, ...]


# Services of other apps that react to every new case event (the Victims' Code clock,
# notifications). Registered in their AppConfig.ready(); called inside the same
# transaction as the event, so an event and its consequences land together or not at all.
# A listener is called as ``listener(event, opened)``, ``opened`` being None except for
# the event that opens a case.
EVENT_LISTENERS: list[Callable[[CaseEvent, OpenedCase | None], None]] = []


def case_event_listener_register(
    listener: Callable[[CaseEvent, OpenedCase | None], None],
) -> None:
    if listener not in EVENT_LISTENERS:
        EVENT_LISTENERS.append(listener)


def _event_announce(event: CaseEvent, opened: OpenedCase | None = None) -> None:
    for listener in EVENT_LISTENERS:
        listener(event, opened)


@dataclass(frozen=True)
class VictimDetails:
    """What is known about a victim when a case is recorded."""

    given_name: str
    family_name: str
    date_of_birth: date | None = None
    email: str = ""
    phone: str = ""
    address: str = ""
    postcode: str = ""
    preferred_contact: str = "email"
    times_to_avoid: str = ""
    phone_is_safe: bool | None = None
    most_serious_crime: bool = False
    persistently_targeted: bool = False
    vulnerable: bool = False
    intimidated: bool = False
    equality: dict[str, str] = field(default_factory=dict)
    # Enhanced grounds recorded when the report was taken (EnhancedGround values), beside
    # any of the four booleans above set True; grounds that follow from the report (crime
    # type, hate element, age) are derived by case_create.
    enhanced_grounds: tuple[str, ...] = ()

    def recorded_grounds(self) -> list[str]:
        flagged = [g for g in EnhancedGround.values if getattr(self, g)]
        return list(dict.fromkeys([*self.enhanced_grounds, *flagged]))


def format_reference(*, force_code: str, year: int, number: int) -> str:
    """A human-friendly crime reference: force, two-digit year, six-digit number."""
    return f"{force_code}-{year % 100:02d}-{number:06d}"


def reference_allocate(*, force: Force, at: datetime) -> str:
    """The next crime reference for a force, safe under concurrent requests.

    One statement (an upsert that returns the new number), so the force's sequence row is
    locked only until the surrounding transaction ends. Callers that record reports under
    load allocate the reference *before* opening their own transaction (see
    ``intake.services.api_report_record``): the row lock then lasts one statement, and a
    report that fails afterwards leaves a gap in the numbers, never a duplicate.
    """
    year = timezone.localtime(at).year
    table = ReferenceSequence._meta.db_table
    with prepared_cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (force_id, year, last_number) VALUES (%s, %s, 1)
            ON CONFLICT (force_id, year) DO UPDATE SET last_number = {table}.last_number + 1
            RETURNING last_number
            """,  # noqa: S608 (the table name is the model's own)
            [force.pk, year],
        )
        number = cursor.fetchone()[0]
    return format_reference(force_code=force.code, year=year, number=number)


def case_create(
    *,
    force: Force,
    area: Area,
    crime_type: CrimeType,
    channel: str,
    reported_at: datetime,
    victim: VictimDetails,
    summary: str = "",
    occurred_at: datetime | None = None,
    recorded_by=None,
    officer_in_charge=None,
    reference: str | None = None,
    hate_element: bool = False,
    grounds_recorded_by: str = "",
) -> Case:
    """Record a reported crime with its victim and a 'report recorded' event.

    The victim's enhanced grounds are those recorded with the report (``victim``) and
    those that follow from it (crime type, ``hate_element``, under 18 at the time of the
    offence), each kept with where it came from (``grounds_recorded_by`` names who
    recorded them: a member of staff, the victim online, a records system).

    ``reference`` is one already allocated with ``reference_allocate`` (outside this
    transaction); without it one is allocated here.

    Everything is checked before the transaction opens; the rows are then written in one
    statement (see ``_opening_rows_insert``) and the event announced to the listeners. The
    transaction takes no savepoint inside a caller's: there is nothing partial to roll
    back to, so if anything in it fails the caller's transaction fails with it (a case
    lands whole, with its consequences, or not at all), and a report costs no SAVEPOINT
    and RELEASE round trips.
    """
    if area.force_id != force.pk:
        raise CaseError(f"Area {area.name} is not in {force.name}")
    if timezone.is_naive(reported_at):
        raise CaseError("reported_at must carry a time zone")
    unknown = grounds_unknown(victim.enhanced_grounds)
    if unknown:
        raise CaseError(f"Unknown enhanced ground {unknown[0]!r}")
    now = timezone.now()
    case = Case(
        reference=reference or "",
        force=force,
        area=area,
        crime_type=crime_type,
        channel=channel,
        reported_at=reported_at,
        occurred_at=occurred_at,
        summary=summary,
        recorded_by=recorded_by,
        officer_in_charge=officer_in_charge,
        hate_element=hate_element,
    )
    # The related rows were passed in as objects, and the database enforces uniqueness:
    # checking those again would cost a query each on every report.
    case.full_clean(
        exclude=_CASE_RELATIONS if reference else [*_CASE_RELATIONS, "reference"],
        validate_unique=False,
        validate_constraints=False,
    )
    offence = occurred_at or reported_at
    entries = grounds_entries(
        derived=grounds_derive(
            crime_type_name=crime_type.name,
            crime_type_most_serious=crime_type.most_serious_crime,
            hate_element=hate_element,
            date_of_birth=victim.date_of_birth,
            age_band=victim.equality.get("age_band", ""),
            offence_day=timezone.localtime(offence).date(),
        ),
        recorded=victim.recorded_grounds(),
        recorded_by=grounds_recorded_by or getattr(recorded_by, "username", ""),
        at=reported_at,
        recorded_reason="Recorded with the report",
    )
    victim_row = Victim(
        case=case,
        enhanced_grounds=entries,
        **grounds_flags(entries),
        **{k: v for k, v in victim.equality.items() if k in _EQUALITY_FIELDS},
    )
    victim_row.full_clean(exclude=["case"], validate_unique=False)
    details = VictimPersonalDetails(
        victim=victim_row,
        given_name=victim.given_name,
        family_name=victim.family_name,
        date_of_birth=victim.date_of_birth,
        email=victim.email,
        phone=victim.phone,
        address=victim.address,
        postcode=victim.postcode,
        preferred_contact=victim.preferred_contact,
        times_to_avoid=victim.times_to_avoid,
        phone_is_safe=victim.phone_is_safe,
    )
    details.full_clean(exclude=["victim"], validate_unique=False)
    event = CaseEvent(
        case=case,
        kind=EventKind.REPORT_RECORDED,
        at=reported_at,
        recorded_at=now,
        by=recorded_by,
        detail={"channel": channel},
        victim_text="Your report was recorded.",
    )
    with transaction.atomic(savepoint=False):
        if not reference:
            case.reference = reference_allocate(force=force, at=reported_at)
        _opening_rows_insert(case=case, victim=victim_row, details=details, event=event)
        _event_announce(event, OpenedCase(victims=(victim_row,)))
    return case


def _opening_rows_insert(
    *, case: Case, victim: Victim, details: VictimPersonalDetails, event: CaseEvent
) -> None:
    """Write a new case's four rows (the case, its victim, the victim's personal details
    and the event that opens it) and give the objects their ids, as ``save()`` would.

    Plain SQL because this runs for every report, at hundreds a second from records
    systems: four ORM inserts cost several times more in Python than the database takes
    to write the rows. On PostgreSQL it is one statement, a chain of data-modifying CTEs
    (one round trip); SQLite has no such CTEs but answers in-process, so it takes four
    INSERTs. The columns and their values come from the models' own fields (``pre_save``
    then ``get_db_prep_save``, as the ORM does), so a field added to a model is written
    without changing this; the objects have been checked with ``full_clean`` already.
    """
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the ``connection`` proxy costs
    with prepared_cursor() as cursor:
        if db.vendor == "postgresql":
            params = [
                *_insert_values(db, case, None),
                *_insert_values(db, victim, "case"),
                *_insert_values(db, details, "victim"),
                *_insert_values(db, event, "case"),
            ]
            cursor.execute(_opening_rows_sql(), params)
            case_id, victim_id, event_id = cursor.fetchone()
        else:
            case_id = _insert_one(db, cursor, case, None, None)
            victim_id = _insert_one(db, cursor, victim, "case", case_id)
            _insert_one(db, cursor, details, "victim", victim_id)
            event_id = _insert_one(db, cursor, event, "case", case_id)
    case.pk, victim.pk, event.pk = case_id, victim_id, event_id
    # Assigned as objects (not as ``*_id``), which keeps them cached on the rows.
    victim.case = event.case = case
    details.victim = victim
    for obj in (case, victim, details, event):
        obj._state.adding = False
        obj._state.db = db.alias


_INSERT_FIELDS: dict[tuple, list] = {}


def _insert_fields(model, linked: str | None) -> list:
    """The fields written for a new row of ``model``: all but its auto-increment id and the
    foreign key ``linked`` (filled from the row inserted just before)."""
    key = (model, linked)
    if key not in _INSERT_FIELDS:
        _INSERT_FIELDS[key] = [
            f
            for f in model._meta.concrete_fields
            if f is not model._meta.auto_field and f.name != linked
        ]
    return _INSERT_FIELDS[key]


def _insert_values(db, obj, linked: str | None) -> list:
    return [
        f.get_db_prep_save(f.pre_save(obj, True), db) for f in _insert_fields(type(obj), linked)
    ]


def _insert_one(db, cursor, obj, linked: str | None, linked_id: int | None) -> int:
    """One row of ``_opening_rows_insert`` (SQLite); returns its id."""
    table, columns = _insert_target(type(obj), linked)
    values = _insert_values(db, obj, linked)
    if linked is not None:
        values = [linked_id, *values]
    marks = ", ".join(["%s"] * len(values))
    cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608 (names are our own or quoted; values are bound parameters)
    return cursor.lastrowid


def _insert_target(model, linked: str | None) -> tuple[str, str]:
    """The quoted table and column list of an insert into ``model``, ``linked`` first."""
    quote = connection.ops.quote_name
    fields = _insert_fields(model, linked)
    if linked is not None:
        fields = [model._meta.get_field(linked), *fields]
    return quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)


_OPENING_ROWS_SQL: list[str] = []


def _opening_rows_sql() -> str:
    """PostgreSQL: the four inserts of ``_opening_rows_insert`` as one statement, built
    from the models' own table and column names (once per process)."""
    if not _OPENING_ROWS_SQL:

        def insert(model, linked: str | None, source: str) -> str:
            table, columns = _insert_target(model, linked)
            marks = ["%s"] * len(_insert_fields(model, linked))
            if source:
                marks.insert(0, f"(SELECT id FROM {source})")  # noqa: S608 (names are our own or quoted; values are bound parameters)
            return f"INSERT INTO {table} ({columns}) VALUES ({', '.join(marks)})"  # noqa: S608 (names are our own or quoted; values are bound parameters)

        ctes = [
            f"c AS ({insert(Case, None, '')} RETURNING id)",
            f"v AS ({insert(Victim, 'case', 'c')} RETURNING id)",
            f"d AS ({insert(VictimPersonalDetails, 'victim', 'v')})",
            f"e AS ({insert(CaseEvent, 'case', 'c')} RETURNING id)",
        ]
        ids = "SELECT (SELECT id FROM c), (SELECT id FROM v), (SELECT id FROM e)"
        _OPENING_ROWS_SQL.append(f"WITH {', '.join(ctes)} {ids}")
    return _OPENING_ROWS_SQL[0]


_EQUALITY_FIELDS = {"age_band", "sex", "ethnicity", "disability"}
_CASE_RELATIONS = ["force", "area", "crime_type", "recorded_by", "officer_in_charge"]


@transaction.atomic
def case_event_record(
    *,
    case: Case,
    kind: str,
    at: datetime,
    by=None,
    detail: dict | None = None,
    victim_text: str = "",
) -> CaseEvent:
    """Append an event to a case's log. Events are never changed afterwards."""
    if kind not in EventKind.values:
        raise CaseError(f"Unknown event type {kind!r}")
    if timezone.is_naive(at):
        raise CaseError("Event time must carry a time zone")
    event = CaseEvent(
        case=case,
        kind=kind,
        at=at,
        recorded_at=timezone.now(),
        by=by,
        detail=detail or {},
        victim_text=victim_text,
    )
    # The case and the recorder were passed in as objects: no query to check they exist.
    event.full_clean(exclude=["case", "by"], validate_unique=False, validate_constraints=False)
    event.save(force_insert=True)
    _event_announce(event)
    return event


@transaction.atomic
def victim_enhanced_grounds_record(
    *,
    victim: Victim,
    grounds: Iterable[str],
    by=None,
    by_label: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> bool:
    """Record the grounds someone has assessed a victim to have (a needs assessment, a
    re-assessment, a correction), replacing those recorded before; the derived grounds
    (crime type, hate element, age) are worked out again and stay whatever is recorded.

    When the victim's entitlement changes, an ``enhanced_grounds_changed`` event is added
    to the case, so the Victims' Code clock re-times the victim's open obligations.
    Returns whether anything changed. Unknown grounds raise CaseError and change nothing.
    """
    grounds = list(dict.fromkeys(str(g) for g in grounds))
    unknown = grounds_unknown(grounds)
    if unknown:
        raise CaseError(f"Unknown enhanced ground {unknown[0]!r}")
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise CaseError("The time must carry a time zone")
    locked = Victim.objects.select_for_update().select_related("case__crime_type").get(pk=victim.pk)
    case = locked.case
    details = VictimPersonalDetails.objects.filter(victim=locked).first()
    before = locked.enhanced_grounds or []
    before_flags = {g: getattr(locked, g) for g in EnhancedGround.values}
    offence = case.occurred_at or case.reported_at
    entries = grounds_entries(
        derived=grounds_derive(
            crime_type_name=case.crime_type.name,
            crime_type_most_serious=case.crime_type.most_serious_crime,
            hate_element=case.hate_element,
            date_of_birth=details.date_of_birth if details else None,
            age_band=locked.age_band,
            offence_day=timezone.localtime(offence).date(),
        ),
        recorded=grounds,
        recorded_by=by_label or getattr(by, "username", ""),
        at=at,
        recorded_reason=reason,
        kept=before,
    )
    flags = grounds_flags(entries)
    if entries == before and flags == before_flags:
        return False
    locked.enhanced_grounds = entries
    for ground, held in flags.items():
        setattr(locked, ground, held)
    locked.full_clean(exclude=["case"], validate_unique=False)
    locked.save(update_fields=["enhanced_grounds", *EnhancedGround.values])
    for ground, held in flags.items():
        setattr(victim, ground, held)
    victim.enhanced_grounds = entries
    if flags != before_flags:
        case_event_record(
            case=case,
            kind=EventKind.ENHANCED_GROUNDS_CHANGED,
            at=at,
            by=by,
            detail={
                "victim": locked.pk,
                "before": sorted(g for g, held in before_flags.items() if held),
                "after": sorted(g for g, held in flags.items() if held),
                "recorded": grounds_recorded(entries),
            },
        )
    return True


@transaction.atomic
def case_victims_disclose(*, user: User, case: Case, page: str) -> list[Victim]:
    """The case's victims with their personal details, for ``user`` to see on ``page``:
    each victim shown is written down in the audit log in the same transaction."""
    victims = list(
        Victim.objects.filter(case=case).select_related("personal_details", "case").order_by("id")
    )
    for victim in victims:
        audit_record_create(user=user, victim=victim, page=page)
    return victims


SEARCH_PAGE = "/cases/search/"


@transaction.atomic
def case_search_disclose(*, user: User, victims: Iterable[Victim]) -> list[Victim]:
    """Write down that ``user`` searched and was shown these victims: one audit record a
    victim, naming the search page and never the terms searched for (they are personal
    data too)."""
    shown = list(victims)
    for victim in shown:
        audit_record_create(user=user, victim=victim, page=SEARCH_PAGE)
    return shown
