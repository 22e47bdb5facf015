"""Every write to forces, areas, peer groups and crime types."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from victimcare.forces.models import Area, CrimeType, Force, PeerGroup

REFERENCE_DATA_FILE = Path(__file__).resolve().parent / "data" / "reference.json"

_CRIME_TYPE_FIELDS = (
    "name",
    "plain_name",
    "survey_group",
    "is_surveyed",
    "referral_needs_consent",
    "is_domestic_abuse",
    "most_serious_crime",
)


@cache
def reference_data() -> dict:
    """The reference data file (forces, areas, peer groups, crime types), read once."""
    with REFERENCE_DATA_FILE.open(encoding="utf-8") as file:
        return json.load(file)


def area_code(name: str) -> str:
    """The slug an area is known by inside its force, e.g. 'Barking and Dagenham'."""
    return slugify(name)


@transaction.atomic
def reference_data_load() -> None:
    """Load or refresh the 43 forces of England and Wales, their areas, most similar groups
    and the crime types. Idempotent: a second run changes nothing. Rows that are no
    longer in the file are left alone (cases may refer to them)."""
    data = reference_data()
    peer_group_of: dict[str, PeerGroup] = {}
    for group in data["peer_groups"]:
        peer_group, _ = PeerGroup.objects.update_or_create(
            code=group["code"], defaults={"name": group["name"]}
        )
        for force_code in group["forces"]:
            peer_group_of[force_code] = peer_group
    for entry in data["forces"]:
        force, _ = Force.objects.update_or_create(
            code=entry["code"],
            defaults={"name": entry["name"], "peer_group": peer_group_of.get(entry["code"])},
        )
        existing = {area.code: area for area in Area.objects.filter(force=force)}
        for name in entry["areas"]:
            code = area_code(name)
            area = existing.get(code)
            if area is None:
                Area.objects.create(force=force, code=code, name=name, kind=entry["area_kind"])
            elif (area.name, area.kind) != (name, entry["area_kind"]):
                area.name, area.kind = name, entry["area_kind"]
                area.save(update_fields=["name", "kind"])
    for entry in data["crime_types"]:
        CrimeType.objects.update_or_create(
            code=entry["code"],
            defaults={
                **{field: entry.get(field, False) for field in _CRIME_TYPE_FIELDS},
                "reportable_online": entry.get("reportable_online", True),
            },
        )
