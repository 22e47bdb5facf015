from django import forms
from django.utils.translation import gettext_lazy as _

from victimcare.cases.constants import ContactMethod
from victimcare.intake.constants import YesNo
from victimcare.intake.forms import PHONE_PATTERN, contact_route_check
from victimcare.portal.constants import MESSAGE_MAX_LENGTH


class ReferenceForm(forms.Form):
    reference = forms.CharField(
        label=_("Crime reference"),
        help_text=_("It is on your Victim Care Card, for example MPS-26-000123"),
        max_length=40,
        error_messages={"required": _("Enter your crime reference")},
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        help_text=_("The 6-digit code we sent you. It lasts 10 minutes."),
        max_length=12,
        error_messages={"required": _("Enter the code we sent you")},
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("The code is 6 numbers, like 123456"))
        return code


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Enter your message"),
            "max_length": _("Your message must be 2,000 characters or fewer"),
        },
    )


class ReplyForm(MessageForm):
    """The officer's reply. With several victims on the case, the officer chooses which one
    it is for (labelled as on the case page: Victim 1, Victim 2, ...)."""

    def __init__(self, *args, victims=(), initial_victim=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.victims = list(victims)
        if len(self.victims) > 1:
            self.fields["victim"] = forms.ChoiceField(
                label=_("Which victim is this reply for?"),
                choices=[
                    (str(v.pk), _("Victim %(n)s") % {"n": n})
                    for n, v in enumerate(self.victims, start=1)
                ],
                widget=forms.RadioSelect,
                initial=str(initial_victim.pk) if initial_victim is not None else None,
                error_messages={"required": _("Choose which victim to reply to")},
            )

    def chosen_victim(self):
        """The victim the reply is for; None only when the case has no victim."""
        if len(self.victims) > 1:
            wanted = self.cleaned_data.get("victim")
            return next((v for v in self.victims if str(v.pk) == wanted), None)
        return self.victims[0] if self.victims else None


class ContactPreferencesForm(forms.Form):
    preferred_contact = forms.ChoiceField(
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
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
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=32)
    phone_is_safe = forms.ChoiceField(
        choices=YesNo.choices,
        widget=forms.RadioSelect,
        required=False,
        label=_("Is it safe for us to contact you on this number?"),
    )
    times_to_avoid = forms.CharField(
        label=_("Times we should not contact you (optional)"), required=False, max_length=200
    )

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and not PHONE_PATTERN.match(phone):
            raise forms.ValidationError(_("Enter a phone number, like 07700 900 982"))
        return phone

    def clean(self):
        cleaned = super().clean()
        contact_route_check(self, cleaned)
        return cleaned

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data["phone_is_safe"] = {"yes": True, "no": False}.get(data.get("phone_is_safe") or "")
        return data
