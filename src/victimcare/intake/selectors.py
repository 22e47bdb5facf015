"""Reads of the reporting channels that other code uses."""

from __future__ import annotations

from django.db.models import QuerySet

from victimcare.cases.models import Case
from victimcare.forces.models import CrimeType, Force
from victimcare.intake.models import ExternalReference


def reporting_forces() -> QuerySet[Force]:
    return Force.objects.order_by("name")


def force_by_code(code: str) -> Force | None:
    code = (code or "").strip().upper()[:8]
    return Force.objects.filter(code=code).first() if code else None


def crime_type_needs_consent(*, code) -> bool:
    """Whether the Code asks for the victim's consent before a referral for this crime type
    (False for an unknown or missing code: the opt-out applies)."""
    if not isinstance(code, str) or not code:
        return False
    return CrimeType.objects.filter(code=code, referral_needs_consent=True).exists()


def case_for_victim_session(*, case_id) -> Case | None:
    """The case a victim has just reported in this browser session."""
    if not isinstance(case_id, int):
        return None
    return (
        Case.objects.select_related("force", "crime_type", "area", "officer_in_charge")
        .filter(pk=case_id)
        .first()
    )


def case_external_references(*, case: Case) -> QuerySet[ExternalReference]:
    return ExternalReference.objects.filter(case=case).order_by("system")
