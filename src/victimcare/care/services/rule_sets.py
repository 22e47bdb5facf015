"""Rule sets: loading the shipped rule-set versions, the working-day calendar table, the
rule set a force runs, and the parsed rules of a version."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.apps.registry import Apps
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from victimcare.care.clock import RuleSpec, rule_spec
from victimcare.care.deadlines import working_day_table
from victimcare.care.models import CalendarDay, ForceCarePolicy, Rule, RuleSet, RuleSetVersion
from victimcare.care.services.errors import CareError
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Force

RULE_SET_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_RULE_SET = "vc2020"


def _checksum(definition: dict[str, Any]) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def rule_sets_load(*, directory: Path | None = None, apps: Apps | None = None) -> list[Model]:
    """Load every ``rule_set_*.json``; a rule set whose JSON changed gets a new version.

    Idempotent: unchanged files create nothing. Old versions are never altered, so cases
    clocked under them keep their rules. ``apps`` is a migration's app registry.
    """
    get = (lambda name: apps.get_model("care", name)) if apps else None
    rule_set_model = get("RuleSet") if get else RuleSet
    version_model = get("RuleSetVersion") if get else RuleSetVersion
    rule_model = get("Rule") if get else Rule
    created: list[Model] = []
    with transaction.atomic():
        for path in sorted((directory or RULE_SET_DIR).glob("rule_set_*.json")):
            definition = json.loads(path.read_text())
            for position, raw in enumerate(definition["rules"]):
                rule_spec(position, raw)  # refuse a rule set the clock cannot run
            rule_set, _ = rule_set_model.objects.get_or_create(
                code=definition["code"], defaults={"name": definition["name"]}
            )
            in_force_from = definition.get("in_force_from")
            in_force_from = date.fromisoformat(in_force_from) if in_force_from else None
            if getattr(rule_set, "in_force_from", in_force_from) != in_force_from:
                rule_set.in_force_from = in_force_from
                rule_set.save(update_fields=["in_force_from"])
            latest = version_model.objects.filter(rule_set=rule_set).order_by("-version").first()
            checksum = _checksum(definition)
            if latest is not None and latest.checksum == checksum:
                continue
            if rule_set.name != definition["name"]:
                rule_set.name = definition["name"]
                rule_set.save(update_fields=["name"])
            version = version_model.objects.create(
                rule_set=rule_set,
                version=(latest.version + 1) if latest else 1,
                checksum=checksum,
                definition=definition,
                loaded_at=timezone.now(),
            )
            rule_model.objects.bulk_create(
                rule_model(
                    version=version,
                    code=raw["code"],
                    title=raw["title"],
                    position=position,
                    definition=raw,
                )
                for position, raw in enumerate(definition["rules"])
            )
            created.append(version)
    return created


def calendar_fill(*, apps: Apps | None = None) -> int:
    """Write the working-day calendar table the set-based rebuild joins (idempotent)."""
    model = apps.get_model("care", "CalendarDay") if apps else CalendarDay
    table = working_day_table()
    if model.objects.count() == len(table.is_working):
        return 0
    with transaction.atomic():
        model.objects.all().delete()
        model.objects.bulk_create(
            (model(day=day, is_working=w, working_index=i) for day, w, i in table.rows()),
            batch_size=5000,
        )
    return len(table.is_working)


@transaction.atomic
def care_policy_set(
    *, force: Force, rule_set_code: str, effective_from: date | None = None
) -> ForceCarePolicy:
    """Choose the rule set a force runs for cases reported from ``effective_from`` (every
    case when not given); cases already clocked keep their version."""
    try:
        rule_set = RuleSet.objects.get(code=rule_set_code)
    except RuleSet.DoesNotExist:
        codes = ", ".join(RuleSet.objects.values_list("code", flat=True))
        raise CareError(f"Unknown rule set {rule_set_code!r}; choose one of: {codes}") from None
    policy, _ = ForceCarePolicy.objects.update_or_create(
        force=force,
        defaults={
            "rule_set": rule_set,
            "effective_from": effective_from,
            "changed_at": timezone.now(),
        },
    )
    return policy


def report_day(reported_at: datetime) -> date:
    """The day (London time) a report was made: the Code in force that day applies."""
    return timezone.localtime(reported_at, LONDON).date()


# Which rule set a case reported on a day is clocked under, as SQL over the parameters
# (force id, day, day, day): the force's own choice from its effective day, else the
# national Code in force that day, else the oldest Code (a report before any), else the
# default. One expression, shared by the clock's one-statement start and the look-up below.
RULE_SET_CHOICE_SQL = f"""COALESCE(
  (SELECT rule_set_id FROM {ForceCarePolicy._meta.db_table}
   WHERE force_id = %s AND (effective_from IS NULL OR effective_from <= %s)),
  (SELECT id FROM {RuleSet._meta.db_table} WHERE in_force_from <= %s
   ORDER BY in_force_from DESC LIMIT 1),
  (SELECT id FROM {RuleSet._meta.db_table} WHERE in_force_from IS NOT NULL
   ORDER BY in_force_from LIMIT 1),
  (SELECT id FROM {RuleSet._meta.db_table} WHERE code = %s))"""  # noqa: S608 (the models' own table names)


def rule_set_choice_params(force_id: int, day: date) -> list[Any]:
    value = connection.ops.adapt_datefield_value(day)
    return [force_id, value, value, DEFAULT_RULE_SET]


def rule_set_version_for(force_id: int, day: date) -> RuleSetVersion:
    """The newest version of the rule set a case of the force reported on ``day`` is
    clocked under (``RULE_SET_CHOICE_SQL``)."""
    version = _rule_set_version_newest(force_id, day)
    if version is None and not RuleSetVersion.objects.exists():
        # The rule sets ship as data with the package; a database emptied since its
        # migrations ran (a flushed test database, a restored dump) gets them back here.
        rule_sets_load()
        version = _rule_set_version_newest(force_id, day)
    if version is None:
        raise CareError("No rule sets are loaded: run the care migrations")
    return version


def _rule_set_version_newest(force_id: int, day: date) -> RuleSetVersion | None:
    found = list(
        RuleSetVersion.objects.raw(
            f"""
            SELECT * FROM {RuleSetVersion._meta.db_table}
            WHERE rule_set_id = {RULE_SET_CHOICE_SQL}
            ORDER BY version DESC LIMIT 1
            """,  # noqa: S608 (the models' own table names)
            rule_set_choice_params(force_id, day),
        )
    )
    return found[0] if found else None


_RULES_CACHE: dict[tuple[int, str], list[RuleSpec]] = {}


def rules_for_version(version_id: int, checksum: str) -> list[RuleSpec]:
    """A version's parsed rules. Versions never change, so they are cached per process."""
    key = (version_id, checksum)
    if key not in _RULES_CACHE:
        rows = Rule.objects.filter(version_id=version_id).order_by("position")
        _RULES_CACHE[key] = [rule_spec(row.id, row.definition) for row in rows]
    return _RULES_CACHE[key]
