"""Every role against every route: allowed, forbidden, or scoped to the role's force.

ROUTES lists each URL name with the outcome expected for an anonymous visitor and for
each role. Apps add their own routes in ``tests/<app>/access.py`` (a ``ROUTES`` dict of
the same shape and, if their URLs name objects, a ``world_extend(world)`` function that
adds them to the shared world). ``test_every_route_is_in_the_table`` fails when a route
is added without deciding who may use it.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access_rules import (
    ADMIN_LOGIN,
    ANON,
    CASE_ROLES,
    FORBIDDEN,
    HOME,
    LOGIN,
    NOT_FOUND,
    OK,
    ROLES,
    every,
)
from tests.factories import area_make, case_make, force_make, staff_make
from victimcare.accounts.constants import Role


def admin_site(administrator) -> dict:
    """The administration site: only administrators get past its sign-in."""
    return {ANON: ADMIN_LOGIN, **every(ADMIN_LOGIN, administrator=administrator)}


ADMIN_SITE_OK = admin_site(OK)

# route name -> (method, which object the URL names, expected by role incl. anonymous).
# The object is a key of the world fixture, or a function world -> URL kwargs.
ROUTES: dict[str, tuple[str, str | None, dict]] = {
    "core:landing": ("get", None, {ANON: OK, **every(HOME)}),
    "core:staff-home": ("get", None, {ANON: LOGIN, **every(OK)}),
    "core:healthz": ("get", None, {ANON: OK, **every(OK)}),
    "accounts:sign-in": ("get", None, {ANON: OK, **every(HOME)}),
    "accounts:sign-out": ("post", None, {ANON: LOGIN, **every(LOGIN)}),
    # The second-factor steps: for a signed-in (verified) user there is nothing left to do.
    "accounts:two-factor": ("get", None, {ANON: LOGIN, **every(HOME)}),
    "accounts:two-factor-recovery": ("get", None, {ANON: LOGIN, **every(HOME)}),
    "accounts:two-factor-enrol": ("get", None, {ANON: LOGIN, **every(HOME)}),
    "accounts:two-factor-recovery-codes": ("get", None, {ANON: LOGIN, **every(HOME)}),
    "audit:log": (
        "get",
        None,
        {ANON: LOGIN, **every(FORBIDDEN, administrator=OK)},
    ),
    # Own force's case: case roles see it; others are forbidden.
    "cases:detail": (
        "get",
        "own-case",
        {ANON: LOGIN, **{r: OK if r in CASE_ROLES else FORBIDDEN for r in Role.values}},
    ),
    # Another force's case: indistinguishable from a missing one.
    "cases:detail@other-force": (
        "get",
        "other-case",
        {ANON: LOGIN, **{r: NOT_FOUND if r in CASE_ROLES else FORBIDDEN for r in Role.values}},
    ),
    "admin:index": ("get", None, {ANON: ADMIN_LOGIN, **every(ADMIN_LOGIN, administrator=OK)}),
    # The administration site within the force (tests/accounts/test_admin_scope.py has
    # every admin model): an administrator manages their own force's staff and areas ...
    "admin:accounts_user_changelist": ("get", None, ADMIN_SITE_OK),
    "admin:accounts_user_add": ("get", None, ADMIN_SITE_OK),
    "admin:forces_area_change": ("get", lambda w: {"object_id": w["own-area"].pk}, ADMIN_SITE_OK),
    # ... another force's are missing to them ...
    "admin:accounts_user_change@other-force": (
        "get",
        lambda w: {"object_id": w["other-staff"].pk},
        admin_site(NOT_FOUND),
    ),
    "admin:forces_area_change@other-force": (
        "get",
        lambda w: {"object_id": w["other-area"].pk},
        admin_site(NOT_FOUND),
    ),
    # ... national data is read-only to them ...
    "admin:forces_force_add": ("get", None, admin_site(FORBIDDEN)),
    "admin:forces_force_delete": (
        "get",
        lambda w: {"object_id": w["other-force"].pk},
        admin_site(FORBIDDEN),
    ),
    "admin:forces_crimetype_add": ("get", None, admin_site(FORBIDDEN)),
    "admin:forces_peerlist_add": ("get", None, admin_site(FORBIDDEN)),
    # ... and other apps' models (sign-in attempts of every force) are for superusers.
    "admin:axes_accessattempt_changelist": ("get", None, admin_site(FORBIDDEN)),
    "api-v1:forces": ("get", None, {ANON: 401, **every(OK)}),
    # The bare API root is no endpoint: 404 for everyone.
    "api-v1:api-root": ("get", None, {ANON: NOT_FOUND, **every(NOT_FOUND)}),
    "api-v1:openapi-json": ("get", None, {ANON: OK, **every(OK)}),
    "api-v1:openapi-view": ("get", None, {ANON: OK, **every(OK)}),
}


APP_ACCESS_MODULES = [
    importlib.import_module(f"tests.{path.parent.name}.access")
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/access.py"))
]
for module in APP_ACCESS_MODULES:
    ROUTES.update(module.ROUTES)


def route_names() -> set[str]:
    """Every named route of the project; the admin site counts as one (admin:index)."""
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    names.add("admin:index")
                    continue
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}{pattern.namespace}:"
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    return names


def test_every_route_is_in_the_table():
    """A new route cannot land without a decision about who may use it."""
    table_names = {name.split("@")[0] for name in ROUTES}
    missing = route_names() - table_names
    assert not missing, f"routes with no access rule in ROUTES: {sorted(missing)}"


@pytest.fixture
def world(db):
    mps, gmp = force_make("MPS", "Metropolitan Police Service"), force_make("GMP", "GMP")
    world = {
        "own-case": case_make(force=mps),
        "other-case": case_make(force=gmp),
        "own-area": area_make(mps, "Camden"),
        "other-area": area_make(gmp, "Salford"),
        "other-staff": staff_make(Role.OFFICER, force=gmp),
        "force": mps,
        "other-force": gmp,
    }
    for module in APP_ACCESS_MODULES:
        if hasattr(module, "world_extend"):
            module.world_extend(world)
    return world


CASES = [(route, role) for route in ROUTES for role in ROLES]


def route_url(route: str, world) -> str:
    _method, target, _expected = ROUTES[route]
    name = route.split("@")[0]
    if callable(target):  # an app's route: the function builds the URL's kwargs
        kwargs = target(world)
    else:
        kwargs = {"reference": world[target].reference} if target else {}
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize(("route", "role"), CASES, ids=[f"{r}-{o}" for r, o in CASES])
def test_role_against_route(client, world, route, role):
    method, _target, expected = ROUTES[route]
    url = route_url(route, world)
    if role != ANON:
        client.force_login(staff_make(role, force=world["force"]))
    response = getattr(client, method)(url)
    assert_outcome(response, expected[role])


# A session that has passed the password but not the code: only the sign-in steps see it
# (and send it on to set up its authenticator app); every other route treats it exactly
# as an anonymous visitor, the admin site and the API included.
ENROL = "enrol"
HALF_SIGNED_IN_EXCEPTIONS = {
    "accounts:sign-in": ENROL,
    "accounts:two-factor": ENROL,
    "accounts:two-factor-recovery": ENROL,
    "accounts:two-factor-enrol": OK,
}
HALF_CASES = [(route, role) for route in ROUTES for role in (Role.ADMINISTRATOR, Role.SUPERVISOR)]


@pytest.mark.parametrize(("route", "role"), HALF_CASES, ids=[f"{r}-{o}" for r, o in HALF_CASES])
def test_a_session_without_the_second_factor_is_anonymous_to_every_staff_route(
    client, world, route, role
):
    method, _target, expected = ROUTES[route]
    client.force_login(staff_make(role, force=world["force"]), otp_verified=False)
    response = getattr(client, method)(route_url(route, world))
    assert_outcome(response, HALF_SIGNED_IN_EXCEPTIONS.get(route.split("@")[0], expected[ANON]))


def assert_outcome(response, outcome) -> None:
    if outcome == ENROL:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:two-factor-enrol"))
    elif outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign-in"))
    elif outcome == ADMIN_LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    elif outcome == HOME:
        assert response.status_code == 302
        assert response["Location"] == reverse("core:staff-home")
    else:
        assert response.status_code == outcome, response.content[:300]
