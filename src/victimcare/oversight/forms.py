from django import forms
from django.utils.translation import gettext_lazy as _

from victimcare.core.periods import PeriodDateField
from victimcare.forces.models import Area
from victimcare.oversight.constants import Measure, ScopeKind, TargetKind, VictimGroup
from victimcare.oversight.periods import PeriodError, Quarter


class TargetForm(forms.Form):
    measure = forms.ChoiceField(label=_("Measure"), choices=Measure.choices)
    kind = forms.ChoiceField(
        label=_("Kind of target"), choices=TargetKind.choices, widget=forms.RadioSelect
    )
    value = forms.FloatField(
        label=_("Target"),
        help_text=_(
            "A percentage satisfied to reach (for example 80), or a gap in points to "
            "get under (for example 3)"
        ),
        min_value=0,
        max_value=100,
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ScopeKind.choices,
        widget=forms.RadioSelect,
        initial=ScopeKind.FORCE,
    )
    area = forms.ModelChoiceField(
        label=_("Area (if the scope is an area)"), queryset=Area.objects.none(), required=False
    )
    group = forms.ChoiceField(
        label=_("Group of victims (if the scope is a group)"),
        choices=[("", _("Choose a group")), *VictimGroup.choices],
        required=False,
    )
    deadline = PeriodDateField(
        label=_("Deadline"),
        help_text=_("For example, 2027-03-31"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    baseline_quarter = forms.CharField(
        label=_("Baseline quarter"), help_text=_("For example, 2026Q1"), max_length=7
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=300,
        required=False,
        help_text=_("Kept in the target's history"),
    )

    def __init__(self, *args, force=None, **kwargs):
        super().__init__(*args, **kwargs)
        if force is not None:
            self.fields["area"].queryset = Area.objects.filter(force=force).order_by("name")

    def clean_baseline_quarter(self) -> str:
        try:
            return Quarter.parse(self.cleaned_data["baseline_quarter"]).code
        except PeriodError as problem:
            raise forms.ValidationError(str(problem)) from None

    def clean(self):
        data = super().clean()
        if data.get("scope") == ScopeKind.AREA and not data.get("area"):
            self.add_error("area", _("Choose an area of this force"))
        if data.get("scope") == ScopeKind.GROUP and not data.get("group"):
            self.add_error("group", _("Choose a group of victims"))
        return data
