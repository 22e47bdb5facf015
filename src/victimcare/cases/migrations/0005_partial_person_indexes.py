"""Indexes on the people a case or event names (officer in charge, recorder, the
event's author) leave out the rows that name nobody: imported cases and system events,
which then cost no index update when written."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_drop_redundant_indexes'),
        ('forces', '0002_team'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='cases_case_officer_7520e3_idx',
        ),
        migrations.AlterField(
            model_name='case',
            name='recorded_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('officer_in_charge__isnull', False)), fields=['officer_in_charge', 'status'], name='case_officer_status'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('recorded_by__isnull', False)), fields=['recorded_by'], name='case_recorded_by'),
        ),
        migrations.AddIndex(
            model_name='caseevent',
            index=models.Index(condition=models.Q(('by__isnull', False)), fields=['by'], name='caseevent_by'),
        ),
    ]
