"""The header names the organisation the user works for, and a 404 fits the page asked
for (the case sentence only on case pages)."""

import pytest

from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.accounts.models import OversightBody, SupportOrganisation

pytestmark = pytest.mark.django_db

CASE_SENTENCE = "Cases are only shown to staff of the force that holds them"


@pytest.fixture
def forces():
    return force_make("MPS", "Metropolitan Police Service"), force_make("GMP", "Greater Manchester")


def _header(client, user) -> str:
    client.force_login(user)
    html = client.get("/staff/").content.decode()
    start = html.index('<header class="govuk-header')
    return html[start : html.index("</header>", start)]


def test_the_header_names_the_organisation(client, forces):
    mps, gmp = forces
    hmicfrs = staff_make(Role.OVERSIGHT, force=mps)
    hmicfrs.oversees.set([mps, gmp])
    mopac = staff_make(Role.OVERSIGHT, force=mps)
    mopac.oversees.set([mps])
    charity = SupportOrganisation.objects.create(name="Safe Harbour (test)")
    partner = staff_make(Role.SUPPORT_ORGANISATION, force=mps, support_organisation=charity)
    expected = {
        staff_make(Role.OFFICER, force=mps): "Metropolitan Police Service",
        hmicfrs: "Oversight of 2 forces",
        mopac: "Oversight of Metropolitan Police Service",
        partner: "Safe Harbour (test)",
    }
    for user, name in expected.items():
        header = _header(client, user)
        assert name in header
        if user.role != Role.OFFICER and name != "Oversight of Metropolitan Police Service":
            assert "Metropolitan Police Service" not in header


def test_an_oversight_body_is_shown_by_its_own_name_in_the_header_and_on_its_pages(client, forces):
    mps, _ = forces
    body = OversightBody.objects.create(name="Mayor's Office for Policing and Crime (test)")
    mopac = staff_make(Role.OVERSIGHT, force=mps, oversight_body=body)
    mopac.oversees.set([mps])
    header = _header(client, mopac)
    assert "Mayor&#x27;s Office for Policing and Crime (test)" in header
    assert "Oversight of" not in header
    page = client.get("/oversight/").content.decode()
    assert '<span class="govuk-caption-l" id="organisation">Mayor&#x27;s Office' in page


def test_the_demo_world_names_its_oversight_bodies():
    from victimcare.demo.calibration import calibration

    named = {
        a["username"]: a.get("organisation")
        for a in calibration().demo_accounts
        if a["role"] == Role.OVERSIGHT
    }
    assert named["mopac.oversight"].startswith("Mayor's Office for Policing and Crime")
    assert named["hmicfrs.oversight"].startswith("His Majesty's Inspectorate of Constabulary")


# (path, whether the case sentence is shown)
NOT_FOUND_FITS_THE_PAGE = [
    ("/cases/NOPE-26-000001/", True),
    ("/oversight/no-such-page/", False),
    ("/no-such-page/", False),
]


@pytest.mark.parametrize(("path", "case_sentence"), NOT_FOUND_FITS_THE_PAGE)
def test_not_found_fits_the_page(client, forces, path, case_sentence):
    client.force_login(staff_make(Role.OFFICER, force=forces[0]))
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert (CASE_SENTENCE in response.content.decode()) is case_sentence


def test_a_victims_404_is_in_the_public_layout_with_where_to_go_next(client):
    response = client.get("/track/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert 'id="next-steps"' in page
    assert 'href="/track/"' in page
    assert 'href="/report/"' in page
    assert "Call 999 if you are in danger now." in page
    assert 'id="navigation"' not in page  # no staff menu
    assert CASE_SENTENCE not in page


def test_a_staff_404_is_in_the_staff_layout(client, forces):
    client.force_login(staff_make(Role.SUPERVISOR, force=forces[0]))
    page = client.get("/oversight/forces/MPS/no-such-page/").content.decode()
    assert 'id="navigation"' in page  # the staff menu
    assert "Page not found" in page
    assert 'id="next-steps"' not in page


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/no-such-version/cases"])
def test_an_api_404_is_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not Found"}
