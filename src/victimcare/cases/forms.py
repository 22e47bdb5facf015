"""The staff case search form: its terms are personal data, so it is only ever POSTed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CaseSearchForm(forms.Form):
    reference = forms.CharField(label=_("Crime reference"), required=False, max_length=40)
    given_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    family_name = forms.CharField(label=_("Last name"), required=False, max_length=100)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        help_text=_("For example, 27/3/1985"),
        input_formats=["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d"],
        error_messages={"invalid": _("Enter a real date of birth, for example 27/3/1985")},
    )
    postcode = forms.CharField(label=_("Postcode"), required=False, max_length=10)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=32)
    email = forms.CharField(label=_("Email address"), required=False, max_length=254)

    def clean(self):
        data = super().clean()
        filled = {name for name, value in data.items() if value}
        if not filled and not self.errors:
            raise forms.ValidationError(_("Enter a reference, a name, a phone number or an email"))
        names = filled & {"given_name", "family_name"}
        if names and not filled - names:
            # A name alone finds too many people: a caller who lost their reference is
            # found by name with their date of birth or postcode.
            raise forms.ValidationError(
                _("Enter a date of birth or a postcode with the name"),
                code="name_alone",
            )
        return data
