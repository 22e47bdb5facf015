"""Who may use Track my case and the officer's reply (merged into tests/accounts/test_access.py)."""

from tests.access_rules import ANON, FORBIDDEN, NOT_FOUND, OK, every, roles
from victimcare.accounts.constants import Role

REDIRECT = 302  # not signed in to Track my case: back to its start page
WORKERS = {Role.OFFICER, Role.SUPERVISOR}

ROUTES = {
    "portal:start": ("get", None, {ANON: OK, **every(OK)}),
    "portal:code": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    # A link with no live token shows the page that offers a new code.
    "portal:link": ("get", None, {ANON: OK, **every(OK)}),
    "portal:case": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "portal:message-send": ("post", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "portal:contact": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "portal:contact-confirm": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "portal:visit": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "portal:care-card": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "portal:sign-out": ("post", None, {ANON: REDIRECT, **every(REDIRECT)}),
    # The victim's rights (issue 15): support referral, complaint, review, entitlements.
    "portal:referral": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "portal:complaint": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "portal:review": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    "portal:entitlements": ("get", None, {ANON: REDIRECT, **every(REDIRECT)}),
    # The officer's reply: case workers of the case's own force; another force's is a 404.
    "portal:message-reply": ("post", "own-case", roles(WORKERS, REDIRECT, FORBIDDEN)),
    "portal:message-reply@other-force": (
        "post",
        "other-case",
        roles(WORKERS, NOT_FOUND, FORBIDDEN),
    ),
}
