"""The steps of a report in order, and a whole report's answers checked against them (the
records-system API and the import)."""

from __future__ import annotations

from victimcare.forces.models import Force
from victimcare.intake.forms.checks import answers_cross_check
from victimcare.intake.forms.online import (
    ForceForm,
    OnlineCrimeTypeForm,
    PostcodeForm,
    SituationForm,
    SupportConsentForm,
    SupportForm,
)
from victimcare.intake.forms.questions import (
    AboutYouForm,
    ContactForm,
    CrimeTypeForm,
    EqualityForm,
    HateForm,
    SummaryForm,
    VisitForm,
    WhenForm,
    WhereForm,
)
from victimcare.intake.forms.steps import StepForm

STEPS: list[tuple[str, type[StepForm]]] = [
    ("postcode", PostcodeForm),
    ("force", ForceForm),
    ("what", OnlineCrimeTypeForm),
    ("hate", HateForm),
    ("details", SummaryForm),
    ("where", WhereForm),
    ("when", WhenForm),
    ("about-you", AboutYouForm),
    ("your-situation", SituationForm),
    ("contact", ContactForm),
    ("visit", VisitForm),
    ("support", SupportForm),
    ("support-consent", SupportConsentForm),
    ("equality", EqualityForm),
]
STEP_FORMS = dict(STEPS)
# The steps that find the force are not questions of the report itself; some are asked only
# online (staff entry asks for the grounds in its own words, and the referral at the needs
# assessment): "support" or "support-consent" by the crime type.
FORCE_STEPS = ("postcode", "force")
ONLINE_ONLY_STEPS = ("your-situation", "support", "support-consent")
QUESTION_STEPS = [
    (slug, CrimeTypeForm if form is OnlineCrimeTypeForm else form)
    for slug, form in STEPS
    if slug not in (*FORCE_STEPS, *ONLINE_ONLY_STEPS)
]


def _answer_key(field_name: str) -> str:
    for suffix in ("_day", "_month", "_year"):
        if field_name.endswith(suffix):
            return field_name[: -len(suffix)]
    return field_name


def answers_validate(
    *, force: Force, answers: dict, found: dict | None = None
) -> tuple[dict, dict[str, list[str]]]:
    """Check a whole report's answers with the same rules as the web form.

    Returns the cleaned answers and the errors by answer key (empty when valid). When
    ``found`` is given, the Area and CrimeType chosen are put in it (so that recording the
    report need not look them up again).
    """
    cleaned: dict = {"force": force.code}
    errors: dict[str, list[str]] = {}
    for _slug, form_class in QUESTION_STEPS:
        form = form_class(data=form_class.data_from(answers), force=force)
        if form.is_valid():
            cleaned.update(form.answers())
            if found is not None and isinstance(form, WhereForm):
                found["area"] = form.areas.get(form.cleaned_data.get("area"))
            if found is not None and isinstance(form, CrimeTypeForm):
                found["crime_type"] = form.crime_types.get(form.cleaned_data.get("crime_type"))
        else:
            for field_name, messages in form.errors.items():
                key = _answer_key(field_name) if field_name != "__all__" else "report"
                errors.setdefault(key, []).extend(str(m) for m in messages)
    for key, messages in answers_cross_check(cleaned).items():
        errors.setdefault(key, []).extend(str(m) for m in messages)
    return cleaned, errors
