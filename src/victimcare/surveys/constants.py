from django.db import models
from django.utils.translation import gettext_lazy as _


class Answer(models.TextChoices):
    """The User Satisfaction Survey's seven-point scale, plus don't know and refused."""

    COMPLETELY_SATISFIED = "completely_satisfied", _("Completely satisfied")
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    FAIRLY_SATISFIED = "fairly_satisfied", _("Fairly satisfied")
    NEITHER = "neither", _("Neither satisfied nor dissatisfied")
    FAIRLY_DISSATISFIED = "fairly_dissatisfied", _("Fairly dissatisfied")
    VERY_DISSATISFIED = "very_dissatisfied", _("Very dissatisfied")
    COMPLETELY_DISSATISFIED = "completely_dissatisfied", _("Completely dissatisfied")
    DONT_KNOW = "dont_know", _("Don't know")
    REFUSED = "refused", _("Prefer not to say")


# Agencies deliver answers as numbers: 1 (completely satisfied) to 7 (completely
# dissatisfied), 8 don't know, 9 refused.
ANSWER_CODES: dict[str, str] = {str(number): answer for number, answer in enumerate(Answer, 1)}
SCALE_ANSWERS = tuple(Answer)[:7]
NO_ANSWER = (Answer.DONT_KNOW, Answer.REFUSED)
DISSATISFIED = (
    Answer.FAIRLY_DISSATISFIED,
    Answer.VERY_DISSATISFIED,
    Answer.COMPLETELY_DISSATISFIED,
)

# Which answers count as "satisfied" is a setting of the measure, not of the data.
SATISFIED_DEFINITIONS: dict[str, tuple[str, ...]] = {
    "top3": (Answer.COMPLETELY_SATISFIED, Answer.VERY_SATISFIED, Answer.FAIRLY_SATISFIED),
    "top2": (Answer.COMPLETELY_SATISFIED, Answer.VERY_SATISFIED),
}
DEFAULT_SATISFIED = "top3"


class Stage(models.TextChoices):
    """The five core stages of the victim's experience, one core question each."""

    EASE_OF_CONTACT = "ease_of_contact", _("Ease of contact")
    ACTIONS_TAKEN = "actions_taken", _("Actions taken")
    KEPT_INFORMED = "kept_informed", _("Kept informed")
    TREATMENT = "treatment", _("Treatment")
    WHOLE_EXPERIENCE = "whole_experience", _("Whole experience")


STAGES = tuple(Stage.values)


class FlagKind(models.TextChoices):
    """Facts about a victim that keep them out of survey samples."""

    OFFICER_ON_DUTY = "officer_on_duty", _("Police officer victimised on duty")
    OPTED_OUT = "opted_out", _("Opted out of surveys")
    DO_NOT_CONTACT = "do_not_contact", _("Not to be contacted (officer's judgement)")
    DECEASED = "deceased", _("Deceased")
    DOMESTIC_ABUSE = "domestic_abuse", _("Domestic abuse (surveyed separately)")
    RISK_HIGH = "risk_high", _("Risk currently high (not to be surveyed until it is lowered)")


class Exclusion(models.TextChoices):
    """Why an in-scope victim is not in the sampling frame, in the order they are tested:
    each excluded victim is counted once, under the first reason that applies."""

    OUTSIDE_WINDOW = "outside_window", _("Reported outside the fieldwork window")
    UNDER_AGE = "under_age", _("Under the minimum age")
    DOMESTIC_ABUSE = "domestic_abuse", _("Domestic abuse victim")
    OFFICER_ON_DUTY = "officer_on_duty", _("Police officer victimised on duty")
    OPTED_OUT = "opted_out", _("Opted out of surveys")
    DO_NOT_CONTACT = "do_not_contact", _("Flagged not to be contacted")
    DECEASED = "deceased", _("Deceased")
    RECENTLY_SAMPLED = "recently_sampled", _("Sampled in the last 12 months")
    NO_CONTACT_ROUTE = "no_contact_route", _("No usable contact route")


class StrataBy(models.TextChoices):
    """What a stratum is made of, within the force."""

    AREA_AND_GROUP = "area,crime_group", _("Area and crime group")
    GROUP = "crime_group", _("Crime group")
    AREA = "area", _("Area")
    FORCE = "", _("Force only")


