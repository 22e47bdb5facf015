import re

from django.db import models
from django.utils.translation import gettext_lazy as _

# A phone number as victims and call handlers type it: an optional +, then 9 to 21
# digits, spaces, brackets and dashes. The one rule for the report form, the portal's
# contact details and the records-system import.
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()-]{8,20}$")
# Text messages go only to UK mobile numbers: 07 and nine digits, or +44 7 and nine digits
# (a "(0)" after +44 allowed), once the spaces, brackets and dashes are taken out.
UK_MOBILE_PATTERN = re.compile(r"^(?:07|\+440?7)[0-9]{9}$")


def is_uk_mobile(phone: str) -> bool:
    """A number PHONE_PATTERN accepts that can receive text messages (a UK mobile)."""
    return bool(UK_MOBILE_PATTERN.match(re.sub(r"[ ()-]", "", phone or "")))


# Crime types that cannot be reported online: the report stops and points to 999 and 101,
# keeping nothing (a bereaved relative needs to speak to someone).
NOT_REPORTED_ONLINE = frozenset({"homicide-bereaved"})


class YesNo(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")


class StaffChannel(models.TextChoices):
    """The channels staff record reports from (online and records-system reports record themselves)."""

    PHONE = "phone", _("Phone")
    FRONT_COUNTER = "front_counter", _("Front counter")
    OFFICER = "officer", _("Officer visit")


class ImportOutcome(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    REJECTED = "rejected", _("Rejected")
    ALREADY_PRESENT = "already_present", _("Already present")


# Support available to every victim, whether or not they report (shown on the Victim Care Card).
SUPPORT_CONTACTS = [
    (_("Victim Support (free, confidential, whether or not you reported)"), "08 08 16 89 111"),
    (_("National Domestic Abuse Helpline (24 hours)"), "0808 2000 247"),
    (_("Samaritans (24 hours, if you need to talk)"), "116 123"),
]

DRAFT_TOKEN_BYTES = 32
