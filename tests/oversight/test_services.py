"""Oversight users set targets for the forces they oversee; every change is versioned
(who, what, when, why)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.factories import area_make, force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.oversight.services import TargetError, target_create, target_retire, target_update

pytestmark = pytest.mark.django_db


def _target(user, force, **overrides):
    values = {
        "measure": "whole_experience",
        "kind": "level",
        "value": 80.0,
        "deadline": date(2027, 3, 31),
        "baseline_quarter": "2026q1",
    }
    values.update(overrides)
    return target_create(user=user, force=force, **values)


def test_a_target_starts_at_version_one_with_its_values_recorded():
    mps = force_make("MPS")
    user = staff_make(Role.OVERSIGHT, force=mps)
    target = _target(user, mps, reason="Committee recommendation 1")
    (version,) = target.versions.all()
    assert (target.version, target.baseline_quarter) == (1, "2026Q1")
    assert version.changed_by == user
    assert version.values["value"] == 80.0
    assert version.reason == "Committee recommendation 1"


def test_a_change_is_a_new_version_saying_what_changed_and_who_changed_it():
    mps = force_make("MPS")
    user = staff_make(Role.OVERSIGHT, force=mps)
    target = _target(user, mps)
    other = staff_make(Role.OVERSIGHT, force=mps)
    target = target_update(user=other, target=target, value=82.0, reason="More challenging")
    latest = target.versions.order_by("-version").first()
    assert target.version == 2
    assert latest.changes == {"value": [80.0, 82.0]}
    assert latest.changed_by == other
    # The same values again change nothing.
    assert target_update(user=other, target=target, value=82.0).version == 2
    target_retire(user=user, target=target)
    assert target.versions.count() == 3


@pytest.mark.parametrize(
    ("role", "oversees_it"),
    [(Role.ANALYST, True), (Role.SUPERVISOR, True), (Role.OVERSIGHT, False)],
)
def test_only_oversight_users_of_the_force_set_targets(role, oversees_it):
    mps, gmp = force_make("MPS"), force_make("GMP")
    user = staff_make(role, force=mps if oversees_it else gmp)
    with pytest.raises(TargetError):
        _target(user, mps)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"value": 120.0}, "value"),
        ({"kind": "gap", "value": 70.0}, "value"),
        ({"baseline_quarter": "2026Q5"}, "baseline_quarter"),
        ({"deadline": date(2026, 2, 1)}, "deadline"),
        ({"scope": "area"}, "area"),
        ({"scope": "group"}, "group"),
    ],
)
def test_invalid_targets_are_refused_with_the_field_at_fault(overrides, field):
    mps = force_make("MPS")
    user = staff_make(Role.OVERSIGHT, force=mps)
    with pytest.raises(ValidationError) as problem:
        _target(user, mps, **overrides)
    assert field in problem.value.message_dict


def test_an_area_target_needs_an_area_of_the_same_force():
    mps, gmp = force_make("MPS"), force_make("GMP")
    user = staff_make(Role.OVERSIGHT, force=mps)
    with pytest.raises(ValidationError):
        _target(user, mps, scope="area", area=area_make(gmp, "Bolton"))
    target = _target(user, mps, scope="area", area=area_make(mps, "Hackney"))
    assert target.area.name == "Hackney"
