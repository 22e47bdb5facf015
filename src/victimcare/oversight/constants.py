from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_SUPPRESSION_THRESHOLD = 30


def suppression_threshold(threshold: int | None = None) -> int:
    """The threshold given, else the VICTIMCARE_OPEN_DATA_THRESHOLD setting (default 30)."""
    if threshold is not None:
        return threshold
    from django.conf import settings

    return getattr(settings, "OPEN_DATA_THRESHOLD", DEFAULT_SUPPRESSION_THRESHOLD)


OGL_NOTICE = (
    "Contains public sector information licensed under the Open Government Licence v3.0: "
    "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
)
SYNTHETIC_NOTICE = "Demonstration data: synthetic"


class Measure(models.TextChoices):
    """What a figure measures: satisfaction with one of the five stages."""

    WHOLE_EXPERIENCE = "whole_experience", _("Whole experience")
    EASE_OF_CONTACT = "ease_of_contact", _("Ease of contact")
    ACTIONS_TAKEN = "actions_taken", _("Actions taken")
    KEPT_INFORMED = "kept_informed", _("Kept informed")
    TREATMENT = "treatment", _("Treatment")


class TargetKind(models.TextChoices):
    LEVEL = "level", _("A level to reach (% satisfied, at least)")
    GAP = "gap", _("An ethnic minority gap to close (white minus ethnic minority, points, under)")


class ScopeKind(models.TextChoices):
    FORCE = "force", _("The whole force")
    AREA = "area", _("An area of the force")
    GROUP = "group", _("A group of victims")


class VictimGroup(models.TextChoices):
    """Groups of victims a target can be set for (a domain: column and value)."""

    BME = "bme:1", _("Black and minority ethnic victims")
    WHITE = "bme:0", _("White victims")
    DISABLED = "disabled:1", _("Disabled victims")
    AGE_16_24 = "age_band:16_24", _("Victims aged 16 to 24")
    AGE_65_PLUS = "age_band:65_plus", _("Victims aged 65 and over")
    BURGLARY = "crime_group:burglary", _("Victims of burglary")
    VIOLENCE = "crime_group:violence", _("Victims of violent crime")
    VEHICLE = "crime_group:vehicle", _("Victims of vehicle crime")
    HATE = "crime_group:hate", _("Victims of hate crime")
    ONLINE = "report_channel:online", _("Victims who reported online")


class PeerScope(models.TextChoices):
    PEER_GROUP = "peers", _("The force's own peers (most similar forces)")
    ALL = "all", _("All forces")
