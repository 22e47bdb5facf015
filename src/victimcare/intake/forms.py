"""The questions of a crime report, one form per step.

The same forms serve the online report (one step per page), staff entry (every step on
one page, in the staff member's voice: ``staff=True``) and, through ``answers_validate``,
the records-system API, so a report is held to the same rules whichever way it arrives.
Each form reads and writes the flat ``answers`` dict kept in a ReportDraft (strings only;
dates as ISO text). Rules across steps (the age against the date of birth) are in
``answers_cross_check``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from victimcare.cases.constants import AgeBand, ContactMethod, Disability, Ethnicity, Sex
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Area, CrimeType, Force
from victimcare.forces.selectors import force_for_postcode
from victimcare.intake.constants import (
    NOT_REPORTED_ONLINE,
    PHONE_PATTERN,
    StaffChannel,
    YesNo,
    is_uk_mobile,
)

POSTCODE_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)
OUTWARD_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$", re.IGNORECASE)
TIME_PATTERN = re.compile(r"^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$")


def _radios(choices, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **kwargs)


class DateParts:
    """A GOV.UK date input: three number boxes (day, month, year) making one date."""

    def __init__(self, name, label, hint="", required=True, past_only=True, earliest=1900):
        self.name, self.label, self.hint = name, label, hint
        self.required, self.past_only, self.earliest = required, past_only, earliest

    def fields(self) -> dict[str, forms.Field]:
        def box(part, max_length):
            return forms.CharField(label=part, required=False, max_length=max_length, strip=True)

        return {
            f"{self.name}_day": box(_("Day"), 2),
            f"{self.name}_month": box(_("Month"), 2),
            f"{self.name}_year": box(_("Year"), 4),
        }

    def clean(self, form: forms.Form) -> None:
        data = form.cleaned_data
        parts = [data.get(f"{self.name}_{p}", "") or "" for p in ("day", "month", "year")]
        first = f"{self.name}_day"
        if not any(parts):
            if self.required:
                form.add_error(first, _("Enter the date, for example 27 3 2026"))
            data[self.name] = ""
            return
        if not all(parts):
            missing = [
                str(n)
                for n, p in zip((_("day"), _("month"), _("year")), parts, strict=True)
                if not p
            ]
            form.add_error(
                first, _("The date must include a %(part)s") % {"part": " and ".join(missing)}
            )
            return
        try:
            day, month, year = (int(p) for p in parts)
            value = date(year, month, day)
        except ValueError:
            form.add_error(first, _("Enter a real date, for example 27 3 2026"))
            return
        if year < self.earliest:
            form.add_error(first, _("The year must be %(year)s or later") % {"year": self.earliest})
            return
        if self.past_only and value > timezone.localdate():
            form.add_error(first, _("The date must be today or in the past"))
            return
        data[self.name] = value.isoformat()

    def data_from(self, answers: dict) -> dict:
        value = answers.get(self.name) or ""
        if not value:
            return {}
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            return {}
        return {
            f"{self.name}_day": str(parsed.day),
            f"{self.name}_month": str(parsed.month),
            f"{self.name}_year": str(parsed.year),
        }


class StepForm(forms.Form):
    """A step of the report. Subclasses list the answer keys they own."""

    answer_keys: tuple[str, ...] = ()
    date_groups: tuple[DateParts, ...] = ()
    title = ""
    # When a step asks one question, its label is the page's heading.
    heading_field: str | None = None
    # Ask the date (its three boxes) before the other questions of the step.
    dates_first = False
    # Staff entry speaks to the staff member about the victim: the title and, per field,
    # the label, hint and "required" message to use instead ("title" for the step's).
    staff_words: dict[str, dict] = {}
    staff = False

    def __init__(self, *args, force: Force | None = None, staff: bool = False, **kwargs):
        self.force = force
        self.staff = staff
        super().__init__(*args, **kwargs)
        for group in self.date_groups:
            for name, field in group.fields().items():
                self.fields[name] = field
        self.order_fields(self.field_order_list())
        if staff:
            self.title = self.staff_words.get("title", self.title)
            for name, words in self.staff_words.items():
                if name in self.fields:
                    field = self.fields[name]
                    field.label = words.get("label", field.label)
                    field.help_text = words.get("help_text", field.help_text)
                    if "required" in words:
                        field.error_messages = {
                            **field.error_messages,
                            "required": words["required"],
                        }

    def field_order_list(self) -> list[str]:
        if not self.dates_first:
            return list(self.fields)
        boxes = [f"{g.name}_{p}" for g in self.date_groups for p in ("day", "month", "year")]
        return boxes + [name for name in self.fields if name not in boxes]

    def say(self, victim_words, staff_words):
        """The victim's words, or the staff member's on staff entry."""
        return staff_words if self.staff else victim_words

    @classmethod
    def data_from(cls, answers: dict) -> dict:
        """Form data (as if posted) from saved answers."""
        data = {key: answers[key] for key in cls.answer_keys if answers.get(key) not in (None, "")}
        for group in cls.date_groups:
            data.update(group.data_from(answers))
        return data

    def clean(self):
        cleaned = super().clean()
        for group in self.date_groups:
            group.clean(self)
        return cleaned

    def answers(self) -> dict:
        """The answers this step contributes (after is_valid())."""
        return {key: self.cleaned_data.get(key) or "" for key in self.answer_keys}


class PostcodeForm(StepForm):
    """The postcode where it happened, to find the force; unknown or blank: the next step
    asks for the force."""

    title = _("What is the postcode where it happened?")
    answer_keys = ("crime_postcode",)
    heading_field = "crime_postcode"
    crime_postcode = forms.CharField(
        label=_("What is the postcode where it happened? (optional)"),
        help_text=_(
            "We use it to send your report to the right police force. If you do not know it, "
            "leave this blank and choose the force on the next page."
        ),
        required=False,
        max_length=10,
    )

    def clean_crime_postcode(self):
        postcode = " ".join(self.cleaned_data.get("crime_postcode", "").upper().split())
        if postcode and not (POSTCODE_PATTERN.match(postcode) or OUTWARD_PATTERN.match(postcode)):
            raise forms.ValidationError(
                _("Enter a real postcode, like SW1A 2AA, or leave it blank")
            )
        return postcode

    def found_force(self) -> Force | None:
        """The force covering the postcode given (after is_valid()), or None."""
        postcode = self.cleaned_data.get("crime_postcode", "")
        return force_for_postcode(postcode) if postcode else None

    def answers(self) -> dict:
        data = super().answers()
        force = self.found_force()
        data["force_by_postcode"] = "1" if force else ""
        if force is not None:
            data["force"] = force.code
        return data


class ForceForm(StepForm):
    title = _("Which police force area did the crime happen in?")
    answer_keys = ("force", "force_by_postcode")
    heading_field = "force"
    force = _radios(
        (),
        label=_("Which police force area did the crime happen in?"),
        error_messages={"required": _("Select the police force area")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["force"].choices = [(f.code, f.name) for f in Force.objects.order_by("name")]

    def answers(self) -> dict:
        return {"force": self.cleaned_data.get("force") or "", "force_by_postcode": ""}


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


class OnlineCrimeTypeForm(CrimeTypeForm):
    """The online form offers only the crime types that can be reported online (not a
    death, nor crimes reported only through 999 or to an officer); staff entry and the
    records-system API take every crime type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A death is kept as a choice: choosing it leads to the 999 and 101 page, not a report.
        self.crime_types = {
            k: c
            for k, c in self.crime_types.items()
            if c.reportable_online or k in NOT_REPORTED_ONLINE
        }
        self.fields["crime_type"].choices = _choices_within(
            self.fields["crime_type"].choices, set(self.crime_types)
        )


