"""Who may use the care app's routes (merged into tests/accounts/test_access.py)."""

from datetime import date

from tests.access_rules import ANON, CASE_ROLES, FORBIDDEN, NOT_FOUND, OK, roles
from victimcare.accounts.constants import Role

WORKERS = {Role.OFFICER, Role.SUPERVISOR}
COMPLIANCE = {Role.SUPERVISOR, Role.ADMINISTRATOR}
RULES = {Role.ADMINISTRATOR}
PARTNERS = {Role.SUPPORT_ORGANISATION}


def _api(allowed: set, yes, no=403) -> dict:
    return {ANON: 401, **{r: yes if r in allowed else no for r in Role.values}}


ROUTES = {
    "care:worklist": ("get", None, roles(WORKERS, OK, FORBIDDEN)),
    "care:contact": ("get", "own-case", roles(WORKERS, OK, FORBIDDEN)),
    "care:contact@other-force": ("get", "other-case", roles(WORKERS, NOT_FOUND, FORBIDDEN)),
    "care:written-information": ("post", "own-case", roles(WORKERS, 302, FORBIDDEN)),
    "care:written-information@other-force": (
        "post",
        "other-case",
        roles(WORKERS, NOT_FOUND, FORBIDDEN),
    ),
    "care:needs-assessment": ("get", "own-case", roles(WORKERS, OK, FORBIDDEN)),
    "care:needs-assessment@other-force": (
        "get",
        "other-case",
        roles(WORKERS, NOT_FOUND, FORBIDDEN),
    ),
    "care:referral": ("get", "own-case", roles(WORKERS, OK, FORBIDDEN)),
    "care:referral@other-force": ("get", "other-case", roles(WORKERS, NOT_FOUND, FORBIDDEN)),
    "care:visit": ("get", "own-case", roles(WORKERS, OK, FORBIDDEN)),
    "care:visit@other-force": ("get", "other-case", roles(WORKERS, NOT_FOUND, FORBIDDEN)),
    "care:referral-objection": ("get", "own-case", roles(WORKERS, OK, FORBIDDEN)),
    "care:referral-objection@other-force": (
        "get",
        "other-case",
        roles(WORKERS, NOT_FOUND, FORBIDDEN),
    ),
    "care:review-request": ("get", "own-case", roles(WORKERS, OK, FORBIDDEN)),
    "care:review-request@other-force": (
        "get",
        "other-case",
        roles(WORKERS, NOT_FOUND, FORBIDDEN),
    ),
    "care:property": ("get", "own-case", roles(WORKERS, OK, FORBIDDEN)),
    "care:property@other-force": ("get", "other-case", roles(WORKERS, NOT_FOUND, FORBIDDEN)),
    # Property held: returned or kept (a form). Another force's case is not found, and
    # so is property on another case.
    "care:property-update": (
        "get",
        lambda world: {"reference": world["own-case"].reference, "pk": world["own-property"].pk},
        roles(WORKERS, OK, FORBIDDEN),
    ),
    "care:property-update@other-force": (
        "get",
        lambda world: {
            "reference": world["other-case"].reference,
            "pk": world["other-property"].pk,
        },
        roles(WORKERS, NOT_FOUND, FORBIDDEN),
    ),
    "care:property-update@other-case": (
        "get",
        lambda world: {
            "reference": world["own-case"].reference,
            "pk": world["other-property"].pk,
        },
        roles(WORKERS, NOT_FOUND, FORBIDDEN),
    ),
    # No such complaint: a message on the case page.
    "care:complaint-acknowledge": (
        "post",
        lambda world: {"reference": world["own-case"].reference, "pk": 999999},
        roles(COMPLIANCE, 302, FORBIDDEN),
    ),
    "care:complaint-acknowledge@other-force": (
        "post",
        lambda world: {"reference": world["other-case"].reference, "pk": 999999},
        roles(COMPLIANCE, NOT_FOUND, FORBIDDEN),
    ),
    "care:referral-inbox": ("get", None, roles(PARTNERS, OK, FORBIDDEN)),
    "care:referral-detail": (
        "get",
        lambda world: {"pk": world["own-referral"].pk},
        roles(PARTNERS, OK, FORBIDDEN),
    ),
    # A referral to another organisation is as missing as one that does not exist.
    "care:referral-detail@other-organisation": (
        "get",
        lambda world: {"pk": world["other-referral"].pk},
        roles(PARTNERS, NOT_FOUND, FORBIDDEN),
    ),
    "care:team": ("get", None, roles(COMPLIANCE, OK, FORBIDDEN)),
    "care:compliance": ("get", None, roles(COMPLIANCE, OK, FORBIDDEN)),
    "care:compliance-csv": ("get", None, roles(COMPLIANCE, OK, FORBIDDEN)),
    "care:rule-sets": ("get", None, roles(RULES, OK, FORBIDDEN)),
    "care:rule-set-detail": (
        "get",
        lambda world: {"code": "tvc", "version": 1},
        roles(RULES, OK, FORBIDDEN),
    ),
    # A supervisor assigns anyone; an officer only takes an unassigned case of their own
    # team (the test officer has no team: sent back to the case).
    "care:case-officer": (
        "get",
        "own-case",
        {**roles({Role.SUPERVISOR}, OK, FORBIDDEN), Role.OFFICER: 302},
    ),
    "care:case-officer@other-force": ("get", "other-case", roles(WORKERS, NOT_FOUND, FORBIDDEN)),
    "care:team-queues": ("get", None, roles(WORKERS, OK, FORBIDDEN)),
    # Supervisors open any team's queue in their force; an officer only their own team's.
    "care:team-queue": (
        "get",
        lambda world: {"code": world["own-team"].code},
        {**roles({Role.SUPERVISOR}, OK, FORBIDDEN), Role.OFFICER: NOT_FOUND},
    ),
    "care:team-queue@other-force": (
        "get",
        lambda world: {"code": world["other-team"].code},
        roles(WORKERS, NOT_FOUND, FORBIDDEN),
    ),
    "care:visit-times": ("get", None, roles({Role.SUPERVISOR}, OK, FORBIDDEN)),
    "api-v1:case-summary": ("get", "own-case", _api(CASE_ROLES, OK)),
    "api-v1:case-summary@other-force": ("get", "other-case", _api(CASE_ROLES, NOT_FOUND)),
    # Without its required ?area= every signed-in caller is told so (422) first.
    "api-v1:visit-slots": ("get", None, {ANON: 401, **dict.fromkeys(Role.values, 422)}),
    "api-v1:case-obligations": ("get", "own-case", _api(CASE_ROLES, OK)),
    "api-v1:case-obligations@other-force": ("get", "other-case", _api(CASE_ROLES, NOT_FOUND)),
    # A body not sent as JSON (the test client's empty form) is refused before anything
    # else (415) for any signed-in caller.
    "api-v1:case-events": ("post", "own-case", {ANON: 401, **dict.fromkeys(Role.values, 415)}),
}


