"""Property held for a case (Victims' Code right 10), and the rule sets with Rights 5 and 10
clocked (compensation information at the needs assessment, information about property
held) as new versions: the old versions stay, and the cases clocked under them keep them
until a rebuild re-clocks them under the rules of their report date. Frozen data only."""

import hashlib
import json
from datetime import date

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from victimcare.care.migrations._0006_data import RULE_SETS


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
    dependencies = [
        ("care", "0005_rule_sets_by_report_date"),
        ("cases", "0007_event_kinds_issue15"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PropertyHeld",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "description",
                    models.CharField(
                        help_text="What is held, so that the victim recognises it (they see this)",
                        max_length=500,
                    ),
                ),
                ("taken_on", models.DateField(help_text="The day the police took it")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("held", "Held by the police"),
                            ("returned", "Returned"),
                            ("kept", "Kept by the police"),
                        ],
                        default="held",
                        max_length=16,
                    ),
                ),
                (
                    "returned_on",
                    models.DateField(
                        blank=True,
                        help_text="The day it was given back (status returned)",
                        null=True,
                    ),
                ),
                (
                    "kept_reason",
                    models.TextField(
                        blank=True,
                        help_text="Why the police keep it (status kept), in words the victim understands",
                        max_length=1000,
                    ),
                ),
                ("recorded_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField()),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="property_held",
                        to="cases.case",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["taken_on", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("returned_on__isnull", True),
                            ("returned_on__gte", models.F("taken_on")),
                            _connector="OR",
                        ),
                        name="property_returned_after_taken",
                    )
                ],
            },
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
