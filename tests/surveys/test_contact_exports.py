"""Victims' names and contact details leave the system only for those who need them
(supervisors and administrators, never the analyst who draws the sample), through one
service that audits every victim exported and writes cells no spreadsheet can run."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import force_make, staff_make
from tests.surveys.factories import sample_make, victim_case_make
from victimcare.accounts.constants import AuditAction, Role
from victimcare.accounts.permissions import ROLE_CAPABILITIES, Capability
from victimcare.audit.models import AuditRecord
from victimcare.cli import main
from victimcare.surveys.constants import InvitationKind, Mode
from victimcare.surveys.models import Invitation
from victimcare.surveys.services import (
    ContactExportRefused,
    agency_sample_export,
    invitations_export,
    invitations_send,
)

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "victimcare"
HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def mps():
    return force_make("MPS", "Metropolitan Police Service")


def agency_sample(force, count=2, **victim):
    for _ in range(count):
        victim_case_make(force, phone="07700 900555", phone_is_safe=True, **victim)
    return sample_make(force, mode=Mode.AGENCY)


def web_sample(force, count=2):
    """A web sample whose invitations the notifications service could not send."""
    for _ in range(count):
        victim_case_make(force)
    sample = sample_make(force)
    invitations_send(sample=sample)
    Invitation.objects.filter(member__sample=sample).update(sent=False)
    return sample


@pytest.mark.parametrize(
    ("role", "may_export"),
    [
        (Role.CALL_HANDLER, False),
        (Role.OFFICER, False),
        (Role.SUPERVISOR, True),
        (Role.ANALYST, False),
        (Role.OVERSIGHT, False),
        (Role.SUPPORT_ORGANISATION, False),
        (Role.ADMINISTRATOR, True),
    ],
)
def test_only_supervisors_and_administrators_may_export_contact_details(role, may_export):
    assert (Capability.EXPORT_CONTACT_DETAILS in ROLE_CAPABILITIES[role]) is may_export


def test_analysts_keep_sampling_fieldwork_and_pseudonymised_responses():
    analyst = ROLE_CAPABILITIES[Role.ANALYST]
    assert {Capability.MANAGE_SURVEYS, Capability.VIEW_RESPONSES} <= analyst
    assert Capability.VIEW_CASES not in analyst


@pytest.mark.parametrize("route", ["surveys:agency-export", "surveys:invitations-export"])
def test_an_analyst_cannot_download_contact_details(client, mps, route):
    sample = agency_sample(mps) if route == "surveys:agency-export" else web_sample(mps)
    client.force_login(staff_make(Role.ANALYST, force=mps))
    response = client.get(reverse(route, kwargs={"pk": sample.pk}))
    assert response.status_code == 403
    assert not AuditRecord.objects.exists()


def test_the_analysts_sample_page_offers_no_contact_downloads(client, mps):
    sample = web_sample(mps)
    client.force_login(staff_make(Role.ANALYST, force=mps))
    page = client.get(reverse("surveys:sample-detail", kwargs={"pk": sample.pk})).content.decode()
    assert reverse("surveys:invitations-export", kwargs={"pk": sample.pk}) not in page
    assert reverse("surveys:agency-export", kwargs={"pk": sample.pk}) not in page
    assert "a victim care supervisor or an administrator downloads them" in page


def test_a_supervisor_finds_the_downloads_on_the_contact_exports_page(client, mps):
    web = web_sample(mps)
    supervisor = staff_make(Role.SUPERVISOR, force=mps)
    client.force_login(supervisor)
    page = client.get(reverse("surveys:contact-exports")).content.decode()
    assert reverse("surveys:invitations-export", kwargs={"pk": web.pk}) in page
    assert "September 2026" in page
    assert not AuditRecord.objects.exists()  # counts only: nothing personal shown yet


def test_the_invitations_export_audits_each_victim_once_naming_the_export(client, mps):
    sample = web_sample(mps, count=2)
    # A reminder recorded too: two rows for one victim, still one audit record each.
    member = sample.members.order_by("id").first()
    Invitation.objects.create(
        member=member, kind=InvitationKind.REMINDER, route="email", created_at=member.expires_at
    )
    supervisor = staff_make(Role.SUPERVISOR, force=mps)
    client.force_login(supervisor)
    response = client.get(reverse("surveys:invitations-export", kwargs={"pk": sample.pk}))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    records = AuditRecord.objects.filter(user=supervisor, action=AuditAction.EXPORT)
    assert sorted(r.victim_id for r in records) == sorted(
        sample.members.values_list("victim_id", flat=True)
    )
    assert {r.page for r in records} == {
        f"survey invitations export, MPS 2026-09 sample {sample.pk} "
        f"(/surveys/samples/{sample.pk}/invitations.csv)"
    }


def test_the_export_service_writes_its_own_audit_records(mps):
    """No caller can skip the audit: the service that writes the file writes the records."""
    sample = agency_sample(mps, count=3)
    administrator = staff_make(Role.ADMINISTRATOR, force=mps)
    out = io.StringIO()
    assert agency_sample_export(sample=sample, by=administrator, file=out, via="a test") == 3
    records = AuditRecord.objects.filter(user=administrator, action=AuditAction.EXPORT)
    assert records.count() == 3
    assert all(r.page.startswith("agency sample export, MPS 2026-09") for r in records)


@pytest.mark.parametrize("export", [agency_sample_export, invitations_export])
@pytest.mark.parametrize("role", [Role.ANALYST, Role.OFFICER, Role.OVERSIGHT])
def test_the_export_service_refuses_staff_without_the_capability(mps, export, role):
    sample = agency_sample(mps) if export is agency_sample_export else web_sample(mps)
    extra = {"base_url": "https://x"} if export is invitations_export else {}
    out = io.StringIO()
    with pytest.raises(ContactExportRefused, match="may not export victims' contact details"):
        export(sample=sample, by=staff_make(role, force=mps), file=out, via="a test", **extra)
    assert out.getvalue() == ""
    assert not AuditRecord.objects.exists()


def test_the_export_service_refuses_another_forces_supervisor(mps):
    sample = agency_sample(mps)
    gmp_supervisor = staff_make(Role.SUPERVISOR, force=force_make("GMP", "GMP"))
    with pytest.raises(ContactExportRefused):
        agency_sample_export(sample=sample, by=gmp_supervisor, file=io.StringIO(), via="test")


def test_a_formula_in_a_victims_name_comes_out_of_the_agency_export_as_text(client, mps):
    sample = agency_sample(mps, count=1, given_name=HYPERLINK, family_name="@SUM(A1)")
    client.force_login(staff_make(Role.SUPERVISOR, force=mps))
    response = client.get(reverse("surveys:agency-export", kwargs={"pk": sample.pk}))
    row = next(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["given_name"] == "'" + HYPERLINK
    assert row["family_name"].startswith("'@SUM(A1)")


def test_a_formula_in_an_address_comes_out_of_the_invitations_export_as_text(client, mps):
    victim_case_make(mps, address="+cmd|' /C calc'!A0", preferred_contact="letter")
    sample = sample_make(mps)
    invitations_send(sample=sample)
    Invitation.objects.filter(member__sample=sample).update(sent=False)
    client.force_login(staff_make(Role.SUPERVISOR, force=mps))
    response = client.get(reverse("surveys:invitations-export", kwargs={"pk": sample.pk}))
    row = next(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["address"] == "'+cmd|' /C calc'!A0"


# --- the command line --------------------------------------------------------------------


def _export(user: str, out: Path) -> int:
    return main(
        ["survey", "export", "--force", "MPS", "--month", "2026-09", "--user", user,
         "--out", str(out)]
    )  # fmt: skip


@pytest.mark.parametrize("role", [Role.ANALYST, Role.OFFICER, Role.CALL_HANDLER])
def test_survey_export_refuses_a_user_without_the_capability(mps, tmp_path, capsys, role):
    agency_sample(mps)
    user = staff_make(role, force=mps)
    out = tmp_path / "agency.csv"
    assert _export(user.username, out) == 2
    err = capsys.readouterr().err
    assert f"{user.username} may not export victims' contact details of MPS" in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert not AuditRecord.objects.exists()


def test_survey_export_refuses_an_unknown_user(mps, tmp_path, capsys):
    agency_sample(mps)
    assert _export("nobody", tmp_path / "agency.csv") == 2
    assert "no active staff member with username 'nobody'" in capsys.readouterr().err


def test_survey_export_audits_each_victim_to_the_supervisor(mps, tmp_path):
    sample = agency_sample(mps, count=2, given_name=HYPERLINK)
    supervisor = staff_make(Role.SUPERVISOR, force=mps)
    out = tmp_path / "agency.csv"
    assert _export(supervisor.username, out) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["given_name"] for r in rows] == ["'" + HYPERLINK] * 2
    records = AuditRecord.objects.filter(user=supervisor, action=AuditAction.EXPORT)
    assert sorted(r.victim_id for r in records) == sorted(
        sample.members.values_list("victim_id", flat=True)
    )


@pytest.mark.parametrize("module", ["surveys/views.py", "surveys/commands.py"])
def test_exports_are_audited_by_the_service_not_by_views_or_commands(module):
    """The page and the command call the export service; neither writes export audit
    records of its own (so neither can forget, or write them twice)."""
    text = (SRC / module).read_text(encoding="utf-8")
    assert "AuditAction.EXPORT" not in text
    assert "agency_export_rows" not in text
    assert "invitation_export_rows" not in text
