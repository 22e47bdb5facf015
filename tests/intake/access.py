"""Who may use the reporting routes (merged into tests/accounts/test_access.py)."""

from tests.access_rules import ANON, CASE_ROLES, FORBIDDEN, NOT_FOUND, OK, every, roles
from victimcare.accounts.constants import Role

REDIRECT = 302  # victim pages with nothing in the session send you back to the start
RECORDERS = {Role.CALL_HANDLER, Role.OFFICER, Role.SUPERVISOR}

ROUTES = {
    # Public pages: anyone, signed in or not.
    "intake:report-start": ("get", None, {ANON: OK, **every(OK)}),
    "intake:report-resume": ("get", None, {ANON: OK, **every(OK)}),
    "intake:report-step": (
        "get",
        lambda world: {"step": "what"},
        {ANON: REDIRECT, **every(REDIRECT)},
    ),
    "intake:report-saved": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "intake:report-check": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "intake:report-confirmation": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    # The referral answer on the confirmation page: nothing reported in this session.
    "intake:report-referral": ("post", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "intake:report-care-card": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "intake:report-care-card-pdf": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    # Staff entry of phone, front-counter and officer-visit reports.
    "intake:staff-report": ("get", None, roles(RECORDERS, OK, FORBIDDEN)),
    "intake:care-card": ("get", "own-case", roles(CASE_ROLES, OK, FORBIDDEN)),
    "intake:care-card@other-force": ("get", "other-case", roles(CASE_ROLES, NOT_FOUND, FORBIDDEN)),
    "intake:care-card-pdf": ("get", "own-case", roles(CASE_ROLES, OK, FORBIDDEN)),
    # The records-system API: 415 is a body not sent as JSON (the test client's empty
    # form) reaching a caller who may record.
    "api-v1:report-create": ("post", None, roles(RECORDERS, 415, FORBIDDEN, anonymous=401)),
}
