"""Every write to forces, areas, peer groups and crime types."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from victimcare.forces.models import Area, CrimeType, Force, PeerList, PostcodeDistrict

REFERENCE_DATA_FILE = Path(__file__).resolve().parent / "data" / "reference.json"
POSTCODE_DISTRICTS_FILE = Path(__file__).resolve().parent / "data" / "postcode_districts.csv"
REPORT_GROUPS_FILE = Path(__file__).resolve().parent / "data" / "report_groups.csv"
PEER_GROUPS_FILE = Path(__file__).resolve().parent / "data" / "peer_groups.json"
_SLUG = re.compile(r"^[-a-z0-9_]{1,40}$")

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
    for entry in data["forces"]:
        force, _ = Force.objects.update_or_create(
            code=entry["code"], defaults={"name": entry["name"]}
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
    peer_groups_load()


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


# --- peer groups ---------------------------------------------------------------------------


class PeerGroupsFileError(ValueError):
    """A peer groups file that cannot be loaded; the message says what to fix."""


def peer_groups_file() -> Path:
    """The peer groups file: ``VICTIMCARE_PEER_GROUPS_FILE`` if set, else the illustrative
    groups shipped in forces/data/peer_groups.json."""
    from django.conf import settings

    configured = getattr(settings, "PEER_GROUPS_FILE", "")
    return Path(configured) if configured else PEER_GROUPS_FILE


def _peer_codes(where: str, owner: str, members: Any, *, least: int) -> list[str]:
    """A list of ``least`` or more distinct force codes, upper-cased, or a clear error."""
    if (
        not isinstance(members, list)
        or len(members) < least
        or not all(isinstance(m, str) and m.strip() for m in members)
    ):
        raise PeerGroupsFileError(
            f"{where}: {owner}: {'forces' if least > 1 else 'peers'!r} must list "
            f"{'two' if least > 1 else 'one'} or more force codes"
        )
    codes = [m.strip().upper() for m in members]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise PeerGroupsFileError(f"{where}: {owner}: {', '.join(twice)} listed twice")
    return codes


def _groups_read(where: str, groups: Any) -> list[dict[str, Any]]:
    """The ``groups`` layout: each group's forces are each other's peers."""
    if not isinstance(groups, list) or not groups:
        raise PeerGroupsFileError(f"{where}: 'groups' must be a list of one or more groups")
    seen_codes: set[str] = set()
    group_of: dict[str, str] = {}
    checked = []
    for number, group in enumerate(groups, start=1):
        if not isinstance(group, dict):
            raise PeerGroupsFileError(f"{where}: group {number} must be an object")
        code, name = group.get("code"), group.get("name")
        if not isinstance(code, str) or not _SLUG.match(code):
            raise PeerGroupsFileError(
                f"{where}: group {number}: 'code' must be lower-case letters, digits and "
                f"hyphens (up to 40), not {code!r}"
            )
        if code in seen_codes:
            raise PeerGroupsFileError(f"{where}: group code {code!r} is used twice")
        seen_codes.add(code)
        if not isinstance(name, str) or not name.strip():
            raise PeerGroupsFileError(f"{where}: group {code!r} needs a 'name'")
        members = _peer_codes(where, f"group {code!r}", group.get("forces"), least=2)
        for member in members:
            if member in group_of:
                raise PeerGroupsFileError(
                    f"{where}: force {member} is in two groups ({group_of[member]!r} and "
                    f"{code!r}); a force may be in one group only (for overlapping lists "
                    "give each force its own under 'most_similar')"
                )
            group_of[member] = code
        checked.append({"code": code, "name": name.strip()[:120], "forces": members})
    return checked


def _most_similar_read(where: str, entries: Any) -> list[dict[str, Any]]:
    """The ``most_similar`` layout: each force's own list of peers."""
    if not isinstance(entries, list) or not entries:
        raise PeerGroupsFileError(
            f"{where}: 'most_similar' must be a list of one or more forces' lists"
        )
    seen: set[str] = set()
    lists = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise PeerGroupsFileError(f"{where}: entry {number} must be an object")
        code = entry.get("force")
        if not isinstance(code, str) or not code.strip():
            raise PeerGroupsFileError(f"{where}: entry {number}: 'force' must be a force code")
        code = code.strip().upper()
        if code in seen:
            raise PeerGroupsFileError(f"{where}: force {code} has two lists; give it one")
        seen.add(code)
        peers = _peer_codes(where, f"force {code}", entry.get("peers"), least=1)
        if code in peers:
            raise PeerGroupsFileError(
                f"{where}: force {code} is listed as its own peer; list only other forces"
            )
        name = entry.get("name") or ""
        if not isinstance(name, str):
            raise PeerGroupsFileError(f"{where}: force {code}: 'name' must be text")
        lists.append({"force": code, "name": name.strip()[:120], "peers": peers})
    return lists


