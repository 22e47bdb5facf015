"""The column lists of the care fast paths (plain SQL in the clock and the rebuild) name
exactly the model's fields: a field added to a model but not listed, or listed but gone
from the model, fails here before it fails in a write."""

import dataclasses

import pytest

from victimcare.care.clock import (
    CLOCK_COLUMNS,
    KEY_FIELDS,
    OBLIGATION_COLUMNS,
    STATE_FIELDS,
    ObligationState,
)
from victimcare.care.models import CaseClock, Obligation
from victimcare.care.services import clock as clock_service


def columns(model, *, with_pk: bool) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if with_pk or f is not model._meta.pk]


COLUMN_LISTS_NAME_EVERY_MODEL_FIELD = [
    pytest.param(OBLIGATION_COLUMNS, columns(Obligation, with_pk=False), id="obligation"),
    pytest.param(
        clock_service._STORED_COLUMNS,
        ["id", *(name for name in columns(Obligation, with_pk=False) if name != "case_id")],
        id="obligation-as-replayed",
    ),
    pytest.param(CLOCK_COLUMNS, columns(CaseClock, with_pk=True), id="case-clock"),
]


@pytest.mark.parametrize(("listed", "model_columns"), COLUMN_LISTS_NAME_EVERY_MODEL_FIELD)
def test_column_lists_name_every_model_field(listed, model_columns):
    assert len(set(listed)) == len(listed), "a column is listed twice"
    assert set(listed) == set(model_columns)


def test_the_replay_reads_every_datetime_column_as_a_datetime():
    datetimes = {
        f.attname
        for f in Obligation._meta.concrete_fields
        if f.get_internal_type() == "DateTimeField"
    }
    assert datetimes == clock_service._STORED_DATETIMES
    assert datetimes <= set(OBLIGATION_COLUMNS)


def test_an_obligation_state_sets_exactly_the_state_columns():
    fields = {f.name for f in dataclasses.fields(ObligationState)}
    state = ObligationState(**dict.fromkeys(fields))
    assert tuple(state.values(officer_id=None)) == STATE_FIELDS
    assert set(KEY_FIELDS) <= fields
