import re

from django.db.models import QuerySet

from victimcare.forces.models import Area, CrimeType, Force, PostcodeDistrict

_OUTWARD = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?)")


def force_list() -> QuerySet[Force]:
    return Force.objects.select_related("peer_list").order_by("name")


def area_list(*, force: Force) -> QuerySet[Area]:
    return Area.objects.filter(force=force).order_by("name")


def crime_type_list() -> QuerySet[CrimeType]:
    return CrimeType.objects.order_by("name")


def force_for_postcode(postcode: str) -> Force | None:
    """The force covering a postcode (full, like 'M1 1AE', or its first half, like 'SK10'),
    from its district, else its area; None when neither is known."""
    text = "".join((postcode or "").split()).upper()
    if len(text) > 4:
        text = text[:-3]  # the inward code: the last three characters
    match = _OUTWARD.match(text)
    if match is None:
        return None
    area, district = match.group(1), match.group(1) + match.group(2)
    rows = {
        row.prefix: row.force
        for row in PostcodeDistrict.objects.select_related("force").filter(
            prefix__in=[area, district]
        )
    }
    return rows.get(district) or rows.get(area)
