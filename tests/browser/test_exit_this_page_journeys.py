"""A victim reporting domestic abuse sees GOV.UK's "Exit this page" from the moment they say
what happened, and pressing it (or Shift three times) leaves the site at once."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.intake.factories import reporting_world
from victimcare.forces.constants import SurveyGroup
from victimcare.forces.models import CrimeType

pytestmark = pytest.mark.django_db(transaction=True)

NEUTRAL_SITE = "https://www.bbc.co.uk/weather"
EXIT_BUTTON = ".govuk-exit-this-page__button"


def domestic_abuse_world():
    reporting_world()
    CrimeType.objects.create(
        code="domestic-abuse",
        name="Domestic abuse",
        plain_name="Someone close to me hurt, threatened or controlled me",
        survey_group=SurveyGroup.OTHER,
        is_domestic_abuse=True,
        report_group="Someone close to me",
    )


def neutral_site_served(page) -> None:
    """The neutral site, answered by the test (no request leaves the machine)."""
    page.context.route(
        "https://www.bbc.co.uk/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>"
        ),
    )


def say_domestic_abuse(page) -> None:
    page.goto("/report/?force=MPS")
    page.get_by_role("button", name="Start now").click()
    assert page.locator(EXIT_BUTTON).count() == 0  # not before the victim says what happened
    page.get_by_label("Someone close to me hurt, threatened or controlled me").check()
    page.get_by_role("button", name="Continue").click()


def test_a_domestic_abuse_report_shows_exit_this_page_and_pressing_it_leaves(page):
    domestic_abuse_world()
    neutral_site_served(page)
    say_domestic_abuse(page)
    button = page.get_by_role("button", name="Emergency Exit this page")
    expect(button).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Continue").click()  # the next page has it too
    expect(page.locator(EXIT_BUTTON)).to_be_visible()
    page.locator(EXIT_BUTTON).click()
    page.wait_for_url(NEUTRAL_SITE)
    assert page.title() == "Weather"


def test_pressing_shift_three_times_leaves_the_site(page):
    domestic_abuse_world()
    neutral_site_served(page)
    say_domestic_abuse(page)
    # GOV.UK Frontend marks a component it has started (data-module-init): before that the
    # key presses go unheard, as they did on a loaded machine.
    page.locator('[data-module="govuk-exit-this-page"][data-govuk-exit-this-page-init]').wait_for(
        state="attached"
    )
    page.locator("body").click()  # focus in the page, not on a form field
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(NEUTRAL_SITE)
