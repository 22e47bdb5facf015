"""Peers come from a file a force or inspectorate can replace with the official most
similar groups: each force's own list (lists overlap and need not be mutual), or groups
whose members are each other's peers; its source and date are kept; unknown forces, a
force listed as its own peer and empty lists are refused with a clear error and nothing
is written."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from tests.factories import force_make
from victimcare.cli import main
from victimcare.forces.models import PeerList
from victimcare.forces.services import (
    PEER_GROUPS_FILE,
    REFERENCE_DATA_FILE,
    PeerGroupsFileError,
    peer_groups_load,
    peer_groups_read,
)

OFFICIAL = {
    "source": "Home Office, most similar groups",
    "url": "https://www.gov.uk/most-similar-groups",
    "as_of": "2026-04-01",
    "groups": [{"code": "msg-met", "name": "Official: the Met's group", "forces": ["MPS", "WMP"]}],
}


MOST_SIMILAR = {
    "source": "Home Office, most similar groups",
    "url": "https://www.gov.uk/most-similar-groups",
    "as_of": "2026-04-01",
    "most_similar": [
        {"force": "MPS", "peers": ["GMP", "WMP"]},
        {"force": "GMP", "peers": ["WMP", "WYP"], "name": "Greater Manchester's MSG"},
        {"force": "WMP", "peers": ["MPS"]},
    ],
}


def _peers() -> dict[str, set[str]]:
    return {
        p.force.code: set(p.peers.values_list("code", flat=True))
        for p in PeerList.objects.select_related("force")
    }


def _write(tmp_path, data) -> str:
    path = tmp_path / "groups.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_the_shipped_peer_groups_name_only_forces_of_the_reference_data():
    forces = {f["code"] for f in json.loads(REFERENCE_DATA_FILE.read_text())["forces"]}
    data = peer_groups_read(PEER_GROUPS_FILE)
    assert {m for g in data["groups"] for m in g["forces"]} <= forces
    assert data["source"]
    assert data["as_of"] == date(2026, 11, 28)
    assert "NOT the Home Office" in data["source"]


@pytest.mark.django_db
def test_a_replacement_file_replaces_the_groups_and_keeps_its_source_and_date(tmp_path):
    mps, gmp, wmp = force_make("MPS"), force_make("GMP"), force_make("WMP")
    peer_groups_load(path=_write(tmp_path, OFFICIAL))
    assert _peers() == {"MPS": {"WMP"}, "WMP": {"MPS"}}  # the file leaves GMP out
    peer_list = PeerList.objects.get(force=mps)
    assert (peer_list.name, peer_list.source, peer_list.source_date) == (
        "Official: the Met's group",
        "Home Office, most similar groups",
        date(2026, 4, 1),
    )
    assert peer_list.source_url == OFFICIAL["url"]
    assert not PeerList.objects.filter(force__in=[gmp]).exists()
    assert PeerList.objects.get(force=wmp).name == "Official: the Met's group"


@pytest.mark.django_db
def test_each_force_gets_its_own_overlapping_one_sided_list(tmp_path):
    """The official layout: MPS names GMP, GMP does not name MPS; WYP has no list of its
    own but is GMP's peer."""
    for code in ("MPS", "GMP", "WMP", "WYP"):
        force_make(code, f"{code} Police")
    peer_groups_load(path=_write(tmp_path, MOST_SIMILAR))
    assert _peers() == {"MPS": {"GMP", "WMP"}, "GMP": {"WMP", "WYP"}, "WMP": {"MPS"}}
    names = dict(PeerList.objects.values_list("force__code", "name"))
    assert names["GMP"] == "Greater Manchester's MSG"
    assert names["MPS"] == "Forces most similar to MPS Police"
    assert set(PeerList.objects.values_list("source_date", flat=True)) == {date(2026, 4, 1)}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"groups": [{"code": "g", "name": "G", "forces": ["MPS", "XYZ"]}]},
            "unknown force codes XYZ",
        ),
        (
            {
                "groups": [
                    {"code": "a", "name": "A", "forces": ["MPS", "GMP"]},
                    {"code": "b", "name": "B", "forces": ["MPS", "WMP"]},
                ]
            },
            "force MPS is in two groups",
        ),
        (
            {"groups": None, "most_similar": [{"force": "MPS", "peers": ["XYZ", "GMP"]}]},
            "unknown force codes XYZ",
        ),
        (
            {"groups": None, "most_similar": [{"force": "ABC", "peers": ["GMP"]}]},
            "unknown force codes ABC",
        ),
        (
            {"groups": None, "most_similar": [{"force": "MPS", "peers": ["GMP", "mps"]}]},
            "force MPS is listed as its own peer",
        ),
        (
            {"groups": None, "most_similar": [{"force": "MPS", "peers": []}]},
            "force MPS: 'peers' must list one or more force codes",
        ),
        (
            {"groups": None, "most_similar": [{"force": "MPS"}]},
            "force MPS: 'peers' must list one or more force codes",
        ),
        (
            {
                "groups": None,
                "most_similar": [
                    {"force": "MPS", "peers": ["GMP"]},
                    {"force": "MPS", "peers": ["WMP"]},
                ],
            },
            "force MPS has two lists",
        ),
        (
            {"groups": None, "most_similar": [{"force": "MPS", "peers": ["GMP", "GMP"]}]},
            "force MPS: GMP listed twice",
        ),
        ({"groups": None, "most_similar": []}, "'most_similar' must be a list of one or more"),
        (
            {"most_similar": [{"force": "MPS", "peers": ["GMP"]}]},
            "either 'most_similar'",
        ),
        ({"as_of": "April 2026"}, "'as_of' must be the date"),
        ({"source": ""}, "'source' must say who published"),
        ({"groups": [{"code": "g", "name": "G", "forces": ["MPS"]}]}, "two or more force codes"),
        ({"groups": [{"code": "Bad Code", "name": "G", "forces": ["MPS", "GMP"]}]}, "'code' must"),
        ({"url": "ftp://x"}, "'url' must be a web address"),
    ],
)
@pytest.mark.django_db
def test_a_bad_peer_groups_file_is_refused_clearly_and_nothing_is_written(
    tmp_path, change, message
):
    for code in ("MPS", "GMP", "WMP"):
        force_make(code)
    before = _peers()
    data = {**OFFICIAL, **change}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(PeerGroupsFileError, match=re.escape(message)):
        peer_groups_load(path=_write(tmp_path, data))
    assert _peers() == before
    assert set(PeerList.objects.values_list("name", flat=True)) == {"Large metropolitan forces"}


