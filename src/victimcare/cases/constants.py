from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How the crime was reported."""

    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone")
    FRONT_COUNTER = "front_counter", _("Front counter")
    OFFICER = "officer", _("Officer visit")
    RECORDS_SYSTEM = "records_system", _("Records system")


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
    SUSPECT_IDENTIFIED = "suspect_identified", _("Suspect identified")
    CHARGED = "charged", _("Charged")
    NOT_INVESTIGATED = "not_investigated", _("Not investigated further")
    CLOSED = "closed", _("Closed")


class ContactMethod(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")


PREFER_NOT_TO_SAY = "prefer_not_to_say"


class AgeBand(models.TextChoices):
    UNDER_16 = "under_16", _("Under 16")
    AGE_16_24 = "16_24", _("16 to 24")
    AGE_25_34 = "25_34", _("25 to 34")
    AGE_35_44 = "35_44", _("35 to 44")
    AGE_45_54 = "45_54", _("45 to 54")
    AGE_55_64 = "55_64", _("55 to 64")
    AGE_65_PLUS = "65_plus", _("65 and over")
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY, _("Prefer not to say")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY, _("Prefer not to say")


class Ethnicity(models.TextChoices):
    """The five high-level ethnic groups of the ONS 2021 Census for England and Wales."""

    ASIAN = "asian", _("Asian, Asian British or Asian Welsh")
    BLACK = "black", _("Black, Black British, Black Welsh, Caribbean or African")
    MIXED = "mixed", _("Mixed or Multiple ethnic groups")
    WHITE = "white", _("White")
    OTHER = "other", _("Other ethnic group")
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY, _("Prefer not to say")


class Disability(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY, _("Prefer not to say")


class EnhancedGround(models.TextChoices):
    """The grounds for the enhanced service under the Victims' Code (2015 and 2020)."""

    MOST_SERIOUS_CRIME = "most_serious_crime", _("Victim of the most serious crime")
    PERSISTENTLY_TARGETED = "persistently_targeted", _("Persistently targeted")
    VULNERABLE = "vulnerable", _("Vulnerable")
    INTIMIDATED = "intimidated", _("Intimidated")


class GroundSource(models.TextChoices):
    """Where an enhanced ground came from."""

    DERIVED = "derived", _("Derived from the report")
    RECORDED = "recorded", _("Recorded")


class EventKind(models.TextChoices):
    """What can happen on a case. The Victims' Code clock reacts to these."""

    REPORT_RECORDED = "report_recorded", _("Report recorded")
    OFFICER_ASSIGNED = "officer_assigned", _("Officer assigned")
    CONTACT_MADE = "contact_made", _("Victim contacted")
    VISIT_OFFERED = "visit_offered", _("Visit offered")
    VISIT_ACCEPTED = "visit_accepted", _("Visit accepted")
    VISIT_DECLINED = "visit_declined", _("Visit declined")
    VISIT_DONE = "visit_done", _("Visit done")
    VISIT_MISSED = "visit_missed", _("Visit missed")
    NEEDS_ASSESSED = "needs_assessed", _("Needs assessment done")
    REFERRAL_SENT = "referral_sent", _("Referred to support")
    REFERRAL_DECLINED = "referral_declined", _("Referral declined by the victim")
    WRITTEN_INFORMATION_SENT = "written_information_sent", _("Written information sent")
    DECISION = "decision", _("Decision recorded")
    SUSPECT_IDENTIFIED = "suspect_identified", _("Suspect identified")
    VPS_OFFERED = "vps_offered", _("Victim Personal Statement offered")
    CASE_CLOSED = "case_closed", _("Case closed")
    CARE_CARD_SENT = "care_card_sent", _("Victim Care Card sent")
    MESSAGE_FROM_VICTIM = "message_from_victim", _("Message from the victim")
    MESSAGE_TO_VICTIM = "message_to_victim", _("Message to the victim")
    CONTACT_PREFERENCES_CHANGED = "contact_preferences_changed", _("Contact preferences changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    NOTE = "note", _("Internal note")
    ENHANCED_GROUNDS_CHANGED = "enhanced_grounds_changed", _("Enhanced entitlement changed")
    STATEMENT_TAKEN = "statement_taken", _("Witness statement taken")
    VRR_REQUESTED = "vrr_requested", _("Review asked for (Victims' Right to Review)")
    VRR_ACKNOWLEDGED = "vrr_acknowledged", _("Review request acknowledged")
    VRR_DECIDED = "vrr_decided", _("Review decided")
    COMPLAINT_MADE = "complaint_made", _("Complaint made")
    COMPLAINT_ACKNOWLEDGED = "complaint_acknowledged", _("Complaint acknowledged")
    PROPERTY_RECORDED = "property_recorded", _("Property held recorded")
    PROPERTY_RETURNED = "property_returned", _("Property returned")
