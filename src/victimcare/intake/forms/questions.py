"""The questions of the report itself, asked online, on staff entry and through the API."""

from __future__ import annotations

from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from victimcare.cases.constants import AgeBand, ContactMethod, Disability, Ethnicity, Sex
from victimcare.forces.models import Area, CrimeType
from victimcare.intake.constants import (
    PHONE_PATTERN,
    YesNo,
)
from victimcare.intake.forms.checks import contact_route_check
from victimcare.intake.forms.steps import (
    POSTCODE_PATTERN,
    TIME_PATTERN,
    DateParts,
    StepForm,
    _radios,
)


class CrimeTypeForm(StepForm):
    title = _("What happened?")
    answer_keys = ("crime_type",)
    heading_field = "crime_type"
    crime_type = _radios(
        (),
        label=_("What happened?"),
        help_text=_("Choose the one that fits best. The officer will check it with you."),
        error_messages={"required": _("Select what happened")},
    )

    staff_words = {
        "crime_type": {"help_text": _("Choose the one that fits best.")},
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.crime_types = {c.code: c for c in CrimeType.objects.order_by("name")}
        self.fields["crime_type"].choices = crime_type_choices(self.crime_types.values())


def crime_type_choices(crime_types) -> list:
    """Crime types grouped in the victim's words, groups and crimes sorted by those words;
    the ungrouped ones last, in a group with no words ("or", then "Something else")."""
    groups: dict[str, list] = {}
    for crime in crime_types:
        groups.setdefault(crime.report_group, []).append(
            (crime.code, crime.plain_name or crime.name)
        )
    order = sorted((words for words in groups if words), key=str.casefold)
    if "" in groups:
        order.append("")
    return [(words, sorted(groups[words], key=lambda c: str(c[1]).casefold())) for words in order]


class HateForm(StepForm):
    title = _("Do you think it happened because of who you are?")
    answer_keys = ("hate_element",)
    heading_field = "hate_element"
    hate_element = _radios(
        YesNo.choices,
        label=_(
            "Do you think it happened because of who you are, for example your race, "
            "religion, sexuality, disability or because you are transgender?"
        ),
        help_text=_("This question is optional. It helps us give you the right support."),
        required=False,
    )
    staff_words = {
        "title": _("Hate element"),
        "hate_element": {
            "label": _(
                "Does the victim think it happened because of who they are, for example their "
                "race, religion, sexuality, disability or because they are transgender?"
            ),
            "help_text": _("Optional. Leave blank if the victim did not say."),
        },
    }


class SummaryForm(StepForm):
    title = _("Tell us what happened")
    staff_words = {
        "title": _("What happened"),
        "summary": {
            "label": _("What happened"),
            "help_text": _(
                "What was taken or damaged and anything the victim noticed about the people "
                "involved."
            ),
        },
    }
    answer_keys = ("summary",)
    heading_field = "summary"
    summary = forms.CharField(
        label=_("Tell us what happened"),
        help_text=_(
            "Include what was taken or damaged and anything you noticed about the people involved."
        ),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Enter what happened"),
            "max_length": _("What happened must be 5,000 characters or fewer"),
        },
    )


