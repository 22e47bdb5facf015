"""Staff forms for the rights beside the clock: a victim's objection to a referral, and
property held."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from victimcare.care.forms import VictimChoiceMixin
from victimcare.care.services_rights import PROPERTY_MAX_LENGTH


class ReferralObjectionForm(VictimChoiceMixin, forms.Form):
    confirmed = forms.BooleanField(
        label=_("The victim told me they do not want their details passed to a support service"),
        error_messages={"required": _("Confirm that the victim objected to the referral")},
    )

    def __init__(self, *args, victims, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_victim_field(victims)


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
