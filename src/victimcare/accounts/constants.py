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