def _choices_within(choices, keep: set[str]) -> list:
    """Those of ``choices`` (flat, or grouped as (group, [(value, label), ...])) whose value
    is in ``keep``; a group left empty goes."""
    kept: list = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            inner = [(v, words) for v, words in label if v in keep]
            if inner:
                kept.append((value, inner))
        elif value in keep:
            kept.append((value, label))
    return kept


GROUND_ANSWERS = (
    ("yes", _("Yes")),
    ("no", _("No")),
    ("prefer_not_to_say", _("Prefer not to say")),
)


class SituationForm(StepForm):
    """The enhanced grounds a victim can tell us about, in their words (all optional); the
    others (the crime, age under 18) are derived from the report (cases/grounds.py)."""

    title = _("About your situation (optional)")
    answer_keys = ("persistently_targeted", "intimidated", "vulnerable")
    persistently_targeted = _radios(
        GROUND_ANSWERS,
        required=False,
        label=_("Has the same person or people done things like this to you before?"),
        help_text=_("Your answers help us give you the right support. You do not have to answer."),
    )
    intimidated = _radios(
        GROUND_ANSWERS,
        required=False,
        label=_(
            "Are you worried about what might happen if you help the police, or frightened "
            "of the person who did this?"
        ),
    )
    vulnerable = _radios(
        GROUND_ANSWERS,
        required=False,
        label=_(
            "Do you have a condition that might make it harder for you to give evidence, for "
            "example a mental health condition, a learning disability or a physical disability?"
        ),
    )


def grounds_from_answers(answers: dict) -> list[str]:
    """The enhanced grounds a victim said yes to on the online form."""
    return [key for key in SituationForm.answer_keys if answers.get(key) == "yes"]


