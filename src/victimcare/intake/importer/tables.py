"""The importer's tables: each model's bulk insert, its column list built from the
model's ``_meta``, and the staging table SQLite's inserts select from."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model

from victimcare.cases.constants import EnhancedGround
from victimcare.intake.importer.check import ROW_FIELDS

if TYPE_CHECKING:
    import psycopg

NULL = "\\N"  # COPY text format
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

STAGE = "victimcare_import_stage"
# The staging table (SQLite): the batch's ids, reference and pseudonym, then a GoodRow.
STAGE_COLUMNS = ("case_id", "victim_id", "reference", "pseudonym", *ROW_FIELDS)


def _copy_text(value: object) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return str(value).translate(COPY_ESCAPES)


# Each table's fields the importer sets (the models' attnames, in the order of a COPY
# line), with what fills each in SQLite's INSERT ... SELECT from the staging table: one of
# STAGE_COLUMNS, or "?" for a value bound once a batch. ``Table`` checks both against the
# models' ``_meta`` and the staging table; every other field takes its model default.
SET = "?"
CASE_FIELDS = {
    "id": "case_id",
    "reference": "reference",
    "force_id": SET,
    "area_id": "area_id",
    "crime_type_id": "crime_type_id",
    "reported_at": "reported_at",
    "occurred_at": "occurred_at",
    "channel": SET,
    "status": "status",
    "summary": "summary",
    "created_at": SET,
    "hate_element": "hate_element",
}
VICTIM_FIELDS = {
    "id": "victim_id",
    "case_id": "case_id",
    "pseudonym": "pseudonym",
    # The enhanced grounds (cases/grounds.py): the four flags, then their entries.
    **{ground: ground for ground in EnhancedGround.values},
    "enhanced_grounds": "enhanced_grounds",
}
DETAILS_FIELDS = {"victim_id": "victim_id"} | {
    name: name
    for name in (
        "given_name",
        "family_name",
        "date_of_birth",
        "email",
        "phone",
        "address",
        "postcode",
        "preferred_contact",
        "times_to_avoid",
        "phone_is_safe",
    )
}
EVENT_FIELDS = {
    "case_id": "case_id",
    "kind": SET,
    "at": "reported_at",
    "recorded_at": SET,
    "detail": SET,
    "victim_text": SET,
}
EXTERNAL_FIELDS = {
    "case_id": "case_id",
    "force_id": SET,
    "system": SET,
    "external_id": "external_id",
}


class Table:
    """One model's bulk insert: the fields the importer sets (``fields``: attname -> what
    fills it from the staging table, in order), then every other column at its model
    default, so a column added later keeps working."""

    def __init__(self, model: type[Model], fields: dict[str, str]) -> None:
        self.table = model._meta.db_table
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        given = tuple(fields)
        for name, source in fields.items():
            if name not in by_attname:
                raise ImproperlyConfigured(f"{self.table} has no field {name}")
            if source != SET and source not in STAGE_COLUMNS:
                raise ImproperlyConfigured(f"the staging table has no column {source}")
        self.stage_select = ", ".join(fields.values())
        self.given_columns = {by_attname[n].column for n in given}
        rest = [
            f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key
        ]
        for f in rest:
            if f.unique:
                raise ImproperlyConfigured(f"the importer must set {self.table}.{f.column}")
        quote = connection.ops.quote_name
        # Every column, as a COPY line or an INSERT ... SELECT gives them.
        # (concrete fields: each has a column)
        self.column_names: list[str] = [by_attname[n].column for n in given] + [  # type: ignore[assignment]
            f.column for f in rest
        ]
        self.columns = ", ".join(quote(c) for c in self.column_names)
        defaults = [f.get_default() for f in rest]
        # SQLite: bound once per INSERT ... SELECT. PostgreSQL: the end of every COPY line.
        self.default_params = [
            f.get_db_prep_save(v, connection) for f, v in zip(rest, defaults, strict=True)
        ]
        self.default_marks = "".join(", ?" for _ in rest)
        self.tail = "".join("\t" + _copy_text(v) for v in defaults) + "\n"
        # Table and column names come from the models, never from the file.
        self.copy_sql = f"COPY {quote(self.table)} ({self.columns}) FROM STDIN"

    def copy(self, raw: psycopg.Connection[Any], data: bytes) -> None:
        """PostgreSQL: one COPY of whole lines (each ending with ``self.tail``)."""
        with raw.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
            copy.write(data)

    def insert_from_stage(self, raw: sqlite3.Connection, params: list[Any]) -> None:
        """SQLite: one INSERT ... SELECT from the staging table; ``params`` fill the
        fields set once a batch ("?"), in order."""
        raw.execute(
            f"INSERT INTO {connection.ops.quote_name(self.table)} ({self.columns}) "  # noqa: S608 (names are our own or quoted; values are bound parameters)
            f"SELECT {self.stage_select}{self.default_marks} FROM temp.{STAGE} ORDER BY rowid",
            [*params, *self.default_params],
        )
