"""Rule sets chosen by the report date: the day a national Code came into force, the day a
force's local choice takes effect, and the rule sets of issue 15 as new versions (the old
versions stay, and the cases clocked under them keep them). Frozen data only."""

import hashlib
import json
from datetime import date

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

from victimcare.care.migrations._0005_data import RULE_SETS


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
    dependencies = [("care", "0004_referral_decline_reason_and_notes"), ("cases", "0007_event_kinds_issue15")]

    operations = [
        migrations.AddField(
            model_name="forcecarepolicy",
            name="effective_from",
            field=models.DateField(
                blank=True,
                help_text="Cases reported from this day (London time) are clocked under the "
                "force's rule set; earlier ones under the national Code in force when they "
                "were reported. Blank: every case, whenever reported.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="ruleset",
            name="in_force_from",
            field=models.DateField(
                blank=True,
                help_text="For a national Victims' Code: the day it came into force. Cases "
                "reported from then (until the next Code) are clocked under it. Blank for a "
                "local rule set.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="needsassessment",
            name="update_every_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="How often the victim wants updates, in days (blank: the rule "
                "set's default)",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="assessment",
            field=models.ForeignKey(
                blank=True,
                help_text="The needs assessment the referral rests on (none: an opt-out "
                "referral sent before any assessment)",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="referrals",
                to="care.needsassessment",
            ),
        ),
        migrations.AlterField(
            model_name="needsassessment",
            name="needs",
            field=models.JSONField(blank=True, default=list, help_text="Codes from Need"),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
