"""Obligation indexes for what reads them: a partial index of outstanding obligations
by officer and deadline (the worklist), officer by clock start (compliance for one
officer), and open obligations by deadline (the breach check), in place of two full
indexes that started with the status text."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('care', '0002_rule_sets_and_calendar'),
        ('cases', '0004_drop_redundant_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='obligation',
            name='care_obliga_officer_9eb91a_idx',
        ),
        migrations.RemoveIndex(
            model_name='obligation',
            name='care_obliga_status_7e1b37_idx',
        ),
        migrations.AddIndex(
            model_name='obligation',
            index=models.Index(condition=models.Q(('status', 'open'), ('status', 'breached'), _connector='OR'), fields=['officer', 'due_at', 'id'], name='obligation_worklist'),
        ),
        migrations.AddIndex(
            model_name='obligation',
            index=models.Index(fields=['officer', 'triggered_at'], name='obligation_officer_period'),
        ),
        migrations.AddIndex(
            model_name='obligation',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['due_at'], name='obligation_open_due'),
        ),
    ]
