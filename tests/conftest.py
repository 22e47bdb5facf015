import os

import pytest


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
