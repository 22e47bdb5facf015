from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    BOROUGH = "borough", _("London borough")
    DISTRICT = "district", _("District")
    BCU = "bcu", _("Basic command unit")


class SurveyGroup(models.TextChoices):
    """The User Satisfaction Survey's crime groups."""

    BURGLARY = "burglary", _("Burglary")
    VIOLENCE = "violence", _("Violent crime")
    VEHICLE = "vehicle", _("Vehicle crime")
    HATE = "hate", _("Hate crime")
    OTHER = "other", _("Other")
