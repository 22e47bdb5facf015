"""The steps asked only online: the postcode (to find the force), the crime types that
can be reported online, the victim's situation and the referral; and the referral
question outside the report."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from victimcare.forces.models import Force
from victimcare.forces.selectors import force_for_postcode
from victimcare.intake.constants import (
    NOT_REPORTED_ONLINE,
)
from victimcare.intake.forms.questions import CrimeTypeForm
from victimcare.intake.forms.steps import (
    OUTWARD_PATTERN,
    POSTCODE_PATTERN,
    StepForm,
    _radios,
)


class PostcodeForm(StepForm):
    """The postcode where it happened, to find the force; unknown or blank: the next step
    asks for the force."""

    title = _("What is the postcode where it happened?")
    answer_keys = ("crime_postcode",)
    heading_field = "crime_postcode"
    crime_postcode = forms.CharField(
        label=_("What is the postcode where it happened? (optional)"),
        help_text=_(
            "We use it to send your report to the right police force. If you do not know it, "
            "leave this blank and choose the force on the next page."
        ),
        required=False,
        max_length=10,
    )

    def clean_crime_postcode(self):
        postcode = " ".join(self.cleaned_data.get("crime_postcode", "").upper().split())
        if postcode and not (POSTCODE_PATTERN.match(postcode) or OUTWARD_PATTERN.match(postcode)):
            raise forms.ValidationError(
                _("Enter a real postcode, like SW1A 2AA, or leave it blank")
            )
        return postcode

    def found_force(self) -> Force | None:
        """The force covering the postcode given (after is_valid()), or None."""
        postcode = self.cleaned_data.get("crime_postcode", "")
        return force_for_postcode(postcode) if postcode else None

    def answers(self) -> dict:
        data = super().answers()
        force = self.found_force()
        data["force_by_postcode"] = "1" if force else ""
        if force is not None:
            data["force"] = force.code
        return data


class ForceForm(StepForm):
    title = _("Which police force area did the crime happen in?")
    answer_keys = ("force", "force_by_postcode")
    heading_field = "force"
    force = _radios(
        (),
        label=_("Which police force area did the crime happen in?"),
        error_messages={"required": _("Select the police force area")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["force"].choices = [(f.code, f.name) for f in Force.objects.order_by("name")]

    def answers(self) -> dict:
        return {"force": self.cleaned_data.get("force") or "", "force_by_postcode": ""}


class OnlineCrimeTypeForm(CrimeTypeForm):
    """The online form offers only the crime types that can be reported online (not a
    death, nor crimes reported only through 999 or to an officer); staff entry and the
    records-system API take every crime type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A death is kept as a choice: choosing it leads to the 999 and 101 page, not a report.
        self.crime_types = {
            k: c
            for k, c in self.crime_types.items()
            if c.reportable_online or k in NOT_REPORTED_ONLINE
        }
        self.fields["crime_type"].choices = _choices_within(
            self.fields["crime_type"].choices, set(self.crime_types)
        )


def _choices_within(choices, keep: set[str]) -> list:
    """Those of ``choices`` (flat, or grouped as (group, [(value, label), ...])) whose value
    is in ``keep``; a group left empty goes."""
    kept: list = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            inner = [(v, words) for v, words in label if v in keep]
            if inner:
                kept.append((value, inner))
        elif value in keep:
            kept.append((value, label))
    return kept


GROUND_ANSWERS = (
    ("yes", _("Yes")),
    ("no", _("No")),
    ("prefer_not_to_say", _("Prefer not to say")),
)


class SituationForm(StepForm):
    """The enhanced grounds a victim can tell us about, in their words (all optional); the
    others (the crime, age under 18) are derived from the report (cases/grounds.py)."""

    title = _("About your situation (optional)")
    answer_keys = ("persistently_targeted", "intimidated", "vulnerable")
    persistently_targeted = _radios(
        GROUND_ANSWERS,
        required=False,
        label=_("Has the same person or people done things like this to you before?"),
        help_text=_("Your answers help us give you the right support. You do not have to answer."),
    )
    intimidated = _radios(
        GROUND_ANSWERS,
        required=False,
        label=_(
            "Are you worried about what might happen if you help the police, or frightened "
            "of the person who did this?"
        ),
    )
    vulnerable = _radios(
        GROUND_ANSWERS,
        required=False,
        label=_(
            "Do you have a condition that might make it harder for you to give evidence, for "
            "example a mental health condition, a learning disability or a physical disability?"
        ),
    )


def grounds_from_answers(answers: dict) -> list[str]:
    """The enhanced grounds a victim said yes to on the online form."""
    return [key for key in SituationForm.answer_keys if answers.get(key) == "yes"]


REFERRAL_OPT_OUT_HINT = _(
    "We will pass your details to a local victim support service so they can offer help. "
    "You can say no."
)
REFERRAL_OPT_OUT_CHOICES = (
    ("yes", _("That is fine, pass my details on")),
    ("no", _("No, do not pass my details on")),
)
REFERRAL_CONSENT_HINT = _(
    "A local victim support service can offer you help. We will only pass your details to "
    "them if you say yes."
)
REFERRAL_CONSENT_CHOICES = (
    ("yes", _("Yes, pass my details on")),
    ("no", _("No, do not pass my details on")),
)


class SupportForm(StepForm):
    """Referral by the Code: automatic unless the victim says no (the opt-out)."""

    title = _("Help from a support service")
    answer_keys = ("referral",)
    heading_field = "referral"
    referral = _radios(
        REFERRAL_OPT_OUT_CHOICES,
        label=_("Help from a support service"),
        help_text=REFERRAL_OPT_OUT_HINT,
        error_messages={"required": _("Select whether we can pass your details on")},
    )


class SupportConsentForm(StepForm):
    """For crimes where the Code asks for consent first (sexual offences, domestic abuse,
    bereaved relatives): the victim says yes or no."""

    title = _("Help from a support service")
    answer_keys = ("referral_consent",)
    heading_field = "referral_consent"
    referral_consent = _radios(
        REFERRAL_CONSENT_CHOICES,
        label=_("Do you want us to pass your details to a local victim support service?"),
        help_text=REFERRAL_CONSENT_HINT,
        error_messages={"required": _("Select yes if we can pass your details on")},
    )


def referral_answer(*, answers: dict, needs_consent: bool) -> str:
    """The online form's answer about a referral for the crime type: "yes", "no" or ""."""
    return answers.get("referral_consent" if needs_consent else "referral") or ""


# slug, form. The online report asks them in this order; staff entry shows them together.


class ReferralAnswerForm(forms.Form):
    """The referral question outside the report (its confirmation page, Track my case): the
    opt-out, or consent where the crime type needs it."""

    answer = forms.ChoiceField(widget=forms.RadioSelect, choices=REFERRAL_OPT_OUT_CHOICES)

    def __init__(self, *args, needs_consent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["answer"]
        if needs_consent:
            field.label = _(
                "Do you want us to pass your details to a local victim support service?"
            )
            field.help_text = REFERRAL_CONSENT_HINT
            field.choices = REFERRAL_CONSENT_CHOICES
            field.error_messages["required"] = _("Select yes if we can pass your details on")
        else:
            field.label = _("Help from a support service")
            field.help_text = REFERRAL_OPT_OUT_HINT
            field.error_messages["required"] = _("Select whether we can pass your details on")
