"""Rules across a form's fields or a report's steps: the contact route (every form taking
a victim's contact details) and the age against the date of birth."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from victimcare.cases.constants import AgeBand, ContactMethod
from victimcare.intake.constants import (
    YesNo,
    is_uk_mobile,
)


def contact_route_check(form: forms.Form, cleaned: dict) -> None:
    """What every form taking a victim's contact details checks: the preferred route has
    what it needs, texts go only to a UK mobile, phone safety is answered, and a number
    marked unsafe is not the route. In the staff member's voice when ``form.staff``."""
    staff = getattr(form, "staff", False)
    preferred = cleaned.get("preferred_contact")
    if preferred == ContactMethod.EMAIL and not cleaned.get("email") and "email" not in form.errors:
        form.add_error(
            "email",
            _("Enter the victim's email address, or choose another way to contact them")
            if staff
            else _("Enter your email address, or choose another way to be contacted"),
        )
    if (
        preferred in (ContactMethod.SMS, ContactMethod.PHONE)
        and not cleaned.get("phone")
        and "phone" not in form.errors
    ):
        form.add_error(
            "phone",
            _("Enter the victim's phone number, or choose another way to contact them")
            if staff
            else _("Enter your phone number, or choose another way to be contacted"),
        )
    if (
        preferred == ContactMethod.SMS
        and cleaned.get("phone")
        and "phone" not in form.errors
        and not is_uk_mobile(cleaned["phone"])
    ):
        form.add_error(
            "phone",
            _(
                "Text messages need a UK mobile number, like 07700 900 982: enter one, or "
                "choose another way to be contacted"
            ),
        )
    if cleaned.get("phone") and not cleaned.get("phone_is_safe"):
        form.add_error(
            "phone_is_safe",
            _("Select yes if it is safe to contact the victim on this number")
            if staff
            else _("Select yes if it is safe to contact you on this number"),
        )
    if (
        preferred in (ContactMethod.SMS, ContactMethod.PHONE)
        and cleaned.get("phone_is_safe") == YesNo.NO
    ):
        form.add_error(
            "preferred_contact",
            _("The victim said this number is not safe: choose email or letter instead")
            if staff
            else _("You told us this number is not safe: choose email or letter instead"),
        )


# The age bands of the equality question, as (youngest, oldest) ages.
AGE_BAND_YEARS = {
    AgeBand.UNDER_16: (0, 15),
    AgeBand.AGE_16_24: (16, 24),
    AgeBand.AGE_25_34: (25, 34),
    AgeBand.AGE_35_44: (35, 44),
    AgeBand.AGE_45_54: (45, 54),
    AgeBand.AGE_55_64: (55, 64),
    AgeBand.AGE_65_PLUS: (65, 200),
}


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def answers_cross_check(answers: dict, *, staff: bool = False) -> dict[str, list[str]]:
    """Rules between steps, by answer key: the age chosen must fit the date of birth (both
    answers get the error). Empty when they agree or either is not given."""
    band, born = answers.get("age_band"), answers.get("date_of_birth")
    if band not in AGE_BAND_YEARS or not born:
        return {}
    try:
        age = age_on(date.fromisoformat(born), timezone.localdate())
    except (TypeError, ValueError):
        return {}  # the date's own rules say what is wrong
    youngest, oldest = AGE_BAND_YEARS[band]
    if youngest <= age <= oldest:
        return {}
    if staff:
        return {
            "age_band": [_("The victim's age does not match their date of birth: check both")],
            "date_of_birth": [_("The victim's date of birth does not match their age: check both")],
        }
    return {
        "age_band": [_("Your age does not match your date of birth: check both")],
        "date_of_birth": [_("Your date of birth does not match your age: check both")],
    }
