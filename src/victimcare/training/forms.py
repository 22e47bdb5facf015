from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from victimcare.accounts.models import SupportOrganisation, User
from victimcare.forces.models import Team
from victimcare.training.constants import Measure, RolloutDesign
from victimcare.training.services import ASSIGNABLE_ROLES


class ModuleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    code = forms.SlugField(
        label=_("Short code"),
        max_length=60,
        help_text=_("Letters, numbers and hyphens, e.g. keeping-victims-informed"),
    )
    measure = forms.ChoiceField(
        label=_("The survey measure it aims to improve"), choices=Measure.choices
    )


class VersionForm(forms.Form):
    sections = forms.CharField(
        label=_("Module text"),
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Markdown. Start each section with a line '## Heading'."),
    )
    learning_points = forms.CharField(
        label=_("Learning points"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One a line."),
    )
    check = forms.CharField(
        label=_("Knowledge check"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "A line '? question' for each question, then its options: '* ' before the "
            "right one, '- ' before the others."
        ),
    )
    pass_mark = forms.IntegerField(label=_("Pass mark (per cent)"), min_value=50, max_value=100)
    note = forms.CharField(label=_("What you changed (optional)"), max_length=200, required=False)


class InviteForm(forms.Form):
    organisation: forms.ModelChoiceField[SupportOrganisation] = forms.ModelChoiceField(
        label=_("Support organisation"), queryset=None
    )

    def __init__(
        self, *args: Any, organisations: QuerySet[SupportOrganisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]  # (a ModelChoiceField)


ROLE_LABELS = {
    "call_handler": _("Call handlers"),
    "officer": _("Officers"),
    "supervisor": _("Supervisors"),
}


class AssignForm(forms.Form):
    role = forms.ChoiceField(
        label=_("A role"),
        required=False,
        choices=[("", "—"), *((r, ROLE_LABELS[r]) for r in ASSIGNABLE_ROLES)],
    )
    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        label=_("or a team"), queryset=None, required=False
    )
    officer: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("or a named officer"), queryset=None, required=False
    )
    due_on = forms.DateField(label=_("Due by"), help_text=_("For example, 2027-03-31"))

    def __init__(
        self, *args: Any, teams: QuerySet[Team], officers: QuerySet[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # (ModelChoiceFields)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["officer"].queryset = officers  # type: ignore[attr-defined]


class RolloutForm(forms.Form):
    design = forms.ChoiceField(label=_("Design"), choices=RolloutDesign.choices)
    waves = forms.IntegerField(
        label=_("Waves"),
        min_value=1,
        max_value=100,
        initial=4,
        help_text=_("For a stepped wedge: how many waves the teams are divided into"),
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=2**62,
        help_text=_("The random order of the teams is drawn from this number (recorded)"),
    )
    starts_on = forms.DateField(
        label=_("First wave starts"), help_text=_("For example, 2027-01-04")
    )
    period_days = forms.IntegerField(
        label=_("Days per wave"), min_value=1, max_value=366, initial=28
    )
