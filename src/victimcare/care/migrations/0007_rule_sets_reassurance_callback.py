"""The care practice trials' ``reassurance_callback`` rule in every rule set, as a new
version of each (the old versions stay, and the cases clocked under them keep them).
Frozen data only."""

import hashlib
import json
from datetime import date

from django.db import migrations
from django.utils import timezone

from victimcare.care.migrations._0007_data import RULE_SETS


def _checksum(definition: dict) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load(apps, schema_editor):  # noqa: ARG001 (RunPython passes the schema editor)
    """A new version of each rule set, unless its newest version has the same checksum."""
    rule_set_model = apps.get_model("care", "RuleSet")
    version_model = apps.get_model("care", "RuleSetVersion")
    rule_model = apps.get_model("care", "Rule")
    for definition in RULE_SETS:
        rule_set, _ = rule_set_model.objects.get_or_create(
            code=definition["code"], defaults={"name": definition["name"]}
        )
        start = definition.get("in_force_from")
        rule_set.name = definition["name"]
        rule_set.in_force_from = date.fromisoformat(start) if start else None
        rule_set.save(update_fields=["name", "in_force_from"])
        latest = version_model.objects.filter(rule_set=rule_set).order_by("-version").first()
        checksum = _checksum(definition)
        if latest is not None and latest.checksum == checksum:
            continue
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


class Migration(migrations.Migration):
    dependencies = [("care", "0006_property_held_and_rights_5_10")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