@pytest.mark.django_db
def test_the_peer_groups_command_loads_a_file_and_check_changes_nothing(tmp_path, capsys):
    for code in ("MPS", "WMP"):
        force_make(code)
    path = _write(tmp_path, OFFICIAL)
    assert main(["peer-groups", "--file", str(path), "--check"]) == 0
    assert not PeerList.objects.filter(name="Official: the Met's group").exists()
    assert main(["peer-groups", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "source: Home Office, most similar groups; dated 1 April 2026" in out
    assert PeerList.objects.filter(name="Official: the Met's group").count() == 2
    bad = _write(tmp_path, "{not json")
    assert main(["peer-groups", "--file", str(bad)]) == 2
    assert "not JSON" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_setting_names_the_file_loaded_by_default(tmp_path, settings):
    for code in ("MPS", "WMP"):
        force_make(code)
    settings.PEER_GROUPS_FILE = str(_write(tmp_path, OFFICIAL))
    assert peer_groups_load()["source"] == "Home Office, most similar groups"


@pytest.mark.django_db
def test_the_command_replaces_groups_with_each_forces_own_list(tmp_path, capsys):
    """Loading the per-force layout over groups replaces every force's list; a force the
    new file leaves out loses its list; a bad file afterwards changes nothing."""
    for code in ("MPS", "GMP", "WMP", "WYP"):
        force_make(code)
    assert main(["peer-groups", "--file", str(_write(tmp_path, MOST_SIMILAR))]) == 0
    out = capsys.readouterr().out
    assert "3 forces' own lists of peers" in out
    assert "  GMP (Greater Manchester's MSG): WMP, WYP" in out
    assert _peers() == {"MPS": {"GMP", "WMP"}, "GMP": {"WMP", "WYP"}, "WMP": {"MPS"}}
    bad = {**MOST_SIMILAR, "most_similar": [{"force": "WYP", "peers": ["WYP"]}]}
    assert main(["peer-groups", "--file", str(_write(tmp_path, bad))]) == 2
    assert "force WYP is listed as its own peer" in capsys.readouterr().err
    assert _peers() == {"MPS": {"GMP", "WMP"}, "GMP": {"WMP", "WYP"}, "WMP": {"MPS"}}


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_member_of_a_group_its_own_list():
    """Groups loaded before per-force lists become lists: each member's peers are the
    other members, with the group's name, source and date."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("forces", "0005_peer_group_source")])
    old = executor.loader.project_state([("forces", "0005_peer_group_source")]).apps
    group = old.get_model("forces", "PeerGroup").objects.create(
        code="metro", name="Metro", source="Home Office", source_date=date(2026, 4, 1)
    )
    old_force = old.get_model("forces", "Force")
    for code in ("MPS", "GMP", "WMP"):
        old_force.objects.create(code=code, name=code, peer_group=group)
    old_force.objects.create(code="COLP", name="COLP")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert _peers() == {"MPS": {"GMP", "WMP"}, "GMP": {"MPS", "WMP"}, "WMP": {"MPS", "GMP"}}
    assert set(PeerList.objects.values_list("name", "source", "source_date")) == {
        ("Metro", "Home Office", date(2026, 4, 1))
    }
