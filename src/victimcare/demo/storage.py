"""Storing millions of generated rows quickly.

``bulk_create`` spends most of its time compiling SQL value by value; at the national
scale (six million cases, some forty million rows) that is hours. The writer here takes
the same unsaved model instances, gives them ids itself and sends each table one
``executemany``. It reads every concrete field from the instances, so a field added to
a model later (with a default) is stored without changing this code.

Ids are handed out from the table's current maximum, so nothing else may insert into
these tables while a demo world is built; PostgreSQL sequences are moved on afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Max, Model
from django.db.models.fields.related import ForeignKey
from django.utils import timezone

# Fields whose Python values the database driver cannot take as they are.
_CONVERTED_TYPES = {
    "DateTimeField",
    "DateField",
    "TimeField",
    "DurationField",
    "DecimalField",
    "UUIDField",
    "JSONField",
    "BinaryField",
}


class RowWriter:
    """Inserts unsaved instances of one model, with explicit ids."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        # The connection itself, not the django.db.connection proxy: it is asked for
        # every value.
        self.connection = connection = connections[DEFAULT_DB_ALIAS]
        meta = model._meta
        self.fields = list(meta.concrete_fields)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in self.fields)  # type: ignore[arg-type]  # (concrete)
        placeholders = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
        # A primary key that is also a relation (one-to-one) comes from the related row.
        self.allocates_ids = not meta.pk.is_relation
        self.next_id = 0
        if self.allocates_ids:
            self.next_id = (model._base_manager.aggregate(top=Max("pk"))["top"] or 0) + 1

    def ids_assign(self, objs: Iterable[Model]) -> None:
        if not self.allocates_ids:
            return
        next_id = self.next_id
        for obj in objs:
            obj.pk = next_id
            next_id += 1
        self.next_id = next_id

    def insert(self, objs: list[Model]) -> None:
        """Insert ``objs`` (ids assigned first if they have none)."""
        if not objs:
            return
        if self.allocates_ids and objs[0].pk is None:
            self.ids_assign(objs)
        readers = [self._reader(field) for field in self.fields]
        rows: list[tuple[Any, ...]] = [tuple(read(obj) for read in readers) for obj in objs]
        with self.connection.cursor() as cursor:
            cursor.executemany(self.sql, rows)

    def _reader(self, field) -> Callable[[Model], object]:
        attname, connection = field.attname, self.connection
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            now = field.get_db_prep_save(timezone.now(), connection)
            return lambda _obj: now
        if isinstance(field, ForeignKey):
            # Rows generated together point at each other by instance; their ids were
            # given out just before, so take the id from the related instance.
            def related_id(obj, field=field, attname=attname):
                value = getattr(obj, attname)
                if value is None and field.is_cached(obj):
                    related = field.get_cached_value(obj)
                    value = related.pk if related is not None else None
                return value

            return related_id
        internal_type = field.get_internal_type()
        if internal_type == "DateTimeField":
            # What get_db_prep_save() ends in, without its checks for naive datetimes:
            # the generator makes only aware ones.
            adapt = connection.ops.adapt_datetimefield_value
            return lambda obj: adapt(getattr(obj, attname))
        if internal_type in _CONVERTED_TYPES:
            prepare = field.get_db_prep_save
            return lambda obj: prepare(getattr(obj, attname), connection)
        return lambda obj: getattr(obj, attname)


def database_tune_for_bulk_load() -> None:
    """Give SQLite a larger page cache for this connection: the indexes of a national world
    (random victim pseudonyms among them) are far larger than its 2 MB default, and every
    insert would otherwise wait on disk. PostgreSQL manages its own buffers."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # in KiB: 256 MiB


def sequences_reset(models: list[type[Model]]) -> None:
    """Move PostgreSQL id sequences past the ids given out here (SQLite needs nothing)."""
    connection = connections[DEFAULT_DB_ALIAS]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
