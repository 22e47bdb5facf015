from django.db import migrations


def load(apps, schema_editor):
    from victimcare.care.services import calendar_fill, rule_sets_load

    rule_sets_load(apps=apps)
    calendar_fill(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