def peer_groups_read(path: Path) -> dict[str, Any]:
    """A peer groups file, checked: ``source`` (who published it), ``as_of`` (its date,
    YYYY-MM-DD), optional ``url`` and ``note``, and either ``most_similar`` (the official
    layout: per force, ``{"force": "MPS", "peers": ["GMP", ...], "name": optional}``;
    lists may overlap and need not be mutual) or ``groups`` (each with a ``code``, a
    ``name`` and two or more ``forces``, each force in at most one group; its members are
    each other's peers). Returns ``lists``, one per force (``force``, ``name``, ``peers``),
    and ``groups`` (empty in the per-force layout). A force listed as its own peer, an
    empty list or a force listed twice is refused: ``PeerGroupsFileError`` says what is
    wrong. Reads no database (unknown forces are refused by ``peer_groups_load``)."""
    where = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise PeerGroupsFileError(f"{where}: cannot be read ({error.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PeerGroupsFileError(f"{where}: not JSON ({error})") from None
    if not isinstance(data, dict):
        raise PeerGroupsFileError(
            f"{where}: expected an object with source, as_of and most_similar (or groups)"
        )
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise PeerGroupsFileError(f"{where}: 'source' must say who published the groups")
    try:
        as_of = date.fromisoformat(str(data.get("as_of", "")))
    except ValueError:
        raise PeerGroupsFileError(
            f"{where}: 'as_of' must be the date of the groups as YYYY-MM-DD, "
            f"not {data.get('as_of')!r}"
        ) from None
    url = data.get("url") or ""
    if not isinstance(url, str) or (url and not url.startswith(("https://", "http://"))):
        raise PeerGroupsFileError(f"{where}: 'url' must be a web address or left out")
    if ("most_similar" in data) == ("groups" in data):
        raise PeerGroupsFileError(
            f"{where}: give either 'most_similar' (each force's own list of peers) or "
            "'groups', not both or neither"
        )
    if "most_similar" in data:
        groups: list[dict[str, Any]] = []
        lists = _most_similar_read(where, data["most_similar"])
    else:
        groups = _groups_read(where, data["groups"])
        lists = [
            {"force": member, "name": g["name"], "peers": [m for m in g["forces"] if m != member]}
            for g in groups
            for member in g["forces"]
        ]
    return {
        "source": source.strip()[:300],
        "url": url,
        "as_of": as_of,
        "note": str(data.get("note") or ""),
        "groups": groups,
        "lists": lists,
    }


@transaction.atomic
def peer_groups_load(*, path: Path | None = None) -> dict[str, Any]:
    """Load the peer lists of ``path`` (default ``peer_groups_file()``), replacing those
    loaded before: each force named gets its own list of peers (a force the file leaves
    out gets none), and every list keeps the file's source and date. Every force named
    must be loaded already; on any error (``PeerGroupsFileError``) nothing is written.
    Idempotent. Returns what was loaded (``peer_groups_read``)."""
    path = path or peer_groups_file()
    data = peer_groups_read(path)
    forces = {f.code: f for f in Force.objects.all()}
    named = {e["force"] for e in data["lists"]} | {p for e in data["lists"] for p in e["peers"]}
    unknown = sorted(named - set(forces))
    if unknown:
        raise PeerGroupsFileError(
            f"{path}: unknown force codes {', '.join(unknown)} (known codes are those of "
            "the forces loaded, e.g. MPS, GMP, WMP)"
        )
    existing = {p.force_id: p for p in PeerList.objects.all()}
    for entry in data["lists"]:
        force = forces[entry["force"]]
        peer_list = existing.pop(force.pk, None) or PeerList(force=force)
        peer_list.name = entry["name"] or f"Forces most similar to {force.name}"[:120]
        peer_list.source = data["source"]
        peer_list.source_url = data["url"]
        peer_list.source_date = data["as_of"]
        try:
            peer_list.full_clean()
        except ValidationError as error:
            raise PeerGroupsFileError(f"{path}: force {entry['force']}: {error}") from None
        peer_list.save()
        peer_list.peers.set([forces[code] for code in entry["peers"]])
    PeerList.objects.filter(pk__in=[p.pk for p in existing.values()]).delete()
    return data
