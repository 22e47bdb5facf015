"""Shared vocabulary for the role-by-route tables (tests/accounts/test_access.py and each
app's tests/<app>/access.py)."""

from victimcare.accounts.constants import Role

ANON = "anonymous"
ROLES = [ANON, *Role.values]

# Outcomes: an HTTP status, "login" (redirect to sign-in), "admin-login" (the admin's own
# sign-in), "home" (redirect to the staff home).
OK, FORBIDDEN, NOT_FOUND, LOGIN, HOME = 200, 403, 404, "login", "home"
ADMIN_LOGIN = "admin-login"

CASE_ROLES = {Role.CALL_HANDLER, Role.OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR}


def every(outcome, **overrides) -> dict:
    """The same outcome for every staff role, with named exceptions."""
    table = dict.fromkeys(Role.values, outcome)
    table.update(overrides)
    return table


def roles(allowed: set, yes, no, anonymous=LOGIN) -> dict:
    """``yes`` for the roles in ``allowed``, ``no`` for the others, and the anonymous outcome."""
    return {ANON: anonymous, **{r: yes if r in allowed else no for r in Role.values}}
