"""Panels the intake app adds to shared pages (registered in IntakeConfig.ready)."""

from victimcare.intake.care_card import pdf_available
from victimcare.intake.selectors import case_external_references


def care_card_panel(request, case) -> dict:  # noqa: ARG001 (every panel is given the request)
    return {
        "reference": case.reference,
        "pdf": pdf_available(),
        "external_references": list(case_external_references(case=case)),
    }