class Allocation(models.TextChoices):
    PROPORTIONAL = "proportional", _("Proportional to the stratum's size")
    EQUAL = "equal", _("Equal in every stratum")
    MINIMUM = "minimum", _("Proportional, with a minimum per stratum")


class Mode(models.TextChoices):
    """How a sampled victim is surveyed (fieldwork mode)."""

    WEB = "web", _("Web (invitation with a link)")
    TELEPHONE = "telephone", _("Telephone (our interviewers)")
    AGENCY = "agency", _("External agency")


class ContactRoute(models.TextChoices):
    """How an invitation reaches a victim."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")


class Outcome(models.TextChoices):
    """Where a sampled victim stands; the AAPOR disposition each maps to is in weighting."""

    ISSUED = "issued", _("Issued, no final outcome yet")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")
    NON_CONTACT = "non_contact", _("Non-contact")
    UNKNOWN_ELIGIBILITY = "unknown_eligibility", _("Unknown eligibility (wrong number)")
    INELIGIBLE = "ineligible", _("Ineligible")


FINAL_OUTCOMES = tuple(o for o in Outcome.values if o != Outcome.ISSUED)


class CallOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", _("No answer")
    CALL_BACK = "call_back", _("Call back")
    REFUSED = "refused", _("Refused")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    INELIGIBLE = "ineligible", _("Not eligible (for example, not the victim)")
    COMPLETED = "completed", _("Interview completed")


class InvitationKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    REMINDER = "reminder", _("Reminder")


class RecoveryStatus(models.TextChoices):
    OPEN = "open", _("To call back")
    DONE = "done", _("Called back")
    UNREACHABLE = "unreachable", _("Could not reach the victim")
    DECLINED = "declined", _("Victim declined the call")


RECOVERY_OUTCOMES = (RecoveryStatus.DONE, RecoveryStatus.UNREACHABLE, RecoveryStatus.DECLINED)

# Defaults of a sample's design, each overridable per sample.
DEFAULT_CRIME_GROUPS = ("burglary", "violence", "vehicle", "hate")
DEFAULT_WINDOW_WEEKS = (6, 12)
DEFAULT_MINIMUM_AGE = 16
DEFAULT_REMINDER_DAYS = 7
DEFAULT_EXPIRY_DAYS = 28
RESAMPLE_MONTHS = 12
MAX_CALL_ATTEMPTS = 6
RECOVERY_WORKING_DAYS = 3


class DaContactStatus(models.TextChoices):
    """Where a domestic abuse victim stands in the domestic abuse survey's contact rules."""

    PROPOSED = "proposed", _("Awaiting an officer's approval")
    APPROVED = "approved", _("Approved by an officer")
    REFUSED = "refused", _("Not approved by an officer")
    INVITED = "invited", _("Invited by the safe route")
    WITHDRAWN = "withdrawn", _("Withdrawn: no longer safe to contact")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined, or not reached by telephone")


# Why a domestic abuse victim may not be contacted for the domestic abuse survey.
DA_NOT_DOMESTIC_ABUSE = "not a domestic abuse victim"
DA_RISK_HIGH = "the risk to the victim is high: no survey until it is lowered"
DA_FLAGGED = "the victim is not to be surveyed"
DA_NO_SAFE_ROUTE = (
    "no contact route confirmed safe with the victim (record it in a needs assessment)"
)
DA_LETTER = "a letter goes to an address the victim may share: choose a confirmed phone or email"
DA_PHONE_NOT_SAFE = "the phone number is not recorded as safe to contact"
DA_SHARED = "the {route} is shared with someone else on record: never use a shared contact"
DA_NEEDS_APPROVAL = "an officer must approve the contact first"
DA_MINIMUM_AGE = 16
DA_OUTSIDE_WINDOW = "reported outside the fieldwork window (6 to 12 weeks before)"
DA_RISK_NOTE_NEEDED = "say why the risk is now lower"
# Days an emailed single-use link to the domestic abuse survey stays open.
DA_LINK_DAYS = 28
