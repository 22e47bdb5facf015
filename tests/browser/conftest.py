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


# Runs in every page before its own scripts: each Content-Security-Policy violation is
# reported to the test (through a binding, so none is lost when the page navigates).
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.victimcareCspViolation({
    page: location.pathname, directive: event.effectiveDirective,
    blocked: event.blockedURI, source: event.sourceFile, line: event.lineNumber,
    sample: event.sample,
  });
});
"""


@pytest.fixture
def page(browser, live_server):
    """A Chromium page on the live server. Content-Security-Policy violations, as events and
    as console errors, are collected in ``page.csp_violations``; a journey that caused any
    fails at teardown."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=True)
    context.set_default_timeout(15_000)
    violations: list[dict] = []
    context.expose_binding(
        "victimcareCspViolation", lambda _source, violation: violations.append(violation)
    )
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()

    def console_error(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append({"page": page.url, "console": message.text})

    page.on("console", console_error)
    page.csp_violations = violations
    yield page
    context.close()
    assert violations == [], f"Content-Security-Policy violations: {violations}"


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations of the given impacts on the current page."""
    # Evaluated through the browser's debugging protocol, not added as an inline <script>,
    # which the site's Content-Security-Policy rightly blocks.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
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
