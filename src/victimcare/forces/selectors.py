from django.db.models import QuerySet

from victimcare.forces.models import Area, CrimeType, Force


def force_list() -> QuerySet[Force]:
    return Force.objects.select_related("peer_group").order_by("name")


def area_list(*, force: Force) -> QuerySet[Area]:
    return Area.objects.filter(force=force).order_by("name")


def crime_type_list() -> QuerySet[CrimeType]:
    return CrimeType.objects.order_by("name")
