from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CALL_HANDLER = "call_handler", _("Call handler")
    OFFICER = "officer", _("Officer")
    SUPERVISOR = "supervisor", _("Victim care supervisor")
    ANALYST = "analyst", _("Performance analyst")
    OVERSIGHT = "oversight", _("Oversight body")
    SUPPORT_ORGANISATION = "support_organisation", _("Support organisation")
    ADMINISTRATOR = "administrator", _("Administrator")


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    EXPORT = "export", _("Exported")
    # Staff sign-in security: the record's user is who acted, its subject whose second
    # factor it concerns (the same person except for a reset).
    TWO_FACTOR_ENROL = "otp_enrol", _("Set up two-factor sign-in")
    TWO_FACTOR_FAILURE = "otp_failure", _("Entered a wrong sign-in code")
    RECOVERY_CODE_USE = "recovery_code", _("Signed in with a recovery code")
    TWO_FACTOR_RESET = "otp_reset", _("Reset two-factor sign-in")
