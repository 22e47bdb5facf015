from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("forces", "0007_peer_lists_from_groups"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="force",
            name="peer_group",
        ),
        migrations.DeleteModel(
            name="PeerGroup",
        ),
    ]
