"""Who may use the cases app's own routes (merged into tests/accounts/test_access.py)."""

from tests.access_rules import CASE_ROLES, FORBIDDEN, OK, roles

ROUTES = {
    # The search form (GET) shows no personal data; only case roles may use it.
    "cases:search": ("get", None, roles(CASE_ROLES, OK, FORBIDDEN)),
}
