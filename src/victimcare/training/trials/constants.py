from django.db import models
from django.utils.translation import gettext_lazy as _


class Practice(models.TextChoices):
    """The care practices a trial can randomise. Each is the obligation of the same code in
    every rule set (``care/data/rule_set_*.json``), started for a treated case by an
    internal note that covers it (``services.trial_allocate``)."""

    REASSURANCE_CALLBACK = (
        "reassurance_callback",
        _("Reassurance call-back within 2 working days of the report"),
    )


class Arm(models.TextChoices):
    TREATED = "treated", _("Treated: the practice is owed")
    CONTROL = "control", _("Control: care as usual")


RANDOMISED = "randomised"
