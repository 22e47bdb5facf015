"""Each driver links to the training modules aimed at its stage and their rollout state,
on the drivers page and in the report pack (oversight asks the training app through
``core.registry``); a driver no module aims at says so."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import staff_make
from tests.oversight.factories import QUARTER, responses_make
from tests.training.factories import draft_module_make, published_module_make
from victimcare.accounts.constants import Role
from victimcare.oversight.report import report_pack_html

pytestmark = pytest.mark.django_db

NONE_YET = "no training module aims at this yet"


@pytest.fixture
def mps():
    mps = responses_make(per_month=12, months=24, seed=8)[0]
    # Kept informed: one published (assigned to the frontline roles: rolled out).
    published_module_make(force=mps)
    # Treatment: a draft only.
    module, *_ = draft_module_make(force=mps, code="treated-with-respect")
    module.measure = "treatment"
    module.save()
    return mps


def _cell(html: str, stage: str) -> str:
    row = re.search(rf'<tr class="govuk-table__row" data-stage="{stage}">(.*?)</tr>', html, re.S)
    assert row, stage
    return row.group(1)


def test_the_drivers_page_links_each_driver_to_the_training_aimed_at_it(client, mps):
    lead = staff_make(Role.SUPERVISOR, force=mps)
    client.force_login(lead)
    html = client.get(
        reverse("oversight:drivers", kwargs={"code": "MPS"}), {"quarter": QUARTER.code}
    ).content.decode()
    informed = _cell(html, "kept_informed")
    assert 'data-module="keeping-informed" data-state="rolled_out"' in informed
    assert re.search(
        r'<a class="govuk-link" href="/training/\d+/">Keeping victims informed</a>', informed
    )
    assert "Rolled out (assigned from" in informed
    treatment = _cell(html, "treatment")
    assert 'data-state="draft"' in treatment
    assert "Draft: not yet published" in treatment
    for stage in ("ease_of_contact", "actions_taken"):
        assert NONE_YET in _cell(html, stage)


def test_someone_who_may_not_open_a_module_sees_its_name_and_state_without_a_link(client, mps):
    client.force_login(staff_make(Role.ANALYST, force=mps))
    html = client.get(
        reverse("oversight:drivers", kwargs={"code": "MPS"}), {"quarter": QUARTER.code}
    ).content.decode()
    informed = _cell(html, "kept_informed")
    assert "Keeping victims informed (keeping-informed)" in informed
    assert "/training/" not in informed


def test_the_report_pack_names_the_training_aimed_at_each_driver_and_its_state(mps):
    html = report_pack_html(force=mps, quarter=QUARTER)
    drivers = html[html.index('id="drivers"') : html.index('id="method"')]
    assert re.search(
        r'data-module="keeping-informed" data-state="rolled_out">Keeping victims informed '
        r"\(keeping-informed\): Rolled out \(assigned from",
        drivers,
    )
    assert 'data-module="treated-with-respect" data-state="draft"' in drivers
    assert drivers.count(NONE_YET) == 2
    assert "/training/" not in drivers


def test_a_force_without_training_says_no_module_aims_at_any_driver(client):
    mps = responses_make(per_month=12, months=24, seed=8)[0]
    client.force_login(staff_make(Role.ANALYST, force=mps))
    html = client.get(
        reverse("oversight:drivers", kwargs={"code": "MPS"}), {"quarter": QUARTER.code}
    ).content.decode()
    assert html.count(NONE_YET) == 4
