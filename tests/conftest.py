import os
from datetime import date

import pytest
from hypothesis import settings as hypothesis_settings

# In CI every property test draws the same examples on every run (derandomized), so a
# submission passes or fails on its own code; elsewhere each run explores new examples.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "")
    engine = "PostgreSQL" if url.startswith("postg") else "SQLite (embedded)"
    return [f"victimcare database for this run: {engine}"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that do not test hashing use MD5."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


# The day the demo world's year of activity runs up to in tests: the tests were written for
# a world whose year ends on 30 September 2026 (tests/demo/test_as_of.py builds others).
DEMO_AS_OF = date(2026, 9, 30)


@pytest.fixture(autouse=True)
def _demo_world_as_of(settings):
    """Demo worlds built in tests are the same whatever the day the tests run."""
    settings.DEMO_AS_OF = DEMO_AS_OF


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On PostgreSQL, each test run gets its own test database, so that runs started at
    the same time on one server (several developers, or CI beside a developer) never
    drop each other's database."""
    from django.conf import settings

    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("postgresql"):
        default.setdefault("TEST", {})["NAME"] = f"test_{default['NAME']}_{os.getpid()}"


@pytest.fixture(scope="module")
def migrated_rows_put_back(django_db_blocker):
    """The flush after a transactional test empties every table, the rows the care
    migration writes (rule sets, the working-day calendar) included, and the tests after
    it expect them. Write them back as that migration does, once the flush is done (a
    module fixture is torn down after the test's own teardown)."""
    yield
    from victimcare.care.services import calendar_fill, rule_sets_load

    with django_db_blocker.unblock():
        rule_sets_load()
        calendar_fill()


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    """``client.force_login(user)`` signs in with both factors, as staff are after the code
    page: the user gets a confirmed authenticator app and the session is verified the way
    django_otp's ``login`` marks it. ``force_login(user, otp_verified=False)`` leaves the
    session half-signed-in (password only). Tests of the second factor itself go through
    the pages with real codes (tests/accounts/test_two_factor.py)."""
    from django.test import Client

    from tests.factories import session_verify

    password_only = Client.force_login

    def force_login(self, user, backend=None, *, otp_verified=True):
        password_only(self, user, backend)
        if otp_verified:
            session_verify(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
