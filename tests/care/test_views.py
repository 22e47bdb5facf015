"""Care pages: forms say how to fix a mistake; the compliance CSV carries the figures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.care.factories import care_case_make
from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.cases.models import CaseEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(client):
    force = force_make()
    officer = staff_make(Role.OFFICER, force=force)
    case = care_case_make(
        force=force, reported_at=timezone.now() - timedelta(hours=1), officer_in_charge=officer
    )
    client.force_login(officer)
    return force, officer, case


def test_an_empty_contact_says_what_to_enter_and_records_nothing(client, setup):
    _, _, case = setup
    response = client.post(f"/cases/{case.reference}/contact/", {"victim_text": ""})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Enter the update the victim will see" in response.text
    assert not CaseEvent.objects.filter(case=case, kind="contact_made").exists()


def test_a_needs_assessment_without_consent_answer_says_so(client, setup):
    _, _, case = setup
    response = client.post(f"/cases/{case.reference}/needs-assessment/", {"needs": ["language"]})
    assert "Say whether the victim wants to be referred to support" in response.text
    assert "Enter the language the victim needs" in response.text


def test_the_worklist_lists_the_officers_obligations_soonest_first(client, setup):
    _, _, _case = setup
    response = client.get("/worklist/")
    assert response.status_code == 200
    text = response.text
    assert text.index("Refer the victim to support") < text.index("Send written information")


def test_the_compliance_csv_has_a_row_per_obligation(client, setup):
    force, _, case = setup
    client.post(f"/cases/{case.reference}/written-information/")
    client.force_login(staff_make(Role.SUPERVISOR, force=force))
    response = client.get("/compliance.csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    row = next(line for line in lines if line.startswith("summary,written_information"))
    assert row.split(",")[-5:] == ["1", "0", "0", "0", "1.0000"]


def test_a_bad_compliance_date_says_how_to_write_it(client, setup):
    force, _, _ = setup
    client.force_login(staff_make(Role.SUPERVISOR, force=force))
    response = client.get("/compliance/", {"start": "31/02/2026"})
    assert "Enter the start date as a real date" in response.text
