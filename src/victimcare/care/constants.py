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
    """Outcomes of a `decision` event the Victims' Code clock knows."""

    ARREST = "arrest", _("Arrest")
    BAIL = "bail", _("Bail")
    CHARGE = "charge", _("Charge")
    CAUTION = "caution", _("Caution")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    NOT_INVESTIGATED = "not_investigated", _("Not investigated")


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
