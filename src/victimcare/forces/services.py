"""Every write to forces, areas, peer groups and crime types."""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from victimcare.forces.models import Area, CrimeType, Force, PeerGroup, PostcodeDistrict

REFERENCE_DATA_FILE = Path(__file__).resolve().parent / "data" / "reference.json"
POSTCODE_DISTRICTS_FILE = Path(__file__).resolve().parent / "data" / "postcode_districts.csv"
REPORT_GROUPS_FILE = Path(__file__).resolve().parent / "data" / "report_groups.csv"

_CRIME_TYPE_FIELDS = (
    "name",
    "plain_name",
    "survey_group",
    "is_surveyed",
    "referral_needs_consent",
    "is_domestic_abuse",
    "most_serious_crime",
)
_POSTCODE_PREFIX = re.compile(r"^[A-Z]{1,2}([0-9][A-Z0-9]?)?$")


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
    report_groups_load()
    postcode_districts_load()


def _data_rows(path: Path) -> list[dict]:
    """The rows of one of forces/data's CSV files ('#' lines are notes)."""
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(line for line in file if not line.startswith("#")))


def report_groups() -> dict[str, tuple[str, bool]]:
    """Crime type code -> (the words the online report groups it under, is a sexual offence),
    from forces/data/report_groups.csv."""
    return {
        row["crime_type"].strip(): (
            row["report_group"].strip(),
            row["is_sexual_offence"].strip() == "yes",
        )
        for row in _data_rows(REPORT_GROUPS_FILE)
    }


@transaction.atomic
def report_groups_load() -> None:
    """Give each crime type loaded its report group and sexual-offence flag. Idempotent."""
    for code, (group, sexual) in report_groups().items():
        CrimeType.objects.filter(code=code).update(report_group=group, is_sexual_offence=sexual)


def postcode_districts() -> list[tuple[str, str]]:
    """(prefix, force code) rows of forces/data/postcode_districts.csv ('#' lines are notes)."""
    rows = _data_rows(POSTCODE_DISTRICTS_FILE)
    return [(row["prefix"].strip().upper(), row["force"].strip()) for row in rows]


@transaction.atomic
def postcode_districts_load() -> None:
    """Load or refresh which force covers each postcode area and district. Idempotent;
    prefixes no longer in the file are removed (nothing else refers to them)."""
    forces = dict(Force.objects.values_list("code", "pk"))
    wanted = {}
    for prefix, force_code in postcode_districts():
        if not _POSTCODE_PREFIX.match(prefix) or force_code not in forces:
            raise ValueError(f"postcode_districts.csv: bad row {prefix},{force_code}")
        wanted[prefix] = forces[force_code]
    existing = dict(PostcodeDistrict.objects.values_list("prefix", "force_id"))
    PostcodeDistrict.objects.exclude(prefix__in=wanted).delete()
    PostcodeDistrict.objects.bulk_create(
        PostcodeDistrict(prefix=prefix, force_id=force_id)
        for prefix, force_id in wanted.items()
        if prefix not in existing
    )
    for prefix, force_id in wanted.items():
        if prefix in existing and existing[prefix] != force_id:
            PostcodeDistrict.objects.filter(prefix=prefix).update(force_id=force_id)
