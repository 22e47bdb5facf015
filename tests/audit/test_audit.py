"""The audit log is append-only: nobody alters it through the application."""

import pytest
from django.utils import timezone

from tests.factories import case_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.audit.models import AuditRecord
from victimcare.audit.services import audit_record_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    case = case_make()
    audit_record_create(user=staff_make(Role.OFFICER), victim=case.victims.get(), page="/cases/x/")
    return AuditRecord.objects.get()


def test_an_audit_record_cannot_be_changed(record):
    record.page = "/elsewhere/"
    with pytest.raises(PermissionError):
        record.save()


def test_an_audit_record_cannot_be_deleted(record):
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        AuditRecord.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditRecord.objects.update(at=timezone.now())


def test_the_admin_site_offers_no_way_to_change_audit_records(admin_client, record):
    response = admin_client.get(f"/admin/audit/auditrecord/{record.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert admin_client.get("/admin/audit/auditrecord/add/").status_code == 403
    assert admin_client.post(f"/admin/audit/auditrecord/{record.pk}/delete/").status_code == 403
