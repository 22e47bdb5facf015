"""The machinery every report step shares: the StepForm, the GOV.UK date input and
the patterns the answers are checked against."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from victimcare.forces.models import Force

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
