from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from victimcare.forces.constants import AreaKind, SurveyGroup


class Force(models.Model):
    """A territorial police force of England and Wales."""

    code = models.CharField(max_length=8, unique=True, help_text=_("Short code, e.g. MPS"))
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PeerList(models.Model):
    """A force's own most similar forces (its peers), which its league table, drivers and
    report pack compare it with, as loaded from a peer groups file
    (``forces.services.peer_groups_load``) with its source and date. Lists are per force,
    as the Home Office's most similar groups are: they overlap, and A's list may name B
    without B's naming A."""

    force = models.OneToOneField(Force, on_delete=models.CASCADE, related_name="peer_list")
    name = models.CharField(
        max_length=120, help_text=_("What the comparison is called, e.g. the group's name")
    )
    peers = models.ManyToManyField(Force, related_name="peer_of")
    source = models.CharField(
        max_length=300, blank=True, help_text=_("Who published the list, from its file")
    )
    source_url = models.URLField(max_length=500, blank=True)
    source_date = models.DateField(
        null=True, blank=True, help_text=_("The date of the list, from its file")
    )

    class Meta:
        ordering = ["force__name"]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A London borough for the Met; a district or basic command unit elsewhere."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="areas")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=AreaKind.choices, default=AreaKind.DISTRICT)

    class Meta:
        ordering = ["force__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["force", "code"], name="area_code_unique_in_force")
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team of officers in a force (a response or investigation team, usually within one
    area). Supervisors read compliance by team: an obligation belongs to its officer's team."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="teams")
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams",
        help_text=_("The area the team works in, if it works in one"),
    )
    code = models.SlugField(max_length=80, help_text=_("Short code, unique within the force"))
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["force__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["force", "code"], name="team_code_unique_in_force")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if (
            self.area is not None
            and self.force_id is not None
            and self.area.force_id != self.force_id
        ):
            raise ValidationError({"area": _("Choose an area of the team's own force")})


class CrimeType(models.Model):
    """A crime classification with what the survey and the Victims' Code need to know."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    plain_name = models.CharField(
        max_length=200, help_text=_("How a victim would describe it, for the reporting form")
    )
    survey_group = models.CharField(max_length=16, choices=SurveyGroup.choices)
    is_surveyed = models.BooleanField(
        default=False, help_text=_("Victims of this crime are sampled for the satisfaction survey")
    )
    referral_needs_consent = models.BooleanField(
        default=False,
        help_text=_(
            "Referral to support needs the victim's explicit consent (sexual offences, "
            "domestic abuse, bereaved relatives) rather than opt-out"
        ),
    )
    is_domestic_abuse = models.BooleanField(default=False)
    most_serious_crime = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_(
            "Victims of this crime are victims of the most serious crime under the Victims' "
            "Code, so entitled to the enhanced service (domestic abuse, hate crime, sexual "
            "offences, attempted murder, wounding or GBH with intent, arson with intent, "
            "kidnap, false imprisonment, trafficking and modern slavery, terrorism, bereaved "
            "relatives)"
        ),
    )
    reportable_online = models.BooleanField(
        default=True,
        db_default=True,
        help_text=_(
            "Offered on the online reporting form (crimes reported through 999, 101 or an "
            "officer only are not)"
        ),
    )
    is_sexual_offence = models.BooleanField(default=False)
    report_group = models.CharField(
        max_length=120,
        blank=True,
        help_text=_(
            "The words the online report groups this crime under, e.g. 'Something was "
            "stolen'; blank: offered last, as something else"
        ),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_exit_this_page(self) -> bool:
        """The victim's pages carry GOV.UK's 'Exit this page' (domestic abuse, sexual
        offences): someone may be watching."""
        return self.is_domestic_abuse or self.is_sexual_offence


class PostcodeDistrict(models.Model):
    """Which force polices a postcode area ('M') or district ('SK10'); the district wins.
    Loaded from forces/data/postcode_districts.csv (illustrative, approximate)."""

    prefix = models.CharField(max_length=4, unique=True, help_text=_("e.g. M, SK10, EC1A"))
    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="postcode_districts")

    class Meta:
        ordering = ["prefix"]

    def __str__(self) -> str:
        return f"{self.prefix}: {self.force.code}"
