"""The header names the organisation the user works for, and a 404 fits the page asked
for (the case sentence only on case pages)."""

import pytest

from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.accounts.models import SupportOrganisation

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
