"""Build, rebuild and describe the synthetic demo world.

The steps of the build are in demo/building.py; the demo logins in demo/logins.py.

The demo world is deterministic: the same scale, seed and as-of day give the same forces,
staff, cases, victims and events. Its year of activity runs up to the as-of day (by
default the day it is built, London time; see data/world.json), so worklists show what is
due now; when that day is today, what would come later today is left out. Only a database with no cases, or one already holding a demo world,
receives one: a database that holds a demo world is a demo database, and every case in
it is demonstration data.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from victimcare.accounts.models import SupportOrganisation, User
from victimcare.audit.models import AuditRecord
from victimcare.care.models import VisitSlot
from victimcare.care.services.visits import visit_slots_demo_create
from victimcare.cases.models import (
    Case,
    ReferenceSequence,
    Victim,
)
from victimcare.demo.building import (
    CASES_PER_TRANSACTION,
    DEMO_STAFF_EMAIL_DOMAIN,
    _care_policies_set,
    _cases_store,
    _crime_types,
    _demo_teams_delete,
    _force_streams,
    _forces,
    _staff_create,
    _world_force_codes,
    _Writers,
)
from victimcare.demo.calibration import Calibration, calibration, demo_as_of
from victimcare.demo.generator import CaseRows, PeoplePools
from victimcare.demo.logins import demo_logins_enrol
from victimcare.demo.models import DemoWorld
from victimcare.demo.storage import database_tune_for_bulk_load
from victimcare.forces.models import Area
from victimcare.forces.services import reference_data_load

SYNTHETIC_NOTICE = "Every name, case and figure is made up."
DELETE_CHUNK = 2000
LARGEST_SEED = 2**31 - 1  # DemoWorld.seed is a PositiveIntegerField


class DemoWorldError(Exception):
    """The demo world cannot be built as asked; the message says why, in one line."""


@dataclass(frozen=True)
class DemoWorldResult:
    summary: str
    created: bool
    cases: int
    seconds: float


def demo_world_build(
    *,
    scale: str,
    seed: int,
    reset: bool = False,
    progress: bool = False,
    cases_per_force: int | None = None,
    as_of: date | None = None,
) -> DemoWorldResult:
    """Load the reference data and build the synthetic demo world for ``scale`` and ``seed``
    whose year of activity runs up to ``as_of`` (default: ``VICTIMCARE_DEMO_AS_OF``, else
    today in London).

    Does nothing if that world is already loaded (a world of the same scale and seed built
    on an earlier day is kept unless the as-of day is pinned). A different world is
    replaced only with ``reset``. ``cases_per_force`` shrinks the world to about that many
    cases a force, for tests. Progress goes to stderr.
    """
    started = time.perf_counter()
    report = _Progress(enabled=progress)
    pinned = as_of is not None or getattr(settings, "DEMO_AS_OF", None) is not None
    as_of = demo_as_of(as_of)
    world_calibration = calibration(as_of)
    _arguments_check(world_calibration, scale=scale, seed=seed, cases_per_force=cases_per_force)
    report.step("Loading reference data (43 forces, their areas and crime types) ...")
    reference_data_load()
    force_codes = _world_force_codes(world_calibration, scale)
    existing = DemoWorld.objects.first()
    if existing is not None:
        finished = existing.seconds > 0
        same = (existing.scale, existing.seed) == (scale, seed) and (
            not pinned or existing.as_of == as_of
        )
        if same and finished and not reset:
            built = timezone.localtime(existing.built_at)
            return DemoWorldResult(
                summary=(
                    f"Synthetic demo world ({scale}, seed {seed}) is already loaded: "
                    f"{existing.cases:,} cases in {_forces_phrase(len(force_codes))}, "
                    f"{_as_of_phrase(existing.as_of)}, built {built:%d %B %Y %H:%M}. "
                    f"Nothing changed{_stale_hint(existing.as_of, as_of)}. {SYNTHETIC_NOTICE}"
                ),
                created=False,
                cases=existing.cases,
                seconds=time.perf_counter() - started,
            )
        if not same and not reset:
            state = "is loaded" if finished else "was left half-built"
            raise DemoWorldError(
                f"a different synthetic demo world ({existing.scale}, seed {existing.seed}, "
                f"{_as_of_phrase(existing.as_of)}) {state}; pass --reset to replace it with "
                f"({scale}, seed {seed}, {_as_of_phrase(as_of)})"
            )
        report.step(f"Deleting the demo world ({existing.scale}, seed {existing.seed}) ...")
        _world_delete(report)
    else:
        _database_empty_check(world_calibration)

    world = DemoWorld.objects.create(
        scale=scale, seed=seed, as_of=as_of, built_at=timezone.now(), cases=0, seconds=0
    )
    # The world's present: the end of its as-of day, or now if that day is today.
    until = min(world_calibration.window_end, timezone.now())
    forces = _forces(force_codes)
    _care_policies_set(forces)
    # Visit times for the four weeks after the as-of day in every area (synthetic, like
    # all demo data).
    visit_slots_demo_create(areas=Area.objects.filter(force__in=forces), today=as_of)
    crime_types = _crime_types()
    pools = PeoplePools.from_faker(seed)
    streams = _force_streams(
        world_calibration,
        forces=forces,
        scale=scale,
        seed=seed,
        cases_per_force=cases_per_force,
        crime_types=crime_types,
        pools=pools,
        until=until,
    )
    report.step("Creating synthetic staff ...")
    _staff_create(world_calibration, streams=streams, seed=seed, pools=pools)
    expected = sum(stream.expected_cases for stream in streams)
    database_tune_for_bulk_load()
    writers = _Writers.create()
    total = 0
    for stream in streams:
        report.step(f"Generating cases: {stream.force.name} ...")
        batch: list[CaseRows] = []
        for day in stream.days():
            batch.extend(day)
            if len(batch) >= CASES_PER_TRANSACTION:
                total += _cases_store(batch, stream, writers)
                report.tenths(total, expected, "cases")
                batch = []
        if batch:
            total += _cases_store(batch, stream, writers)
            report.tenths(total, expected, "cases")
    report.tenths(total, expected, "cases", final=True)
    report.step(f"Stored {total:,} cases with their victims and events.")
    _world_extend(seed=seed, report=report, until=until)
    demo_logins_enrol()
    seconds = max(time.perf_counter() - started, 0.001)
    DemoWorld.objects.filter(pk=world.pk).update(
        cases=total, seconds=seconds, built_at=timezone.now()
    )
    return DemoWorldResult(
        summary=(
            f"Synthetic demo world ({scale}, seed {seed}): {total:,} cases in "
            f"{_forces_phrase(len(forces))}, {_as_of_phrase(as_of)}, built in "
            f"{seconds:.1f} s. {SYNTHETIC_NOTICE}"
        ),
        created=True,
        cases=total,
        seconds=seconds,
    )


# --- checks ------------------------------------------------------------------------------


def _arguments_check(
    world_calibration: Calibration, *, scale: str, seed: int, cases_per_force: int | None
) -> None:
    if scale not in world_calibration.scales:
        raise DemoWorldError(
            f"unknown scale {scale!r}; choose one of: {', '.join(world_calibration.scales)}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= LARGEST_SEED:
        raise DemoWorldError(f"the seed must be a whole number from 0 to {LARGEST_SEED}")
    if cases_per_force is not None and cases_per_force < 1:
        raise DemoWorldError("cases_per_force must be at least 1")
    today = timezone.localdate(timezone=world_calibration.time_zone)
    if world_calibration.as_of > today:
        raise DemoWorldError(
            f"the as-of day {world_calibration.as_of.isoformat()} is after today "
            f"({today.isoformat()}): the demo world's activity cannot run into the future"
        )


def _database_empty_check(world_calibration: Calibration) -> None:
    """Synthetic data is never mixed with real data."""
    cases = Case.objects.count()
    if cases:
        raise DemoWorldError(
            f"this database already holds {cases:,} cases that are not demonstration data; "
            "build the synthetic demo world in an empty database "
            "(set VICTIMCARE_VAR_DIR or DATABASE_URL)"
        )
    usernames = [account["username"] for account in world_calibration.demo_accounts]
    clashes = sorted(
        User.objects.filter(
            Q(username__in=usernames) | Q(email__iendswith=f"@{DEMO_STAFF_EMAIL_DOMAIN}")
        ).values_list("username", flat=True)[:5]
    )
    if clashes:
        raise DemoWorldError(
            "staff accounts with demo usernames already exist "
            f"({', '.join(clashes)}); build the demo world in an empty database"
        )


# --- extending and deleting --------------------------------------------------------------


def _world_extend(*, seed: int, report: _Progress, until: datetime) -> None:
    """What other apps add to the stored cases: every Victims' Code obligation clocked
    from the case logs, then a year of simulated survey fieldwork."""
    from victimcare.care.services import obligations_rebuild
    from victimcare.demo.fieldwork import demo_fieldwork_build
    from victimcare.demo.referrals import referrals_demo_build
    from victimcare.demo.trials import trial_demo_build
    from victimcare.training.demo import training_demo_build

    report.step("Clocking every Victims' Code obligation from the case logs ...")
    obligations = obligations_rebuild(cases=Case.objects.all(), now=until)
    report.step(f"  {obligations:,} obligations clocked.")
    report.step("Simulating a year of survey fieldwork ...")
    report.step(demo_fieldwork_build(seed=seed, progress=report.enabled))
    report.step("Co-writing and rolling out the demo's training module ...")
    report.step(training_demo_build(seed=seed))
    report.step("Registering, allocating and simulating the demo's care practice trial ...")
    report.step(trial_demo_build(seed=seed))
    report.step("Sending recent Met referrals to the demo support organisation ...")
    report.step(referrals_demo_build(seed=seed, until=until))


def _world_delete(report: _Progress) -> None:
    """Delete the demo world: every case (this is a demo database), its victims and events,
    audit records about those victims, reference sequences and the demo staff."""
    from victimcare.demo.fieldwork import demo_fieldwork_delete
    from victimcare.demo.trials import trial_demo_delete
    from victimcare.training.demo import training_demo_delete

    # Marked unfinished first: if deleting stops half-way, the next run knows to rebuild.
    DemoWorld.objects.update(cases=0, seconds=0)
    demo_fieldwork_delete()
    training_demo_delete()
    trial_demo_delete()
    try:
        with transaction.atomic():
            _audit_records_of_demo_victims_delete()
        to_delete, deleted = Case.objects.count(), 0
        while True:
            with transaction.atomic():
                chunk = list(
                    Case.objects.order_by("pk").values_list("pk", flat=True)[:DELETE_CHUNK]
                )
                if not chunk:
                    break
                # The collector deletes victims, personal details and events with their
                # case (CaseEvent's own queryset refuses delete(); the collector bypasses it).
                Case.objects.filter(pk__in=chunk).delete()
            deleted += len(chunk)
            report.tenths(deleted, to_delete, "cases deleted")
        with transaction.atomic():
            ReferenceSequence.objects.all().delete()
            # The demo world's visit times (its cases, and so their visits, are gone).
            VisitSlot.objects.all().delete()
            User.objects.filter(email__iendswith=f"@{DEMO_STAFF_EMAIL_DOMAIN}").delete()
            _demo_teams_delete()
            SupportOrganisation.objects.filter(
                name=calibration().support_organisation, staff__isnull=True
            ).delete()
            DemoWorld.objects.all().delete()
    except ProtectedError as error:
        blocking = sorted({type(obj)._meta.verbose_name_plural for obj in error.protected_objects})
        raise DemoWorldError(
            f"cannot delete the demo world: other records still refer to it ({', '.join(blocking)})"
        ) from None


def _audit_records_of_demo_victims_delete() -> None:
    # Audit records are append-only by design: their queryset refuses delete(). Resetting
    # a demo database is the one sanctioned exception, and it removes only records about
    # the synthetic victims and staff being deleted, so it goes around the guard with plain
    # SQL.
    quote = connection.ops.quote_name
    audit = quote(AuditRecord._meta.db_table)
    victim_column = quote(AuditRecord._meta.get_field("victim").column)
    victims = quote(Victim._meta.db_table)
    victim_pk = quote(Victim._meta.pk.column)
    subject_column = quote(AuditRecord._meta.get_field("subject").column)
    user_column = quote(AuditRecord._meta.get_field("user").column)
    demo_staff, staff_params = (
        User.objects.filter(email__iendswith=f"@{DEMO_STAFF_EMAIL_DOMAIN}")
        .values("pk")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {audit} WHERE {victim_column} IN (SELECT {victim_pk} FROM {victims})"  # noqa: S608 - table names from the models
        )
        # And the sign-in security records (no victim) of and about the synthetic staff.
        cursor.execute(
            f"DELETE FROM {audit} WHERE {victim_column} IS NULL AND ("  # noqa: S608 - names from the models
            f"{subject_column} IN ({demo_staff}) OR {user_column} IN ({demo_staff}))",
            [*staff_params, *staff_params],
        )


# --- reporting ---------------------------------------------------------------------------


def _forces_phrase(count: int) -> str:
    return "1 force" if count == 1 else f"{count} forces"


def _as_of_phrase(as_of: date | None) -> str:
    if as_of is None:
        return "activity to an unrecorded day"
    return f"activity to {as_of.day} {as_of:%B %Y}"


def _stale_hint(built: date | None, wanted: date) -> str:
    if built is None or built >= wanted:
        return ""
    return " (`victimcare seed --reset` brings it up to date)"


class _Progress:
    """A line per step, and one per tenth of a long step, on stderr."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.next_tenth: dict[str, int] = {}

    def step(self, text: str) -> None:
        if self.enabled:
            print(text, file=sys.stderr, flush=True)

    def tenths(self, done: int, expected: float, what: str, *, final: bool = False) -> None:
        """Report the furthest tenth of ``expected`` that ``done`` has passed (all of it
        when ``final``: the expected count is only an estimate)."""
        if expected <= 0:
            return
        tenth = self.next_tenth.get(what, 1)
        passed = 10 if final else min(10, int(done * 10 // expected))
        if passed >= tenth:
            self.step(f"  {passed * 10}%: {done:,} of about {round(expected):,} {what}")
            self.next_tenth[what] = passed + 1
