"""Build, rebuild and describe the synthetic demo world.

The demo world is deterministic: the same scale and seed give the same forces, staff,
cases, victims and events, whatever the date (the world is a fixed year, see
data/world.json). Only a database with no cases, or one already holding a demo world,
receives one: a database that holds a demo world is a demo database, and every case in
it is demonstration data.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from random import Random

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.accounts.models import SupportOrganisation, User
from victimcare.accounts.services import totp_device_enrol_directly, totp_secret
from victimcare.audit.models import AuditRecord
from victimcare.cases.models import (
    Case,
    CaseEvent,
    ReferenceSequence,
    Victim,
    VictimPersonalDetails,
)
from victimcare.demo.calibration import Calibration, calibration
from victimcare.demo.generator import AreaPlan, CaseRows, ForceCases, Officer, PeoplePools
from victimcare.demo.models import DemoWorld
from victimcare.demo.storage import RowWriter, database_tune_for_bulk_load, sequences_reset
from victimcare.forces.models import Area, CrimeType, Force, Team
from victimcare.forces.services import area_code, reference_data, reference_data_load

# Demo staff are known by this (reserved, RFC 2606) email domain, so a reset removes
# them and nobody else.
DEMO_STAFF_EMAIL_DOMAIN = "demo-staff.example.org"
SYNTHETIC_NOTICE = "Every name, case and figure is made up."
CASES_PER_TRANSACTION = 5000
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


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    description: str
    totp_secret: str = ""
    """Base32 key of the login's authenticator app (empty if it has none yet)."""


def demo_world_build(
    *,
    scale: str,
    seed: int,
    reset: bool = False,
    progress: bool = False,
    cases_per_force: int | None = None,
) -> DemoWorldResult:
    """Load the reference data and build the synthetic demo world for ``scale`` and ``seed``.

    Does nothing if that world is already loaded. A different world is replaced only with
    ``reset``. ``cases_per_force`` shrinks the world to about that many cases a force, for
    tests. Progress goes to stderr.
    """
    started = time.perf_counter()
    report = _Progress(enabled=progress)
    world_calibration = calibration()
    _arguments_check(world_calibration, scale=scale, seed=seed, cases_per_force=cases_per_force)
    report.step("Loading reference data (43 forces, their areas and crime types) ...")
    reference_data_load()
    force_codes = _world_force_codes(world_calibration, scale)
    existing = DemoWorld.objects.first()
    if existing is not None:
        finished = existing.seconds > 0
        same = (existing.scale, existing.seed) == (scale, seed)
        if same and finished and not reset:
            built = timezone.localtime(existing.built_at)
            return DemoWorldResult(
                summary=(
                    f"Synthetic demo world ({scale}, seed {seed}) is already loaded: "
                    f"{existing.cases:,} cases in {_forces_phrase(len(force_codes))}, "
                    f"built {built:%d %B %Y %H:%M}. Nothing changed. {SYNTHETIC_NOTICE}"
                ),
                created=False,
                cases=existing.cases,
                seconds=time.perf_counter() - started,
            )
        if not same and not reset:
            state = "is loaded" if finished else "was left half-built"
            raise DemoWorldError(
                f"a different synthetic demo world ({existing.scale}, seed {existing.seed}) "
                f"{state}; pass --reset to replace it with ({scale}, seed {seed})"
            )
        report.step(f"Deleting the demo world ({existing.scale}, seed {existing.seed}) ...")
        _world_delete(report)
    else:
        _database_empty_check(world_calibration)

    world = DemoWorld.objects.create(
        scale=scale, seed=seed, built_at=timezone.now(), cases=0, seconds=0
    )
    forces = _forces(force_codes)
    _care_policies_set(forces)
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
    _world_extend(seed=seed, report=report)
    demo_logins_enrol()
    seconds = max(time.perf_counter() - started, 0.001)
    DemoWorld.objects.filter(pk=world.pk).update(
        cases=total, seconds=seconds, built_at=timezone.now()
    )
    return DemoWorldResult(
        summary=(
            f"Synthetic demo world ({scale}, seed {seed}): {total:,} cases in "
            f"{_forces_phrase(len(forces))} built in {seconds:.1f} s. {SYNTHETIC_NOTICE}"
        ),
        created=True,
        cases=total,
        seconds=seconds,
    )


