from django import forms
from django.utils.translation import gettext_lazy as _

from victimcare.cases.constants import ContactMethod
from victimcare.intake.constants import PHONE_PATTERN, YesNo
from victimcare.intake.forms import contact_route_check
from victimcare.portal.constants import MESSAGE_MAX_LENGTH


class ReferenceForm(forms.Form):
    reference = forms.CharField(
        label=_("Crime reference"),
        help_text=_("It is on your Victim Care Card, for example MPS-26-000123"),
        max_length=40,
        error_messages={"required": _("Enter your crime reference")},
    )


def _six_digits(value: str) -> str:
    code = "".join(value.split())
    if not code.isdigit() or len(code) != 6:
        raise forms.ValidationError(_("The code is 6 numbers, like 123456"))
    return code


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        help_text=_("The 6-digit code we sent you. It lasts 10 minutes."),
        max_length=12,
        error_messages={"required": _("Enter the code we sent you")},
    )

    def clean_code(self):
        return _six_digits(self.cleaned_data["code"])


class LinkForm(forms.Form):
    """The button on the page a link from a message opens; the token rides in a hidden field."""

    token = forms.CharField(max_length=100, widget=forms.HiddenInput)


class ContactCodeForm(forms.Form):
    """The codes sent to each new address of a waiting change of contact details: one field
    per new address, labelled with that address masked."""

    def __init__(self, *args, hints: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "email": _("Code we emailed to %(hint)s"),
            "phone": _("Code we texted to %(hint)s"),
        }
        for name, hint in hints.items():
            self.fields[f"{name}_code"] = forms.CharField(
                label=labels[name] % {"hint": hint},
                help_text=_("6 numbers, like 123456. It lasts 10 minutes."),
                max_length=12,
                error_messages={
                    "required": _("Enter the code we sent to %(hint)s") % {"hint": hint}
                },
                widget=forms.TextInput(
                    attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
                ),
            )

    def clean(self):
        cleaned = super().clean()
        for name in list(cleaned):
            try:
                cleaned[name] = _six_digits(cleaned[name])
            except forms.ValidationError as error:
                self.add_error(name, error)
        return cleaned


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
        help_text=_(
            "If you give us a new address, we will email a code to it to check it is yours."
        ),
        required=False,
        max_length=254,
        error_messages={
            "invalid": _("Enter an email address in the correct format, like name@example.com")
        },
    )
    phone = forms.CharField(
        label=_("Phone number"),
        help_text=_("If you give us a new number, we will text a code to it to check it is yours."),
        required=False,
        max_length=32,
    )
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


class ComplaintForm(forms.Form):
    text = forms.CharField(
        label=_("What is your complaint about?"),
        help_text=_(
            "Tell us what happened and what you think we should have done. A supervisor "
            "will read it."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Enter what your complaint is about"),
            "max_length": _("Your complaint must be 2,000 characters or fewer"),
        },
    )


class ReviewForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you want the decision reviewed? (optional)"),
        help_text=_("You do not have to give a reason."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"max_length": _("Your reason must be 2,000 characters or fewer")},
    )