REFERRAL_OPT_OUT_HINT = _(
    "We will pass your details to a local victim support service so they can offer help. "
    "You can say no."
)
REFERRAL_OPT_OUT_CHOICES = (
    ("yes", _("That is fine, pass my details on")),
    ("no", _("No, do not pass my details on")),
)
REFERRAL_CONSENT_HINT = _(
    "A local victim support service can offer you help. We will only pass your details to "
    "them if you say yes."
)
REFERRAL_CONSENT_CHOICES = (
    ("yes", _("Yes, pass my details on")),
    ("no", _("No, do not pass my details on")),
)


class SupportForm(StepForm):
    """Referral by the Code: automatic unless the victim says no (the opt-out)."""

    title = _("Help from a support service")
    answer_keys = ("referral",)
    heading_field = "referral"
    referral = _radios(
        REFERRAL_OPT_OUT_CHOICES,
        label=_("Help from a support service"),
        help_text=REFERRAL_OPT_OUT_HINT,
        error_messages={"required": _("Select whether we can pass your details on")},
    )


class SupportConsentForm(StepForm):
    """For crimes where the Code asks for consent first (sexual offences, domestic abuse,
    bereaved relatives): the victim says yes or no."""

    title = _("Help from a support service")
    answer_keys = ("referral_consent",)
    heading_field = "referral_consent"
    referral_consent = _radios(
        REFERRAL_CONSENT_CHOICES,
        label=_("Do you want us to pass your details to a local victim support service?"),
        help_text=REFERRAL_CONSENT_HINT,
        error_messages={"required": _("Select yes if we can pass your details on")},
    )


def referral_answer(*, answers: dict, needs_consent: bool) -> str:
    """The online form's answer about a referral for the crime type: "yes", "no" or ""."""
    return answers.get("referral_consent" if needs_consent else "referral") or ""


# slug, form. The online report asks them in this order; staff entry shows them together.
STEPS: list[tuple[str, type[StepForm]]] = [
    ("postcode", PostcodeForm),
    ("force", ForceForm),
    ("what", OnlineCrimeTypeForm),
    ("hate", HateForm),
    ("details", SummaryForm),
    ("where", WhereForm),
    ("when", WhenForm),
    ("about-you", AboutYouForm),
    ("your-situation", SituationForm),
    ("contact", ContactForm),
    ("visit", VisitForm),
    ("support", SupportForm),
    ("support-consent", SupportConsentForm),
    ("equality", EqualityForm),
]
STEP_FORMS = dict(STEPS)
# The steps that find the force are not questions of the report itself; some are asked only
# online (staff entry asks for the grounds in its own words, and the referral at the needs
# assessment): "support" or "support-consent" by the crime type.
FORCE_STEPS = ("postcode", "force")
ONLINE_ONLY_STEPS = ("your-situation", "support", "support-consent")
QUESTION_STEPS = [
    (slug, CrimeTypeForm if form is OnlineCrimeTypeForm else form)
    for slug, form in STEPS
    if slug not in (*FORCE_STEPS, *ONLINE_ONLY_STEPS)
]


def _answer_key(field_name: str) -> str:
    for suffix in ("_day", "_month", "_year"):
        if field_name.endswith(suffix):
            return field_name[: -len(suffix)]
    return field_name


def answers_validate(
    *, force: Force, answers: dict, found: dict | None = None
) -> tuple[dict, dict[str, list[str]]]:
    """Check a whole report's answers with the same rules as the web form.

    Returns the cleaned answers and the errors by answer key (empty when valid). When
    ``found`` is given, the Area and CrimeType chosen are put in it (so that recording the
    report need not look them up again).
    """
    cleaned: dict = {"force": force.code}
    errors: dict[str, list[str]] = {}
    for _slug, form_class in QUESTION_STEPS:
        form = form_class(data=form_class.data_from(answers), force=force)
        if form.is_valid():
            cleaned.update(form.answers())
            if found is not None and isinstance(form, WhereForm):
                found["area"] = form.areas.get(form.cleaned_data.get("area"))
            if found is not None and isinstance(form, CrimeTypeForm):
                found["crime_type"] = form.crime_types.get(form.cleaned_data.get("crime_type"))
        else:
            for field_name, messages in form.errors.items():
                key = _answer_key(field_name) if field_name != "__all__" else "report"
                errors.setdefault(key, []).extend(str(m) for m in messages)
    for key, messages in answers_cross_check(cleaned).items():
        errors.setdefault(key, []).extend(str(m) for m in messages)
    return cleaned, errors


