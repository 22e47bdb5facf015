"""Staff forms for the rights beside the clock: a victim's objection to a referral, and
property held."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from victimcare.care.constants import PROPERTY_REASON_MAX_LENGTH, PropertyStatus
from victimcare.care.forms import VictimChoiceMixin
from victimcare.care.services_rights import PROPERTY_MAX_LENGTH
from victimcare.core.periods import PeriodDateField

if TYPE_CHECKING:  # the stubs' type of a lazy translation; not there at run time
    from django.utils.functional import _StrPromise


class ReferralObjectionForm(VictimChoiceMixin, forms.Form):
    confirmed = forms.BooleanField(
        label=_("The victim told me they do not want their details passed to a support service"),
        error_messages={"required": _("Confirm that the victim objected to the referral")},
    )

    def __init__(self, *args, victims, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_victim_field(victims)


def _day_field(
    label: str | _StrPromise,
    example: str | _StrPromise,
    missing: str | _StrPromise,
    *,
    required: bool = True,
) -> forms.Field:
    return PeriodDateField(
        label=label,
        help_text=example,
        required=required,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"required": missing, "invalid": _("Enter the date as a real date")},
    )


class PropertyForm(forms.Form):
    description = forms.CharField(
        label=_("Property held"),
        help_text=_(
            "The victim sees this in Track my case: describe it so they recognise it, for "
            "example 'black mountain bike'."
        ),
        max_length=PROPERTY_MAX_LENGTH,
        error_messages={
            "required": _("Describe the property held"),
            "max_length": _("Keep the description to 500 characters or fewer"),
        },
    )
    taken_on = _day_field(
        _("When was it taken?"),
        _("For example, 27/3/2026"),
        _("Enter the day the property was taken"),
    )


class PropertyStatusForm(forms.Form):
    """Property held was given back, or is kept (and why)."""

    status = forms.ChoiceField(
        label=_("What happened to the property?"),
        choices=[
            (PropertyStatus.RETURNED, _("It was given back to the victim")),
            (PropertyStatus.KEPT, _("The police are keeping it")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the property was returned or is kept")},
    )
    returned_on = _day_field(
        _("When was it given back?"),
        _("For example, 3/4/2026"),
        _("Enter the day the property was given back"),
        required=False,
    )
    kept_reason = forms.CharField(
        label=_("Why are the police keeping it?"),
        help_text=_(
            "The victim sees this: say why in plain words, for example 'it is evidence "
            "for the trial'."
        ),
        required=False,
        max_length=PROPERTY_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Keep the reason to 1,000 characters or fewer")},
    )


class ReviewRequestForm(VictimChoiceMixin, forms.Form):
    reason = forms.CharField(
        label=_("What the victim said about the decision (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": _("Keep it to 2,000 characters or fewer")},
    )

    def __init__(self, *args, victims, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_victim_field(victims)
