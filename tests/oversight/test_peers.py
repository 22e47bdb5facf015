"""Each force is compared with its own list of most similar forces, as the official most
similar groups are: lists overlap and need not be mutual (the Met's list may name Greater
Manchester while Greater Manchester's does not name the Met). League table, drivers,
report pack, dashboard, the all-forces page and the API each use the force's own list."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.factories import force_make, staff_make
from tests.oversight.factories import QUARTER, responses_make
from victimcare.accounts.constants import Role
from victimcare.forces.services import peer_groups_load
from victimcare.oversight import figure_services, selectors
from victimcare.oversight.report import report_pack_html

pytestmark = pytest.mark.django_db

LISTS = {
    "source": "Home Office most similar groups (test)",
    "as_of": "2026-04-01",
    "most_similar": [
        {"force": "MPS", "peers": ["GMP"], "name": "The Met's most similar forces"},
        {"force": "GMP", "peers": ["WMP", "AAA"]},
    ],
}


@pytest.fixture
def world(tmp_path):
    forces = responses_make(
        [
            force_make("MPS", "Metropolitan Police Service"),
            force_make("GMP", "Greater Manchester Police"),
            force_make("WMP", "West Midlands Police"),
            force_make("AAA", "Avon Police"),
        ],
        months=12,
        per_month=30,
    )
    path = tmp_path / "msg.json"
    path.write_text(json.dumps(LISTS))
    peer_groups_load(path=path)
    return {f.code: f for f in forces}


def _codes(rows) -> set[str]:
    return {r["code"] for r in rows}


def test_each_force_is_compared_with_its_own_list(world):
    """MPS names GMP; GMP names WMP and AAA but not MPS; WMP has no list (all forces)."""
    assert {f.code for f in selectors.peer_forces(force=world["MPS"])} == {"MPS", "GMP"}
    assert {f.code for f in selectors.peer_forces(force=world["GMP"])} == {"GMP", "WMP", "AAA"}
    assert len(selectors.peer_forces(force=world["WMP"])) == 4
    mps = figure_services.league_compute(force=world["MPS"], quarter=QUARTER)
    gmp = figure_services.league_compute(force=world["GMP"], quarter=QUARTER)
    assert _codes(mps["rows"]) == {"MPS", "GMP"}
    assert _codes(gmp["rows"]) == {"GMP", "WMP", "AAA"}  # the Met is not in GMP's list
    assert mps["group_label"] == "The Met's most similar forces"
    assert gmp["group_label"] == "Forces most similar to Greater Manchester Police"
    assert mps["peers"]["forces"] == ["Greater Manchester Police"]
    assert gmp["peers"]["forces"] == ["Avon Police", "West Midlands Police"]
    # A cached table of one force is never served for another with a different list.
    again = figure_services.league_compute(force=world["MPS"], quarter=QUARTER)
    assert _codes(again["rows"]) == {"MPS", "GMP"}


def test_drivers_compare_each_force_with_its_own_peers(world):
    mps = figure_services.drivers_compute(force=world["MPS"], quarter=QUARTER, use_cache=False)
    gmp = figure_services.drivers_compute(force=world["GMP"], quarter=QUARTER, use_cache=False)
    assert gmp["peers"]["forces"] == ["Avon Police", "West Midlands Police"]
    mps_peers = {r["stage"]: r["peers"]["n"] for r in mps["rows"]}
    gmp_peers = {r["stage"]: r["peers"]["n"] for r in gmp["rows"]}
    # GMP's peers (WMP and AAA) have twice the responses of the Met's (GMP alone).
    for stage, n in mps_peers.items():
        assert gmp_peers[stage] == pytest.approx(2 * n, rel=0.15)


def test_pages_and_pack_name_each_forces_own_peers_with_source_and_date(client, world):
    oversight = staff_make(Role.OVERSIGHT, force=world["MPS"])
    oversight.oversees.set(world.values())
    client.force_login(oversight)
    wanted = "Source of the groups: Home Office most similar groups (test), dated 1 April 2026"
    for name in ("oversight:dashboard", "oversight:league", "oversight:drivers"):
        html = client.get(
            reverse(name, kwargs={"code": "GMP"}), {"quarter": QUARTER.code}
        ).content.decode()
        assert "Peers of Greater Manchester Police" in html, name
        assert "Avon Police, West Midlands Police" in html, name
        assert wanted in html, name
    league = client.get(
        reverse("oversight:league", kwargs={"code": "GMP"}), {"quarter": QUARTER.code}
    ).content.decode()
    assert "Metropolitan Police Service" not in league.split("<main", 1)[1].split("</main>")[0]
    pack = report_pack_html(force=world["MPS"], quarter=QUARTER)
    assert "Peers of Metropolitan Police Service" in pack
    assert "The Met&#x27;s most similar forces" in pack or "The Met's most similar forces" in pack
    # The all-forces page (HMICFRS's view) shows each force's own list.
    index = client.get(reverse("oversight:index")).content.decode()
    assert (
        'data-peers="GMP">Forces most similar to Greater Manchester Police: Avon Police, ' in index
    )
    assert "No list of most similar forces" in index  # West Midlands has none
    assert wanted in index


def test_the_api_gives_each_forces_own_peers(client, world):
    oversight = staff_make(Role.OVERSIGHT, force=world["MPS"])
    oversight.oversees.set(world.values())
    client.force_login(oversight)
    rows = {f["code"]: f for f in client.get("/api/v1/forces").json()}
    assert rows["MPS"]["peers"] == ["GMP"]
    assert rows["GMP"]["peers"] == ["AAA", "WMP"]
    assert rows["WMP"]["peers"] == []
    assert rows["WMP"]["peer_group"] is None
