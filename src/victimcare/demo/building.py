"""Building the synthetic demo world: its forces' case streams, synthetic staff and teams,
the cases stored in batches, and the care policies of the demo forces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from random import Random

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from victimcare.accounts.constants import Role
from victimcare.accounts.models import OversightBody, SupportOrganisation, User
from victimcare.cases.constants import EventKind
from victimcare.cases.models import (
    Case,
    CaseEvent,
    ReferenceSequence,
    Victim,
    VictimPersonalDetails,
)
from victimcare.demo.calibration import Calibration, calibration
from victimcare.demo.generator import AreaPlan, CaseRows, ForceCases, Officer, PeoplePools
from victimcare.demo.storage import RowWriter, sequences_reset
from victimcare.forces.models import Area, CrimeType, Force, Team
from victimcare.forces.services import area_code, reference_data

# Demo staff are known by this (reserved, RFC 2606) email domain, so a reset removes
# them and nobody else.
DEMO_STAFF_EMAIL_DOMAIN = "demo-staff.example.org"
CASES_PER_TRANSACTION = 5000


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
    until: datetime | None = None,
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
                until=until,
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
        if account["role"] == Role.OVERSIGHT and account.get("organisation"):
            user.oversight_body, _ = OversightBody.objects.get_or_create(
                name=account["organisation"]
            )
        plan = plans.get((force.code, str(account.get("area"))))
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
            plan.caseload_officers.append(_officer(user))

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
    return Officer(
        user_id=user.pk,
        display_name=f"PC {user.first_name} {user.last_name}",
        username=user.username,
    )


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
    for rows in batch:  # the victim's id, as victim_enhanced_grounds_record writes it
        for event in rows.events:
            if event.kind == EventKind.ENHANCED_GROUNDS_CHANGED:
                event.detail["victim"] = rows.victim.pk
    writers.events.insert([event for rows in batch for event in rows.events])
    for year, number in stream.last_numbers.items():
        ReferenceSequence.objects.update_or_create(
            force=stream.force, year=year, defaults={"last_number": number}
        )
    # Every batch, so that a build that stops half-way leaves a usable database.
    sequences_reset([Case, Victim, CaseEvent])
    return len(batch)


# Total Victim Care is the Met's promise (a visit offered to every victim); the other demo
# forces run the 2020 Victims' Code.
CARE_RULE_SETS = {"MPS": "tvc"}


def _care_policies_set(forces: list[Force]) -> None:
    """Each demo force's Victims' Code rule set, chosen before any case is clocked."""
    from victimcare.care.services import care_policy_set

    for force in forces:
        care_policy_set(force=force, rule_set_code=CARE_RULE_SETS.get(force.code, "vc2020"))