class StaffChannelForm(forms.Form):
    channel = forms.ChoiceField(
        choices=(),
        widget=forms.RadioSelect,
        label=_("How was the crime reported?"),
        error_messages={"required": _("Select how the crime was reported")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = StaffChannel.choices


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


# --- staff entry: when the victim reported, and the grounds staff record -----------------

REPORTED_SKEW_MINUTES = 1


class StaffReportedForm(StepForm):
    """When the victim reported to the police (every Victims' Code clock starts from it):
    filled in with now, and now if left blank; never in the future, never before the
    crime."""

    title = _("When the victim reported")
    date_groups = (
        DateParts(
            "reported_on",
            _("Date the victim reported"),
            hint=_("Today, unless the report was taken earlier. For example, 27 3 2026."),
            required=False,
            earliest=2000,
        ),
    )
    reported_time = forms.CharField(
        label=_("Time the victim reported"),
        help_text=_("Use the 24-hour clock, for example 14:30"),
        max_length=5,
        required=False,
    )

    @staticmethod
    def initial_now() -> dict:
        now = timezone.now().astimezone(LONDON)
        return {
            "reported_on_day": str(now.day),
            "reported_on_month": str(now.month),
            "reported_on_year": str(now.year),
            "reported_time": now.strftime("%H:%M"),
        }

    def clean_reported_time(self):
        value = self.cleaned_data.get("reported_time", "").strip()
        if not value:
            return None
        match = TIME_PATTERN.match(value)
        if not match:
            raise forms.ValidationError(_("Enter a time like 14:30"))
        return time(int(match.group(1)), int(match.group(2)))

    def clean(self):
        cleaned = super().clean()
        day, clock = cleaned.get("reported_on"), cleaned.get("reported_time")
        if "reported_on_day" in self.errors or "reported_time" in self.errors:
            return cleaned
        if not day and clock is None:  # left blank: reported now
            cleaned["reported_at"] = timezone.now()
        elif not day:
            self.add_error("reported_on_day", _("Enter the date the victim reported"))
        elif clock is None:
            self.add_error("reported_time", _("Enter the time the victim reported"))
        else:
            when = datetime.combine(date.fromisoformat(day), clock, tzinfo=LONDON)
            if when > timezone.now() + timedelta(minutes=REPORTED_SKEW_MINUTES):
                self.add_error(
                    "reported_time", _("The time the victim reported must not be in the future")
                )
            else:
                cleaned["reported_at"] = when
        return cleaned

    def check_after_crime(self, answers: dict) -> bool:
        """False (with an error) when the report is before the crime in ``answers``."""
        when = self.cleaned_data.get("reported_at")
        occurred_on = answers.get("occurred_on")
        if when is None or not occurred_on:
            return True
        local = when.astimezone(LONDON)
        occurred_time = answers.get("occurred_time")
        if occurred_time:
            occurred = datetime.combine(
                date.fromisoformat(occurred_on), time.fromisoformat(occurred_time), tzinfo=LONDON
            )
            before = when < occurred
        else:
            before = local.date() < date.fromisoformat(occurred_on)
        if before:
            self.add_error(
                "reported_time", _("The victim cannot have reported before the crime happened")
            )
            return False
        return True


STAFF_GROUND_CHOICES = (
    (
        "most_serious_crime",
        _("Victim of the most serious crime (for example a close relative bereaved by a crime)"),
    ),
    (
        "persistently_targeted",
        _("Persistently targeted: the same person or people have targeted the victim before"),
    ),
    (
        "vulnerable",
        _(
            "Vulnerable: a mental disorder, learning disability or physical disability or "
            "disorder is likely to affect the victim's evidence"
        ),
    ),
    (
        "intimidated",
        _("Intimidated: the victim fears or is distressed about giving evidence or the offender"),
    ),
)


class StaffGroundsForm(forms.Form):
    """The enhanced grounds the member of staff records (the crime type, a hate element and
    an age under 18 are added automatically)."""

    enhanced_grounds = forms.MultipleChoiceField(
        choices=STAFF_GROUND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Enhanced entitlement: which of these apply to the victim?"),
        help_text=_(
            "Tick any the victim told you about or you know of. The crime type and the "
            "victim's age are added automatically."
        ),
        error_messages={"invalid_choice": _("Choose grounds from the list")},
    )


class ReferralAnswerForm(forms.Form):
    """The referral question outside the report (its confirmation page, Track my case): the
    opt-out, or consent where the crime type needs it."""

    answer = forms.ChoiceField(widget=forms.RadioSelect, choices=REFERRAL_OPT_OUT_CHOICES)

    def __init__(self, *args, needs_consent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["answer"]
        if needs_consent:
            field.label = _(
                "Do you want us to pass your details to a local victim support service?"
            )
            field.help_text = REFERRAL_CONSENT_HINT
            field.choices = REFERRAL_CONSENT_CHOICES
            field.error_messages["required"] = _("Select yes if we can pass your details on")
        else:
            field.label = _("Help from a support service")
            field.help_text = REFERRAL_OPT_OUT_HINT
            field.error_messages["required"] = _("Select whether we can pass your details on")
