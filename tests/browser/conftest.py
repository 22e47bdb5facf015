"""Browser journeys: Playwright's Python package driving Debian's Chromium.

No browser is ever downloaded: tests use /usr/bin/chromium (``apt-get install chromium``).
Without it they skip with the reason, except in CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("VICTIMCARE_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    missing = []
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        missing.append(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        missing.append(f"axe-core not found at {AXE} (npm ci)")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail("; ".join(missing))
        pytest.skip("; ".join(missing))
    # Playwright's sync API runs an event loop in this thread; the Django ORM calls made
    # by the test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations of the given impacts on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def sign_in(page, username, password=None):
    """Sign in through the pages as staff do: the password, then the 6-digit code from the
    user's authenticator app (one is set up for the user if they have none, as if they had
    been through the set-up page: tests/browser/test_two_factor_journeys.py goes through it)."""
    from tests.factories import PASSWORD, totp_code, totp_device_make
    from victimcare.accounts.models import User

    device = totp_device_make(User.objects.get(username=username))
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code", exact=True).fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
