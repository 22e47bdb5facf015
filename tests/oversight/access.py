"""Who may use the oversight routes (merged into tests/accounts/test_access.py).

Aggregates are for the roles with VIEW_AGGREGATES (supervisor, analyst, oversight,
administrator), for the forces in their scope; another force is a 404. Setting targets
is for oversight users only. The Victims and Prisoners Act compliance return is for the
PCC's staff (oversight) and the force's supervisors and administrators; the API answers
401 to anyone signed out."""

from tests.access_rules import FORBIDDEN, NOT_FOUND, OK, roles
from victimcare.accounts.constants import Role

AGGREGATES = {Role.SUPERVISOR, Role.ANALYST, Role.OVERSIGHT, Role.ADMINISTRATOR}
TARGETS = {Role.OVERSIGHT}
COMPLIANCE_RETURN = {Role.SUPERVISOR, Role.OVERSIGHT, Role.ADMINISTRATOR}


def own(world):
    return {"code": world["force"].code}


def other(world):
    return {"code": world["other-force"].code}


ROUTES = {
    "oversight:index": ("get", None, roles(AGGREGATES, OK, FORBIDDEN)),
    "oversight:open-data-dictionary": ("get", None, roles(AGGREGATES, OK, FORBIDDEN)),
    "oversight:dashboard": ("get", own, roles(AGGREGATES, OK, FORBIDDEN)),
    "oversight:dashboard@other-force": ("get", other, roles(AGGREGATES, NOT_FOUND, FORBIDDEN)),
    "oversight:league": ("get", own, roles(AGGREGATES, OK, FORBIDDEN)),
    "oversight:league@other-force": ("get", other, roles(AGGREGATES, NOT_FOUND, FORBIDDEN)),
    "oversight:drivers": ("get", own, roles(AGGREGATES, OK, FORBIDDEN)),
    "oversight:drivers@other-force": ("get", other, roles(AGGREGATES, NOT_FOUND, FORBIDDEN)),
    "oversight:targets": ("get", own, roles(AGGREGATES, OK, FORBIDDEN)),
    "oversight:targets@other-force": ("get", other, roles(AGGREGATES, NOT_FOUND, FORBIDDEN)),
    "oversight:target-create": ("get", own, roles(TARGETS, OK, FORBIDDEN)),
    "oversight:target-create@other-force": ("get", other, roles(TARGETS, NOT_FOUND, FORBIDDEN)),
    "oversight:target-edit": (
        "get",
        lambda world: {"pk": world["own-target"].pk},
        roles(TARGETS, OK, FORBIDDEN),
    ),
    "oversight:target-edit@other-force": (
        "get",
        lambda world: {"pk": world["other-target"].pk},
        roles(TARGETS, NOT_FOUND, FORBIDDEN),
    ),
    "oversight:report-pack": ("get", own, roles(AGGREGATES, OK, FORBIDDEN)),
    "oversight:report-pack@other-force": ("get", other, roles(AGGREGATES, NOT_FOUND, FORBIDDEN)),
    "oversight:report-pack-status": (
        "get",
        lambda world: {"pk": world["own-pack"].pk},
        roles(AGGREGATES, OK, FORBIDDEN),
    ),
    "oversight:report-pack-status@other-force": (
        "get",
        lambda world: {"pk": world["other-pack"].pk},
        roles(AGGREGATES, NOT_FOUND, FORBIDDEN),
    ),
    "oversight:report-pack-file": (
        "get",
        lambda world: {"pk": world["own-pack"].pk},
        roles(AGGREGATES, OK, FORBIDDEN),
    ),
    "oversight:report-pack-file@other-force": (
        "get",
        lambda world: {"pk": world["other-pack"].pk},
        roles(AGGREGATES, NOT_FOUND, FORBIDDEN),
    ),
    "oversight:open-data": ("get", own, roles(AGGREGATES, OK, FORBIDDEN)),
    "oversight:open-data@other-force": ("get", other, roles(AGGREGATES, NOT_FOUND, FORBIDDEN)),
    "oversight:compliance-returns": ("get", None, roles(COMPLIANCE_RETURN, OK, FORBIDDEN)),
    "oversight:compliance-returns-csv": ("get", None, roles(COMPLIANCE_RETURN, OK, FORBIDDEN)),
    "oversight:compliance-return": ("get", own, roles(COMPLIANCE_RETURN, OK, FORBIDDEN)),
    "oversight:compliance-return@other-force": (
        "get",
        other,
        roles(COMPLIANCE_RETURN, NOT_FOUND, FORBIDDEN),
    ),
    "oversight:compliance-return-csv": ("get", own, roles(COMPLIANCE_RETURN, OK, FORBIDDEN)),
    "oversight:compliance-return-csv@other-force": (
        "get",
        other,
        roles(COMPLIANCE_RETURN, NOT_FOUND, FORBIDDEN),
    ),
    # The caller's one force in scope (no ?force= needed when there is only one).
    "api-v1:satisfaction": ("get", None, roles(AGGREGATES, OK, FORBIDDEN, anonymous=401)),
    "api-v1:compliance-return": (
        "get",
        None,
        roles(COMPLIANCE_RETURN, OK, FORBIDDEN, anonymous=401),
    ),
}


def world_extend(world) -> None:
    from datetime import date

    from django.utils import timezone

    from victimcare.oversight.models import ReportPack, ReportPackStatus, Target

    now = timezone.now()
    for key, force in (("own-target", world["force"]), ("other-target", world["other-force"])):
        world[key] = Target.objects.create(
            force=force,
            measure="whole_experience",
            kind="level",
            value=80,
            deadline=date(2027, 3, 31),
            baseline_quarter="2026Q1",
            created_at=now,
            updated_at=now,
        )
    for key, force in (("own-pack", world["force"]), ("other-pack", world["other-force"])):
        world[key] = ReportPack.objects.create(
            force=force,
            quarter="2026Q3",
            status=ReportPackStatus.READY,
            requested_at=now,
            pdf=b"%PDF-1.7 (test)",
        )
