from django.db import models
from django.utils.translation import gettext_lazy as _


class Measure(models.TextChoices):
    """The survey stages a module can aim at (the satisfaction survey's questions)."""

    EASE_OF_CONTACT = "ease_of_contact", _("Ease of contact")
    ACTIONS_TAKEN = "actions_taken", _("Actions taken")
    KEPT_INFORMED = "kept_informed", _("Kept informed")
    TREATMENT = "treatment", _("Treatment")
    WHOLE_EXPERIENCE = "whole_experience", _("Whole experience")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ChangeKind(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    INVITED = "invited", _("Invited an organisation")
    SIGNED_OFF = "signed_off", _("Signed off")
    PUBLISHED = "published", _("Published")


class CompletionSource(models.TextChoices):
    WEB = "web", _("Completed in victimcare")
    IMPORT = "import", _("Imported from the force's learning system")


class RolloutDesign(models.TextChoices):
    STEPPED_WEDGE = "stepped_wedge", _("Team by team in a random order (stepped wedge)")
    ALL_AT_ONCE = "all_at_once", _("Every team at once")


# The effect is estimated only with at least this many surveyed victims on each side.
MIN_RESPONSES_PER_SIDE = 30
