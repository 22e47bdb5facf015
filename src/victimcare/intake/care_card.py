"""The Victim Care Card: crime reference, officer, what happens next, support contacts.

One set of facts (``care_card_facts``) feeds the HTML card, the PDF and the text sent by
email, text message or letter.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from victimcare.intake.constants import SUPPORT_CONTACTS


def care_card_facts(*, case) -> dict:
    officer = case.officer_in_charge
    return {
        "reference": case.reference,
        "force_name": case.force.name,
        "crime": case.crime_type.plain_name or case.crime_type.name,
        "reported_at": case.reported_at,
        "officer_name": str(officer) if officer else "",
        "officer_collar": getattr(officer, "collar_number", "") if officer else "",
        "officer_contact": getattr(officer, "contact_route", "") if officer else "",
        "next_steps": [
            _(
                "An officer will be put in charge of your case. We will tell you their name and how to reach them."
            ),
            _(
                "Within 5 working days we will send you written information about what happens next and your rights under the Victims' Code."
            ),
            _(
                "We will keep you updated at least once a month, and tell you about any arrest, charge or decision."
            ),
            _(
                "If you agree, we will pass your details to a local victim support service so they can offer help. You can say yes or no in Track my case."
            )
            if case.crime_type.referral_needs_consent
            else _(
                "Unless you tell us not to, we will pass your details to a local victim support service so they can offer help. You can say no in Track my case until we pass them on."
            ),
        ],
        "support": [(str(name), number) for name, number in SUPPORT_CONTACTS],
        "track_url": settings.PUBLIC_URL + reverse("portal:start"),
    }


def care_card_text(*, case) -> str:
    """The card as plain text for email, text messages and letters (no personal data in it
    beyond the reference)."""
    facts = care_card_facts(case=case)
    lines = [
        _("Victim Care Card – %(force)s") % {"force": facts["force_name"]},
        _("Crime reference: %(ref)s") % {"ref": facts["reference"]},
    ]
    if facts["officer_name"]:
        lines.append(_("Officer in charge: %(name)s") % {"name": facts["officer_name"]})
        if facts["officer_contact"]:
            lines.append(_("Contact: %(route)s") % {"route": facts["officer_contact"]})
    else:
        lines.append(_("Officer in charge: not yet assigned. We will tell you who it is."))
    lines.append("")
    lines.append(_("What happens next:"))
    lines.extend(f"- {step}" for step in facts["next_steps"])
    lines.append("")
    lines.append(_("Follow your case online: %(url)s") % {"url": facts["track_url"]})
    lines.append(_("Support:"))
    lines.extend(f"- {name}: {number}" for name, number in facts["support"])
    lines.append(_("In an emergency call 999. Otherwise call 101 and give your crime reference."))
    return "\n".join(lines)


def care_card_pdf(*, case) -> bytes:
    """The card as a printable PDF (WeasyPrint)."""
    from weasyprint import HTML

    html = render_to_string("intake/care_card_print.html", {"card": care_card_facts(case=case)})
    return HTML(string=html, base_url=settings.PUBLIC_URL).write_pdf()


def pdf_available() -> bool:
    try:
        import weasyprint  # noqa: F401 (only whether it imports)
    except (ImportError, OSError):
        return False
    return True
