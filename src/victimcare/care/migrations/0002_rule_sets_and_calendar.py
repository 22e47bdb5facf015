"""The shipped rule sets and the working-day calendar, as they were when this migration was
written. Everything it needs is here or in ``_0002_data`` (historical models, frozen data),
never the live services: a later change to them cannot change what this migration does."""

import hashlib
import json
from datetime import date, timedelta

from django.db import migrations
from django.utils import timezone

from victimcare.care.migrations._0002_data import BANK_HOLIDAYS, FIRST_DAY, LAST_DAY, RULE_SETS


def _checksum(definition: dict) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def rule_sets_load(apps):
    """A version of each rule set, unless its newest version has the same checksum."""
    rule_set_model = apps.get_model("care", "RuleSet")
    version_model = apps.get_model("care", "RuleSetVersion")
    rule_model = apps.get_model("care", "Rule")
    for definition in RULE_SETS:
        rule_set, _ = rule_set_model.objects.get_or_create(
            code=definition["code"], defaults={"name": definition["name"]}
        )
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


def calendar_fill(apps):
    """Every calendar day from FIRST_DAY to LAST_DAY: whether it is a working day (Monday to
    Friday, not a bank holiday) and how many working days there are up to and including it."""
    model = apps.get_model("care", "CalendarDay")
    first, last = date.fromisoformat(FIRST_DAY), date.fromisoformat(LAST_DAY)
    holidays = {date.fromisoformat(day) for day in BANK_HOLIDAYS}
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if model.objects.count() == len(days):
        return
    rows, index = [], 0
    for day in days:
        working = day.weekday() < 5 and day not in holidays
        index += working
        rows.append(model(day=day, is_working=working, working_index=index))
    model.objects.all().delete()
    model.objects.bulk_create(rows, batch_size=5000)


def load(apps, schema_editor):  # noqa: ARG001 (RunPython passes the schema editor)
    rule_sets_load(apps)
    calendar_fill(apps)


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
