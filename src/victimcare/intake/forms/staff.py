"""Staff entry's own questions: the channel, when the victim reported, and the grounds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from victimcare.core.timezones import LONDON
from victimcare.intake.constants import (
    StaffChannel,
)
from victimcare.intake.forms.steps import (
    TIME_PATTERN,
    DateParts,
    StepForm,
)


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
