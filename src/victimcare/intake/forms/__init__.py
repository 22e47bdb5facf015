"""The questions of a crime report, one form per step.

The same forms serve the online report (one step per page), staff entry (every step on
one page, in the staff member's voice: ``staff=True``) and, through ``answers_validate``,
the records-system API, so a report is held to the same rules whichever way it arrives.
Each form reads and writes the flat ``answers`` dict kept in a ReportDraft (strings only;
dates as ISO text). Rules across steps (the age against the date of birth) are in
``answers_cross_check``.

The package, one job a module: ``steps`` (the StepForm machinery and the date input),
``questions`` (the questions of the report itself), ``online`` (the steps asked only
online, and the referral question), ``staff`` (staff entry's own questions), ``checks``
(rules across fields and steps) and ``report`` (the steps in order, ``answers_validate``).
Every name is re-exported here: import from ``victimcare.intake.forms``.
"""

from victimcare.intake.forms.checks import (
    AGE_BAND_YEARS,
    age_on,
    answers_cross_check,
    contact_route_check,
)
from victimcare.intake.forms.online import (
    GROUND_ANSWERS,
    REFERRAL_CONSENT_CHOICES,
    REFERRAL_CONSENT_HINT,
    REFERRAL_OPT_OUT_CHOICES,
    REFERRAL_OPT_OUT_HINT,
    ForceForm,
    OnlineCrimeTypeForm,
    PostcodeForm,
    ReferralAnswerForm,
    SituationForm,
    SupportConsentForm,
    SupportForm,
    _choices_within,
    grounds_from_answers,
    referral_answer,
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
    _optional,
    crime_type_choices,
)
from victimcare.intake.forms.report import (
    FORCE_STEPS,
    ONLINE_ONLY_STEPS,
    QUESTION_STEPS,
    STEP_FORMS,
    STEPS,
    _answer_key,
    answers_validate,
)
from victimcare.intake.forms.staff import (
    REPORTED_SKEW_MINUTES,
    STAFF_GROUND_CHOICES,
    StaffChannelForm,
    StaffGroundsForm,
    StaffReportedForm,
)
from victimcare.intake.forms.steps import (
    OUTWARD_PATTERN,
    POSTCODE_PATTERN,
    TIME_PATTERN,
    DateParts,
    StepForm,
    _radios,
)

__all__ = [
    "AGE_BAND_YEARS",
    "FORCE_STEPS",
    "GROUND_ANSWERS",
    "ONLINE_ONLY_STEPS",
    "OUTWARD_PATTERN",
    "POSTCODE_PATTERN",
    "QUESTION_STEPS",
    "REFERRAL_CONSENT_CHOICES",
    "REFERRAL_CONSENT_HINT",
    "REFERRAL_OPT_OUT_CHOICES",
    "REFERRAL_OPT_OUT_HINT",
    "REPORTED_SKEW_MINUTES",
    "STAFF_GROUND_CHOICES",
    "STEPS",
    "STEP_FORMS",
    "TIME_PATTERN",
    "AboutYouForm",
    "ContactForm",
    "CrimeTypeForm",
    "DateParts",
    "EqualityForm",
    "ForceForm",
    "HateForm",
    "OnlineCrimeTypeForm",
    "PostcodeForm",
    "ReferralAnswerForm",
    "SituationForm",
    "StaffChannelForm",
    "StaffGroundsForm",
    "StaffReportedForm",
    "StepForm",
    "SummaryForm",
    "SupportConsentForm",
    "SupportForm",
    "VisitForm",
    "WhenForm",
    "WhereForm",
    "_answer_key",
    "_choices_within",
    "_optional",
    "_radios",
    "age_on",
    "answers_cross_check",
    "answers_validate",
    "contact_route_check",
    "crime_type_choices",
    "grounds_from_answers",
    "referral_answer",
]
