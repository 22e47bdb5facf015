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


class EventKind(models.TextChoices):
    """What can happen on a case. Later features (the Victims' Code clock) add kinds."""

    REPORT_RECORDED = "report_recorded", _("Report recorded")
    OFFICER_ASSIGNED = "officer_assigned", _("Officer assigned")
    CONTACT_MADE = "contact_made", _("Victim contacted")
    VISIT_OFFERED = "visit_offered", _("Visit offered")
    VISIT_DONE = "visit_done", _("Visit done")
    NEEDS_ASSESSED = "needs_assessed", _("Needs assessment done")
    REFERRAL_SENT = "referral_sent", _("Referred to support")
    DECISION = "decision", _("Decision recorded")
    STATUS_CHANGED = "status_changed", _("Status changed")
    NOTE = "note", _("Internal note")