def world_extend(world) -> None:
    from victimcare.accounts.models import SupportOrganisation
    from victimcare.care.services.events import needs_assessment_record
    from victimcare.care.services.referrals import referral_send
    from victimcare.care.services_rights import property_record
    from victimcare.cases.models import Victim
    from victimcare.forces.models import Team

    for key, case in (("own-property", world["own-case"]), ("other-property", world["other-case"])):
        world[key] = property_record(
            case=case, by=None, description="Black mountain bike", taken_on=date(2026, 9, 1)
        )
    world["own-team"] = Team.objects.create(
        force=world["force"], area=world["own-area"], code="camden-cid", name="Camden CID"
    )
    world["other-team"] = Team.objects.create(
        force=world["other-force"], area=world["other-area"], code="salford-cid", name="Salford"
    )
    ours, _ = SupportOrganisation.objects.get_or_create(name="Victim Support (test)")
    theirs, _ = SupportOrganisation.objects.get_or_create(name="Another charity (test)")
    for organisation in (ours, theirs):
        organisation.forces.add(world["force"], world["other-force"])
    for key, case, organisation in (
        ("own-referral", world["own-case"], ours),
        ("other-referral", world["other-case"], theirs),
    ):
        victim = Victim.objects.get(case=case)
        needs_assessment_record(
            case=case,
            victim=victim,
            by=None,
            needs=["emotional"],
            referral_consent="yes",
            share_contact_details=True,
            safe_route="phone",
        )
        world[key] = referral_send(case=case, victim=victim, organisation=organisation, by=None)
