from django.db import models
from django.utils.translation import gettext_lazy as _


class ObligationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


OUTSTANDING = (ObligationStatus.OPEN, ObligationStatus.BREACHED)

# What a victim is told about an event (Track my case): a message, not an essay. The same
# limit as the staff page's "Update for the victim" box and the portal's messages.
VICTIM_TEXT_MAX_LENGTH = 2000


class DecisionOutcome(models.TextChoices):
    """Outcomes of a `decision` event the Victims' Code clock knows: every Right 6 event."""

    ARREST = "arrest", _("Arrest")
    INTERVIEW_UNDER_CAUTION = "interview_under_caution", _("Interview under caution")
    RELEASED_UNDER_INVESTIGATION = (
        "released_under_investigation",
        _("Released under investigation"),
    )
    BAIL = "bail", _("Bail")
    BAIL_VARIED = "bail_varied", _("Bail conditions changed")
    BAIL_CANCELLED = "bail_cancelled", _("Bail cancelled")
    CHARGE = "charge", _("Charge")
    CAUTION = "caution", _("Caution")
    COMMUNITY_RESOLUTION = "community_resolution", _("Community resolution")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    NOT_INVESTIGATED = "not_investigated", _("Not investigated")
    ARREST_WARRANT = "arrest_warrant", _("Arrest warrant issued")


# Decisions after which a victim whose suspect was interviewed under caution may ask for a
# review (Victims' Right to Review): no charge, or an out-of-court disposal.
VRR_DECISIONS = (
    DecisionOutcome.NO_FURTHER_ACTION,
    DecisionOutcome.CAUTION,
    DecisionOutcome.COMMUNITY_RESOLUTION,
)
# How long after that decision a victim may ask for a review.
VRR_REQUEST_MONTHS = 3
# How often a victim is updated when they have not said (the rule set may say otherwise).
UPDATE_EVERY_DAYS_MAX = 366


# Spellings some callers use for the same outcome (the demo world uses case statuses).
DECISION_OUTCOME_ALIASES = {
    "charged": DecisionOutcome.CHARGE,
    "nfa": DecisionOutcome.NO_FURTHER_ACTION,
}


class RulePattern(models.TextChoices):
    """How often a rule makes an obligation."""

    ONCE = "once", _("Once per case, at the first trigger")
    EACH = "each", _("Once for each trigger event")
    RECURRING = "recurring", _("Every interval until cancelled")


class EnhancedScope(models.TextChoices):
    ALL = "all", _("Every victim")
    ENHANCED = "enhanced", _("Enhanced victims only")
    STANDARD = "standard", _("Victims without enhanced entitlements only")


class ConsentMode(models.TextChoices):
    NONE = "none", _("No consent needed")
    OPT_OUT = "opt_out", _("Opt-out: done unless the victim says no")
    EXPLICIT = "explicit", _("Explicit consent needed")
    CRIME_TYPE = (
        "crime_type",
        _(
            "Explicit consent for crime types that need it (sexual offences, domestic abuse, "
            "bereaved relatives), opt-out otherwise"
        ),
    )


class Need(models.TextChoices):
    INFORMATION = "information", _("Information")
    PRACTICAL = "practical", _("Practical help")
    EMOTIONAL = "emotional", _("Emotional support")
    SAFETY = "safety", _("Safety")
    LANGUAGE = "language", _("Language or interpreter")
    DISABILITY = "disability", _("Disability or access")


class ReferralConsent(models.TextChoices):
    YES = "yes", _("Yes, the victim agrees to be referred")
    NO = "no", _("No, the victim does not want a referral")


class SafeRoute(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter to the address held")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    CONTACT_MADE = "contact_made", _("Victim contacted")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")


class VisitStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted, slot booked")
    DECLINED = "declined", _("Declined")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")


class PropertyStatus(models.TextChoices):
    """Where property the police hold for a case stands (Victims' Code right 10)."""

    HELD = "held", _("Held by the police")
    RETURNED = "returned", _("Returned")
    KEPT = "kept", _("Kept by the police")


PROPERTY_DESCRIPTION_MAX_LENGTH = 500
PROPERTY_REASON_MAX_LENGTH = 1000
# The obligations a staff member can say one contact met beyond its own (``covers``):
# Rights 5 and 10 (issue 15).
COMPENSATION_INFORMATION = "compensation_information"
PROPERTY_INFORMATION = "property_information"
