import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forces", "0005_peer_group_source"),
    ]

    operations = [
        migrations.CreateModel(
            name="PeerList",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="What the comparison is called, e.g. the group's name",
                        max_length=120,
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        blank=True,
                        help_text="Who published the list, from its file",
                        max_length=300,
                    ),
                ),
                ("source_url", models.URLField(blank=True, max_length=500)),
                (
                    "source_date",
                    models.DateField(
                        blank=True, help_text="The date of the list, from its file", null=True
                    ),
                ),
                (
                    "force",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="peer_list",
                        to="forces.force",
                    ),
                ),
                (
                    "peers",
                    models.ManyToManyField(related_name="peer_of", to="forces.force"),
                ),
            ],
            options={
                "ordering": ["force__name"],
            },
        ),
    ]
