"""Each force in a peer group gets its own peer list: the other forces of its group, with
the group's name, source and date (groups were symmetric; lists need not be)."""

from django.db import migrations


def lists_from_groups(apps, schema_editor):
    Force = apps.get_model("forces", "Force")
    PeerList = apps.get_model("forces", "PeerList")
    for force in Force.objects.exclude(peer_group=None).select_related("peer_group"):
        group = force.peer_group
        peers = Force.objects.filter(peer_group=group).exclude(pk=force.pk)
        if not peers.exists():
            continue
        peer_list = PeerList.objects.create(
            force=force,
            name=group.name,
            source=group.source,
            source_url=group.source_url,
            source_date=group.source_date,
        )
        peer_list.peers.set(peers)


def groups_from_lists(apps, schema_editor):
    """Back: a force joins a group named as its list (forces with identical names share it)."""
    PeerGroup = apps.get_model("forces", "PeerGroup")
    PeerList = apps.get_model("forces", "PeerList")
    for number, peer_list in enumerate(PeerList.objects.select_related("force"), start=1):
        group = PeerGroup.objects.filter(name=peer_list.name).first()
        if group is None:
            group = PeerGroup.objects.create(
                code=f"list-{number}",
                name=peer_list.name,
                source=peer_list.source,
                source_url=peer_list.source_url,
                source_date=peer_list.source_date,
            )
        peer_list.force.peer_group = group
        peer_list.force.save(update_fields=["peer_group"])


class Migration(migrations.Migration):
    dependencies = [
        ("forces", "0006_peer_lists"),
    ]

    operations = [migrations.RunPython(lists_from_groups, groups_from_lists)]
