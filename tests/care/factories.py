"""Builders for the care app's tests."""

from __future__ import annotations

from datetime import datetime

from tests.factories import LONDON, area_make, case_make, crime_type_make, force_make
from victimcare.cases.services import VictimDetails


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def victim_details(*, enhanced: bool = False, **kwargs) -> VictimDetails:
    return VictimDetails(
        given_name=kwargs.pop("given_name", "Ada"),
        family_name=kwargs.pop("family_name", "Testperson"),
        email=kwargs.pop("email", "ada@example.com"),
        phone=kwargs.pop("phone", "07700 900123"),
        phone_is_safe=kwargs.pop("phone_is_safe", True),
        vulnerable=enhanced,
        **kwargs,
    )


def care_case_make(
    *, force=None, reported_at=None, enhanced: bool = False, crime_type=None, **kwargs
):
    """A case reported at ``reported_at`` (London), clocked by the care listener."""
    force = force or force_make()
    return case_make(
        force=force,
        area=kwargs.pop("area", None) or area_make(force),
        crime_type=crime_type or crime_type_make(),
        reported_at=reported_at or london(2027, 3, 25, 15, 0),
        victim=kwargs.pop("victim", None) or victim_details(enhanced=enhanced),
        **kwargs,
    )


def domestic_abuse_type():
    from victimcare.forces.models import CrimeType

    crime_type = crime_type_make("domestic-abuse")
    CrimeType.objects.filter(pk=crime_type.pk).update(
        referral_needs_consent=True, is_domestic_abuse=True
    )
    crime_type.refresh_from_db()
    return crime_type
