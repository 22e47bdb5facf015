"""Plain SQL for the hot path of reporting: a cursor whose statements PostgreSQL prepares
once, a plain INSERT of a model instance, and a cheap enqueue on the database task backend.

Django sends every query with its values written into the SQL text (psycopg's client-side
binding), so PostgreSQL parses and plans each one afresh, and psycopg quotes every value
into the text. The records-system API runs the same few statements for every report, up
to hundreds a second: parsing and planning them were a large share of the database's
work for a report, and the quoting a good part of ours (``benchmarks/bench_api.py``).

``prepared_cursor()`` is a Django cursor (queries logged and errors wrapped as usual)
whose statements are sent with their values apart (server-side binding). psycopg prepares
a statement on a connection once it has run ``prepare_threshold`` times there (set in
config/settings.py), and PostgreSQL then runs it without parsing or planning it again.
Only statements run through this cursor are prepared: Django's own cursors keep
client-side binding, which psycopg never prepares. (Behind a connection pooler in
transaction mode that does not support prepared statements, set ``prepare_threshold``
to None: this cursor then only binds server-side.) On SQLite it is the ordinary cursor.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorWrapper


def prepared_cursor() -> CursorWrapper:
    """A cursor for statements run on every report (use it in a ``with`` block)."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        return db.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    # As BaseDatabaseWrapper.cursor() does, with the server-side binding cursor class.
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        # (django-stubs types this as Django's cursor wrapper; it is psycopg's cursor class)
        cursor = ServerBindingCursor(db.connection)  # type: ignore[call-arg]
    return db.make_debug_cursor(cursor) if db.queries_logged else db.make_cursor(cursor)  # type: ignore[arg-type]


def row_insert(obj) -> None:
    """Insert a new model instance with one plain (prepared) INSERT, as ``save()`` would
    for a new row: the columns and values come from the model's fields (``pre_save``, so
    ``auto_now_add`` works, then ``get_db_prep_save``); an auto-increment id is read back.
    Signals are not sent, and nothing is validated."""
    db = connections[DEFAULT_DB_ALIAS]
    meta = type(obj)._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    quote = db.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 (names are our own or quoted; values are bound parameters)
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if meta.auto_field is not None:
        sql += f" RETURNING {quote(meta.auto_field.column)}"
    with prepared_cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields])
        if meta.auto_field is not None:
            obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = db.alias


def task_enqueue(task, *args) -> None:
    """``task.enqueue(*args)``, for a task queued on every report.

    With django-tasks' database backend (``django_tasks_db``, pinned in pyproject.toml)
    the row its ``enqueue()`` writes -- a DBTaskResult with the task's path, priority,
    queue and backend, the arguments as JSON, and ``run_after`` as its pre_save handler
    sets it -- is written here with one plain INSERT: the backend's ORM insert, and the
    two TaskResult objects it builds, cost more than a third of a millisecond a report.
    The ``task_enqueued`` signal is not sent (nothing in victimcare listens to it;
    django-tasks' own receiver only logs it at DEBUG). Any other backend (tests run the
    immediate one), or a backend with its own ``id_function``, gets ``task.enqueue``.
    tests/intake/test_api_writes.py holds the row to the one ``enqueue()`` writes."""
    from django_tasks_db import DatabaseBackend

    backend = task.get_backend()
    if type(backend) is not DatabaseBackend or backend.options.get("id_function"):
        task.enqueue(*args)
        return
    from django_tasks_db.compat import normalize_json
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend.validate_task(task)
    row_insert(
        DBTaskResult(
            args_kwargs=normalize_json({"args": args, "kwargs": {}}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after or get_date_max(),
            backend_name=backend.alias,
        )
    )
