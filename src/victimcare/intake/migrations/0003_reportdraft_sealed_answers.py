"""Report drafts: answers sealed with a key from the victim's resume token; drafts per address.

The plain JSON ``answers`` column is replaced by ``answers_sealed`` (AES-GCM with a key
derived from the resume token, which the database never holds). Answers already stored in
plain text cannot be sealed here, because the tokens they would need are not in the
database: so this migration DELETES every draft not yet submitted. Their victims' resume
links stop working and they start again; drafts expire after 7 days anyway. Submitted
drafts hold no answers any more and are kept (their resume links still lead to the
confirmation page).

``client_scope`` (a keyed hash of the address a draft was started from) and its index serve
the limit on new drafts per address; drafts made before it have none and count for nobody.
"""

from django.db import migrations, models


def drop_unsubmitted_drafts(apps, schema_editor):
    ReportDraft = apps.get_model("intake", "ReportDraft")
    ReportDraft.objects.filter(submitted_case__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_alter_externalreference_force"),
    ]

    operations = [
        migrations.RunPython(drop_unsubmitted_drafts, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="reportdraft",
            name="answers",
        ),
        migrations.AddField(
            model_name="reportdraft",
            name="answers_sealed",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.AddField(
            model_name="reportdraft",
            name="client_scope",
            field=models.CharField(blank=True, max_length=80),
        ),
        migrations.AddIndex(
            model_name="reportdraft",
            index=models.Index(
                fields=["client_scope", "created_at"], name="intake_repo_client__b1504a_idx"
            ),
        ),
    ]
