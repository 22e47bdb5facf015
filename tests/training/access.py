"""Who may use the training routes (merged into tests/accounts/test_access.py).

The force's training lead (supervisors: MANAGE_TRAINING) drafts, publishes, assigns and
plans rollouts of the force's modules; a support organisation's staff
(CO_AUTHOR_TRAINING) see, edit and sign off only the modules their organisation is
invited to; frontline staff (TAKE_TRAINING) read and complete what is assigned to them.
Another force's module, or one an organisation is not invited to, is a 404."""

from __future__ import annotations

from datetime import date

from tests.access_rules import FORBIDDEN, NOT_FOUND, OK, roles
from victimcare.accounts.constants import Role

LEAD = {Role.SUPERVISOR}
AUTHORS = {Role.SUPERVISOR, Role.SUPPORT_ORGANISATION}
TAKERS = {Role.CALL_HANDLER, Role.OFFICER, Role.SUPERVISOR}
REDIRECT = 302


def _pk(key):
    return lambda world: {"pk": world["training"]()[key].pk}


def _code(key):
    return lambda world: {"code": world["training"]()[key].code}


ROUTES = {
    "training:index": ("get", None, roles(AUTHORS, OK, FORBIDDEN)),
    "training:module-create": ("get", None, roles(LEAD, OK, FORBIDDEN)),
    "training:progress": ("get", None, roles(LEAD, OK, FORBIDDEN)),
    "training:mine": ("get", None, roles(TAKERS, OK, FORBIDDEN)),
    "training:take": ("get", _pk("published"), roles(TAKERS, OK, FORBIDDEN)),
    "training:take@other-force": (
        "get",
        _pk("other-published"),
        roles(TAKERS, NOT_FOUND, FORBIDDEN),
    ),
    "training:module": ("get", _pk("module"), roles(AUTHORS, OK, FORBIDDEN)),
    "training:module@other-force": (
        "get",
        _pk("other-module"),
        roles(AUTHORS, NOT_FOUND, FORBIDDEN),
    ),
    "training:module@not-invited": (
        "get",
        _pk("uninvited-module"),
        roles(AUTHORS, NOT_FOUND, FORBIDDEN) | {Role.SUPERVISOR: OK},
    ),
    "training:invite": ("post", _pk("module"), roles(LEAD, REDIRECT, FORBIDDEN)),
    "training:version-start": ("post", _pk("module"), roles(LEAD, REDIRECT, FORBIDDEN)),
    "training:rollout": ("get", _pk("module"), roles(LEAD, OK, FORBIDDEN)),
    "training:rollout@other-force": ("get", _pk("other-module"), roles(LEAD, NOT_FOUND, FORBIDDEN)),
    "training:version-edit": ("get", _pk("draft"), roles(AUTHORS, OK, FORBIDDEN)),
    "training:version-edit@other-force": (
        "get",
        _pk("other-draft"),
        roles(AUTHORS, NOT_FOUND, FORBIDDEN),
    ),
    "training:sign-off": ("post", _pk("draft"), roles(AUTHORS, REDIRECT, FORBIDDEN)),
    "training:sign-off@other-force": (
        "post",
        _pk("other-draft"),
        roles(AUTHORS, NOT_FOUND, FORBIDDEN),
    ),
    "training:publish": ("post", _pk("draft"), roles(LEAD, REDIRECT, FORBIDDEN)),
    "training:assign": ("get", _pk("published"), roles(LEAD, OK, FORBIDDEN)),
    "training:assign@other-force": (
        "get",
        _pk("other-published"),
        roles(LEAD, NOT_FOUND, FORBIDDEN),
    ),
    # Care practice trials: the force's training lead only; another force's trial is a 404.
    "training:trials": ("get", None, roles(LEAD, OK, FORBIDDEN)),
    "training:trial": ("get", _code("trial"), roles(LEAD, OK, FORBIDDEN)),
    "training:trial@other-force": ("get", _code("other-trial"), roles(LEAD, NOT_FOUND, FORBIDDEN)),
}


def world_extend(world) -> None:
    """Training objects are built on first use, so other apps' route tests never pay."""
    built: dict = {}

    def training() -> dict:
        if not built:
            from tests.training.factories import published_module_make
            from victimcare.training.trials.services import trial_plan_register

            for key, force, organisation in (
                ("", world["force"], "Victim Support (test)"),
                ("other-", world["other-force"], "Another force's charity"),
            ):
                module, published, draft = published_module_make(
                    force=force, organisation_name=organisation
                )
                built[f"{key}module"], built[f"{key}published"], built[f"{key}draft"] = (
                    module,
                    published,
                    draft,
                )
            built["uninvited-module"] = published_module_make(
                force=world["force"], code="uninvited", organisation_name="Another charity"
            )[0]
            for key, force in (("", world["force"]), ("other-", world["other-force"])):
                built[f"{key}trial"] = trial_plan_register(
                    force=force,
                    code=f"{key}reassurance",
                    title="Reassurance call-back",
                    practice="reassurance_callback",
                    measure="treatment",
                    crime_groups=["burglary"],
                    report_from=date(2026, 1, 1),
                    report_to=date(2026, 12, 31),
                    seed=1,
                ).trial
        return built

    world["training"] = training