class WhereForm(StepForm):
    title = _("Where did it happen?")
    answer_keys = ("area",)
    heading_field = "area"
    area = forms.ChoiceField(
        label=_("Where did it happen?"),
        help_text=_("Choose the borough or area. If you are not sure, choose the nearest."),
        choices=(),
        error_messages={
            "required": _("Select the borough or area where it happened"),
            "invalid_choice": _("Select a borough or area from the list"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        areas = Area.objects.filter(force=self.force).order_by("name") if self.force else []
        self.areas = {a.code: a for a in areas}
        self.fields["area"].choices = [("", _("Choose an area"))] + [
            (a.code, a.name) for a in self.areas.values()
        ]


class WhenForm(StepForm):
    title = _("When did it happen?")
    dates_first = True
    answer_keys = ("occurred_on", "occurred_time")
    date_groups = (
        DateParts(
            "occurred_on",
            _("Date"),
            hint=_("For example, 27 3 2026. If it happened over several days, give the first."),
        ),
    )
    occurred_time = forms.CharField(
        label=_("Time (optional)"),
        help_text=_("Use the 24-hour clock, for example 14:30. Leave blank if you do not know."),
        required=False,
        max_length=5,
    )

    def clean_occurred_time(self):
        value = self.cleaned_data.get("occurred_time", "").strip()
        if not value:
            return ""
        match = TIME_PATTERN.match(value)
        if not match:
            raise forms.ValidationError(_("Enter a time like 14:30"))
        return time(int(match.group(1)), int(match.group(2))).strftime("%H:%M")

    def answers(self) -> dict:
        return {
            "occurred_on": self.cleaned_data.get("occurred_on", ""),
            "occurred_time": self.cleaned_data.get("occurred_time", ""),
        }


class AboutYouForm(StepForm):
    title = _("Your details")
    staff_words = {
        "title": _("The victim's details"),
        "given_name": {"required": _("Enter the victim's first name")},
        "family_name": {"required": _("Enter the victim's last name")},
    }
    answer_keys = ("given_name", "family_name", "date_of_birth")
    date_groups = (
        DateParts(
            "date_of_birth",
            _("Date of birth (optional)"),
            hint=_("For example, 31 3 1980"),
            required=False,
        ),
    )
    given_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        error_messages={
            "required": _("Enter your first name"),
            "max_length": _("First name must be 100 characters or fewer"),
        },
    )
    family_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        error_messages={
            "required": _("Enter your last name"),
            "max_length": _("Last name must be 100 characters or fewer"),
        },
    )

    def answers(self) -> dict:
        data = super().answers()
        data["date_of_birth"] = self.cleaned_data.get("date_of_birth", "")
        return data


class ContactForm(StepForm):
    title = _("How should we contact you?")
    staff_words = {
        "title": _("How should we contact the victim?"),
        "preferred_contact": {
            "label": _("How would the victim like us to contact them?"),
            "required": _("Select how the victim would like us to contact them"),
        },
        "phone": {"help_text": _("A UK mobile number for text messages, like 07700 900 982")},
        "phone_is_safe": {
            "label": _("Is it safe to contact the victim on this number?"),
            "help_text": _(
                "Ask whether someone else might see their messages or answer their phone."
            ),
        },
        "times_to_avoid": {"label": _("Times we should not contact the victim (optional)")},
    }
    answer_keys = (
        "preferred_contact",
        "email",
        "phone",
        "phone_is_safe",
        "address",
        "postcode",
        "times_to_avoid",
    )
    preferred_contact = _radios(
        ContactMethod.choices,
        label=_("How would you like us to contact you?"),
        error_messages={"required": _("Select how you would like us to contact you")},
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        max_length=254,
        error_messages={
            "invalid": _("Enter an email address in the correct format, like name@example.com")
        },
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=32,
        help_text=_("A UK mobile number if you want text messages, like 07700 900 982"),
    )
    phone_is_safe = _radios(
        YesNo.choices,
        label=_("Is it safe for us to contact you on this number?"),
        required=False,
        help_text=_("Tell us if someone else might see your messages or answer your phone."),
    )
    address = forms.CharField(
        label=_("Address (optional unless you want letters)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    postcode = forms.CharField(label=_("Postcode"), required=False, max_length=10)
    times_to_avoid = forms.CharField(
        label=_("Times we should not contact you (optional)"),
        required=False,
        max_length=200,
        help_text=_("For example, weekdays before 6pm"),
    )

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and not PHONE_PATTERN.match(phone):
            raise forms.ValidationError(
                _("Enter a phone number, like 07700 900 982 or +44 7700 900 982")
            )
        return phone

    def clean_postcode(self):
        postcode = self.cleaned_data.get("postcode", "").strip().upper()
        if postcode and not POSTCODE_PATTERN.match(postcode):
            raise forms.ValidationError(_("Enter a real postcode, like SW1A 2AA"))
        return postcode

    def clean(self):
        cleaned = super().clean()
        contact_route_check(self, cleaned)
        if cleaned.get("preferred_contact") == ContactMethod.LETTER:
            if not cleaned.get("address"):
                self.add_error(
                    "address",
                    self.say(
                        _("Enter your address, or choose another way to be contacted"),
                        _("Enter the victim's address, or choose another way to contact them"),
                    ),
                )
            if not cleaned.get("postcode") and "postcode" not in self.errors:
                self.add_error(
                    "postcode", self.say(_("Enter your postcode"), _("Enter the victim's postcode"))
                )
        return cleaned


class VisitForm(StepForm):
    title = _("Would you like a visit from a police officer?")
    staff_words = {
        "title": _("Visit"),
        "wants_visit": {
            "label": _("Would the victim like a visit from a police officer?"),
            "help_text": _(
                "Offer every victim a visit. An officer will contact them to arrange a time."
            ),
            "required": _("Select yes if the victim would like a visit"),
        },
    }
    answer_keys = ("wants_visit",)
    heading_field = "wants_visit"
    wants_visit = _radios(
        YesNo.choices,
        label=_("Would you like a visit from a police officer?"),
        help_text=_(
            "Every victim is offered a visit. An officer will contact you to arrange a time."
        ),
        error_messages={"required": _("Select yes if you would like a visit")},
    )


def _optional(choices, label):
    return _radios(choices, label=label, required=False)


class EqualityForm(StepForm):
    title = _("Equality questions (optional)")
    answer_keys = ("age_band", "sex", "ethnicity", "disability")
    staff_words = {
        "title": _("Equality questions (optional: ask the victim)"),
        "age_band": {"label": _("The victim's age")},
        "sex": {"label": _("The victim's sex")},
        "ethnicity": {"label": _("The victim's ethnic group")},
        "disability": {
            "label": _(
                "Does the victim have a physical or mental health condition or illness "
                "lasting 12 months or more?"
            )
        },
    }
    age_band = _optional(AgeBand.choices, _("Your age"))
    sex = _optional(Sex.choices, _("Your sex"))
    ethnicity = _optional(Ethnicity.choices, _("Your ethnic group"))
    disability = _optional(
        Disability.choices,
        _(
            "Do you have a physical or mental health condition or illness lasting 12 months or more?"
        ),
    )
