"""Peer groups come from a file a force or inspectorate can replace with the official most
similar groups: its source and date are kept, unknown forces are refused with a clear
error and nothing is written."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.factories import force_make
from victimcare.cli import main
from victimcare.forces.models import Force, PeerGroup
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
    group = PeerGroup.objects.get()
    assert (group.code, group.source, group.source_date) == (
        "msg-met",
        "Home Office, most similar groups",
        date(2026, 4, 1),
    )
    assert group.source_url == OFFICIAL["url"]
    for force in (mps, gmp, wmp):
        force.refresh_from_db()
    assert mps.peer_group == wmp.peer_group == group
    assert gmp.peer_group is None  # the file leaves it out


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
    before = list(Force.objects.values_list("code", "peer_group_id"))
    with pytest.raises(PeerGroupsFileError, match=message):
        peer_groups_load(path=_write(tmp_path, {**OFFICIAL, **change}))
    assert list(Force.objects.values_list("code", "peer_group_id")) == before
    assert list(PeerGroup.objects.values_list("code", flat=True)) == ["metropolitan"]


@pytest.mark.django_db
def test_the_peer_groups_command_loads_a_file_and_check_changes_nothing(tmp_path, capsys):
    for code in ("MPS", "WMP"):
        force_make(code)
    path = _write(tmp_path, OFFICIAL)
    assert main(["peer-groups", "--file", str(path), "--check"]) == 0
    assert not PeerGroup.objects.filter(code="msg-met").exists()
    assert main(["peer-groups", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "source: Home Office, most similar groups; dated 1 April 2026" in out
    assert PeerGroup.objects.filter(code="msg-met").exists()
    bad = _write(tmp_path, "{not json")
    assert main(["peer-groups", "--file", str(bad)]) == 2
    assert "not JSON" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_setting_names_the_file_loaded_by_default(tmp_path, settings):
    for code in ("MPS", "WMP"):
        force_make(code)
    settings.PEER_GROUPS_FILE = str(_write(tmp_path, OFFICIAL))
    assert peer_groups_load()["source"] == "Home Office, most similar groups"