def demo_logins_enrol() -> int:
    """Give every named demo login a confirmed authenticator-app device, so that the secret
    printed beside it works at the second sign-in step. Logins that have one keep it (a
    reset login sets up its own at its next sign-in, and its new secret is printed). Returns
    how many were enrolled now."""
    if DemoWorld.objects.first() is None:
        return 0
    usernames = [account["username"] for account in calibration().demo_accounts]
    enrolled = 0
    for user in User.objects.filter(
        username__in=usernames, email__iendswith=f"@{DEMO_STAFF_EMAIL_DOMAIN}"
    ).exclude(totpdevice__confirmed=True):
        totp_device_enrol_directly(user=user, page="victimcare demo")
        enrolled += 1
    return enrolled


def demo_logins() -> list[DemoLogin]:
    """The named demo staff in the database, with what each one sees and the secret of
    their authenticator app."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    world = DemoWorld.objects.first()
    if world is None:
        return []
    accounts = calibration().demo_accounts
    users = {
        user.username: user
        for user in User.objects.filter(
            username__in=[account["username"] for account in accounts]
        ).select_related("force", "support_organisation")
    }
    devices = {
        device.user_id: device
        for device in TOTPDevice.objects.filter(user__in=users.values(), confirmed=True)
    }
    logins = []
    for account in accounts:
        user = users.get(account["username"])
        if user is None:
            continue
        fields = {
            "force": user.force.name if user.force else "",
            "area": account.get("area", ""),
            "cases": "",
            "forces": "",
            "organisation": user.support_organisation.name if user.support_organisation else "",
        }
        if user.role == Role.OFFICER:
            fields["cases"] = f"{Case.objects.filter(officer_in_charge=user).count():,}"
        if user.role == Role.OVERSIGHT:
            fields["forces"] = str(user.oversees.count())
        logins.append(
            DemoLogin(
                username=user.username,
                role=user.role,
                description=account["description"].format(**fields),
                totp_secret=totp_secret(devices[user.pk]) if user.pk in devices else "",
            )
        )
    return logins


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


# --- building ----------------------------------------------------------------------------


def _world_force_codes(world_calibration: Calibration, scale: str) -> list[str]:
    all_codes = [entry["code"] for entry in reference_data()["forces"]]
    return world_calibration.scale_force_codes(scale, all_codes)


def _forces(codes: list[str]) -> list[Force]:
    by_code = {force.code: force for force in Force.objects.filter(code__in=codes)}
    return [by_code[code] for code in codes]


def _crime_types() -> dict[str, CrimeType]:
    codes = [entry["code"] for entry in reference_data()["crime_types"]]
    by_code = {crime.code: crime for crime in CrimeType.objects.filter(code__in=codes)}
    return {code: by_code[code] for code in codes}


def _force_streams(
    world_calibration: Calibration,
    *,
    forces: list[Force],
    scale: str,
    seed: int,
    cases_per_force: int | None,
    crime_types: dict[str, CrimeType],
    pools: PeoplePools,
) -> list[ForceCases]:
    """A case stream per force, with its areas planned (officers are added later)."""
    fraction = float(world_calibration.scales[scale]["fraction"])
    area_names = {entry["code"]: entry["areas"] for entry in reference_data()["forces"]}
    streams = []
    for force in forces:
        areas = {area.code: area for area in Area.objects.filter(force=force)}
        plans = [
            AreaPlan(
                area=areas[area_code(name)], weight=world_calibration.area_weight(force.code, name)
            )
            for name in area_names[force.code]
        ]
        cases_per_year = (
            cases_per_force
            if cases_per_force is not None
            else world_calibration.annual_cases[force.code] * fraction
        )
        last_numbers = dict(
            ReferenceSequence.objects.filter(force=force).values_list("year", "last_number")
        )
        streams.append(
            ForceCases(
                force=force,
                areas=plans,
                crime_types=crime_types,
                cases_per_year=cases_per_year,
                seed=seed,
                calibration=world_calibration,
                pools=pools,
                last_numbers=last_numbers,
            )
        )
    return streams


@transaction.atomic
def _staff_create(
    world_calibration: Calibration, *, streams: list[ForceCases], seed: int, pools: PeoplePools
) -> None:
    """The named demo logins and a pool of officers in charge for every area.

    The password is hashed once: Argon2 is slow on purpose, and thousands of synthetic
    officers share the demo password.
    """
    rng = Random(f"victimcare-demo:{seed}:staff")  # noqa: S311 - synthetic data
    password = make_password(settings.DEMO_PASSWORD)
    joined = world_calibration.staff_joined
    forces = {stream.force.code: stream.force for stream in streams}
    plans = {
        (stream.force.code, plan.area.name): plan
        for stream in streams
        for plan in stream.area_plans
    }
    per_officer = float(world_calibration.officers["cases_per_officer"])
    minimum = int(world_calibration.officers["minimum_per_area"])
    pool_sizes = {
        plan: max(minimum, round(stream.expected_cases * plan.weight / total / per_officer))
        for stream in streams
        for total in [sum(plan.weight for plan in stream.area_plans)]
        for plan in stream.area_plans
    }
    teams = _teams_create(world_calibration, streams=streams, pool_sizes=pool_sizes)
    collar_numbers = {
        stream.force.code: iter(
            rng.sample(
                range(1000, 100000),
                len(world_calibration.demo_accounts)
                + sum(pool_sizes[plan] for plan in stream.area_plans),
            )
        )
        for stream in streams
    }

    def person(username: str, force: Force, role: str) -> User:
        given = pools.given_name(rng, "")
        family = rng.choice(pools.family_names)
        user = User(
            username=username,
            password=password,
            role=role,
            force=force,
            first_name=given,
            last_name=family,
            email=f"{username}@{DEMO_STAFF_EMAIL_DOMAIN}",
            is_staff=role == Role.ADMINISTRATOR,
            date_joined=joined,
        )
        if role == Role.OFFICER:
            user.collar_number = str(next(collar_numbers[force.code]))
            user.contact_route = f"101, ask for PC {given} {family} (synthetic)"
        return user

    organisation, _ = SupportOrganisation.objects.get_or_create(
        name=world_calibration.support_organisation
    )
    organisation.forces.set(forces.values())
    for account in world_calibration.demo_accounts:
        force = forces.get(account["force"])
        if force is None:
            continue
        user = person(account["username"], force, account["role"])
        if account["role"] == Role.SUPPORT_ORGANISATION:
            user.support_organisation = organisation
        plan = plans.get((force.code, account.get("area")))
        if account["role"] == Role.OFFICER and plan is not None and teams[plan]:
            user.team = teams[plan][0]
        user.full_clean()
        user.save()
        if account["role"] == Role.OVERSIGHT:
            oversees = account.get("oversees", "all")
            user.oversees.set(
                forces.values() if oversees == "all" else [forces[code] for code in oversees]
            )
        if account["role"] == Role.OFFICER and plan is not None:
            plan.officers.append(_officer(user))

    for stream in streams:
        force = stream.force
        officers: list[tuple[AreaPlan, User]] = []
        for plan in stream.area_plans:
            for number in range(pool_sizes[plan]):
                username = f"{force.code.lower()}.oic{len(officers) + 1:04d}"
                user = person(username, force, Role.OFFICER)
                if teams[plan]:
                    # Dealt out in turn, after the named demo officer (if any) in the first.
                    user.team = teams[plan][(number + 1) % len(teams[plan])]
                officers.append((plan, user))
        User.objects.bulk_create([user for _, user in officers])
        for plan, user in officers:
            plan.officers.append(_officer(user))


def _team_specs(world_calibration: Calibration) -> list[dict]:
    return list(world_calibration.officers.get("teams_per_area", []))


def _teams_create(
    world_calibration: Calibration, *, streams: list[ForceCases], pool_sizes: dict
) -> dict[AreaPlan, list[Team]]:
    """Each area's demo teams (fewer than listed if it has fewer officers), in list order.

    Teams already there with the same code are reused, so a rebuild never clashes with one
    that someone has put real staff into."""
    specs = _team_specs(world_calibration)
    forces = [stream.force for stream in streams]
    existing = {(team.force_id, team.code): team for team in Team.objects.filter(force__in=forces)}
    wanted: dict[AreaPlan, list[tuple[int, str]]] = {}
    new: list[Team] = []
    for stream in streams:
        for plan in stream.area_plans:
            keys = []
            for spec in specs[: pool_sizes[plan]]:
                code = f"{plan.area.code}-{spec['code']}"
                key = (stream.force.pk, code)
                if key not in existing:
                    team = Team(
                        force=stream.force,
                        area=plan.area,
                        code=code,
                        name=spec["name"].format(area=plan.area.name),
                    )
                    existing[key] = team
                    new.append(team)
                keys.append(key)
            wanted[plan] = keys
    Team.objects.bulk_create(new)
    return {plan: [existing[key] for key in keys] for plan, keys in wanted.items()}


def _demo_teams_delete() -> None:
    """Delete the teams the demo world makes that no staff are left in."""
    suffixes = [f"-{spec['code']}" for spec in _team_specs(calibration())]
    if not suffixes:
        return
    shaped = Q()
    for suffix in suffixes:
        shaped |= Q(code__endswith=suffix)
    Team.objects.filter(shaped, staff__isnull=True).delete()


def _officer(user: User) -> Officer:
    return Officer(user_id=user.pk, display_name=f"PC {user.first_name} {user.last_name}")


@dataclass(frozen=True)
class _Writers:
    cases: RowWriter
    victims: RowWriter
    details: RowWriter
    events: RowWriter

    @classmethod
    def create(cls) -> _Writers:
        return cls(
            cases=RowWriter(Case),
            victims=RowWriter(Victim),
            details=RowWriter(VictimPersonalDetails),
            events=RowWriter(CaseEvent),
        )


@transaction.atomic
def _cases_store(batch: list[CaseRows], stream: ForceCases, writers: _Writers) -> int:
    """Store a batch of generated cases with their victims and events; move the force's
    reference sequence on so cases recorded later continue the numbering."""
    writers.cases.insert([rows.case for rows in batch])
    writers.victims.insert([rows.victim for rows in batch])
    writers.details.insert([rows.details for rows in batch])
    writers.events.insert([event for rows in batch for event in rows.events])
    for year, number in stream.last_numbers.items():
        ReferenceSequence.objects.update_or_create(
            force=stream.force, year=year, defaults={"last_number": number}
        )
    # Every batch, so that a build that stops half-way leaves a usable database.
    sequences_reset([Case, Victim, CaseEvent])
    return len(batch)


# --- deleting ----------------------------------------------------------------------------


# Total Victim Care is the Met's promise (a visit offered to every victim); the other demo
# forces run the 2020 Victims' Code.
CARE_RULE_SETS = {"MPS": "tvc"}


def _care_policies_set(forces: list[Force]) -> None:
    """Each demo force's Victims' Code rule set, chosen before any case is clocked."""
    from victimcare.care.services import care_policy_set

    for force in forces:
        care_policy_set(force=force, rule_set_code=CARE_RULE_SETS.get(force.code, "vc2020"))


def _world_extend(*, seed: int, report: _Progress) -> None:
    """What other apps add to the stored cases: every Victims' Code obligation clocked
    from the case logs, then a year of simulated survey fieldwork."""
    from victimcare.care.services import obligations_rebuild
    from victimcare.demo.fieldwork import demo_fieldwork_build

    report.step("Clocking every Victims' Code obligation from the case logs ...")
    obligations = obligations_rebuild(cases=Case.objects.all(), now=timezone.now())
    report.step(f"  {obligations:,} obligations clocked.")
    report.step("Simulating a year of survey fieldwork ...")
    report.step(demo_fieldwork_build(seed=seed, progress=report.enabled))


def _world_delete(report: _Progress) -> None:
    """Delete the demo world: every case (this is a demo database), its victims and events,
    audit records about those victims, reference sequences and the demo staff."""
    from victimcare.demo.fieldwork import demo_fieldwork_delete

    # Marked unfinished first: if deleting stops half-way, the next run knows to rebuild.
    DemoWorld.objects.update(cases=0, seconds=0)
    demo_fieldwork_delete()
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
