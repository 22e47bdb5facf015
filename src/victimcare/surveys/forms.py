from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from victimcare.core.periods import year_max
from victimcare.core.timezones import LONDON
from victimcare.surveys.constants import (
    DEFAULT_CRIME_GROUPS,
    RECOVERY_OUTCOMES,
    Allocation,
    CallOutcome,
    FlagKind,
    Mode,
    RecoveryStatus,
    StrataBy,
)
from victimcare.surveys.questionnaire import Question
from victimcare.surveys.sampling import SamplingError, month_parse


class SampleForm(forms.Form):
    month = forms.CharField(
        label=_("Month of reports"), help_text=_("For example, 2026-09"), max_length=7
    )
    target_interviews = forms.IntegerField(
        label=_("Interviews wanted"), min_value=1, max_value=100_000, initial=400
    )
    allocation = forms.ChoiceField(
        label=_("How to spread interviews over strata"),
        choices=Allocation.choices,
        initial=Allocation.PROPORTIONAL,
        widget=forms.RadioSelect,
    )
    minimum_per_stratum = forms.IntegerField(
        label=_("Minimum interviews per stratum"),
        help_text=_("Used with the minimum rule"),
        min_value=0,
        max_value=1000,
        initial=0,
    )
    expected_response_rate = forms.IntegerField(
        label=_("Expected response rate (%)"), min_value=1, max_value=100, initial=50
    )
    mode = forms.ChoiceField(
        label=_("Fieldwork"), choices=Mode.choices, initial=Mode.WEB, widget=forms.RadioSelect
    )
    strata_by = forms.ChoiceField(
        label=_("Strata within the force"),
        choices=StrataBy.choices,
        initial=StrataBy.AREA_AND_GROUP,
        required=False,
        widget=forms.RadioSelect,
    )
    seed = forms.IntegerField(
        label=_("Seed (optional)"),
        help_text=_("Leave blank for a random seed; it is recorded either way"),
        required=False,
        min_value=0,
        max_value=2**31,
    )

    def clean_month(self):
        try:
            return month_parse(self.cleaned_data["month"])
        except SamplingError as error:
            raise forms.ValidationError(_("Enter a month like 2026-09")) from error

    @property
    def crime_groups(self) -> tuple[str, ...]:
        return DEFAULT_CRIME_GROUPS


class AgencyImportForm(forms.Form):
    file = forms.FileField(label=_("Results file from the agency (CSV)"))
    strict = forms.BooleanField(label=_("Import nothing if any row is rejected"), required=False)


class FlagForm(forms.Form):
    victim = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Reason"), choices=FlagKind.choices, widget=forms.RadioSelect)


class RecoveryForm(forms.Form):
    status = forms.ChoiceField(
        label=_("How did the call-back go?"),
        choices=[(s, RecoveryStatus(s).label) for s in RECOVERY_OUTCOMES],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What was said and done"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        # A call-back is closed with a note of what was said and done (whitespace alone
        # is no note: the field strips it).
        error_messages={"required": _("Write what was said and done on the call-back")},
    )


class InterviewForm(forms.Form):
    """The CATI screen: a call outcome, and the answers when the interview is completed."""

    outcome = forms.ChoiceField(
        label=_("Call outcome"), choices=CallOutcome.choices, widget=forms.RadioSelect
    )
    call_back_at = forms.CharField(
        label=_("Call back at"),
        help_text=_("Date and time, for example 2026-11-30 18:30"),
        required=False,
        max_length=20,
    )

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            field: forms.Field
            if question.kind == "text":
                field = forms.CharField(
                    label=question.text,
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            else:
                field = forms.ChoiceField(
                    label=question.text,
                    choices=question.choices,
                    required=False,
                    widget=forms.RadioSelect,
                )
            self.fields[f"q_{question.code}"] = field

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == CallOutcome.CALL_BACK:
            text = (data.get("call_back_at") or "").strip()
            try:
                moment = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)
            except ValueError:
                self.add_error("call_back_at", _("Enter a date and time like 2026-11-30 18:30"))
            else:
                if moment <= timezone.now():
                    self.add_error("call_back_at", _("The call-back must be in the future"))
                elif moment.year > year_max():
                    self.add_error(
                        "call_back_at",
                        _("The call-back must be by the end of %(year)s") % {"year": year_max()},
                    )
                data["call_back_moment"] = moment
        if outcome == CallOutcome.COMPLETED:
            for question in self.questions:
                if (
                    question.kind != "text"
                    and not question.optional
                    and not data.get(f"q_{question.code}")
                ):
                    self.add_error(
                        f"q_{question.code}", _("Record an answer (don't know and refused count)")
                    )
        return data

    def answers(self) -> dict[str, str]:
        return {q.code: self.cleaned_data.get(f"q_{q.code}") or "" for q in self.questions}
