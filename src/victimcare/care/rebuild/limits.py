"""The sizes and planner settings that steer a rebuild (read at call time, so a test may
change them)."""

from __future__ import annotations

from django.db.backends.utils import CursorWrapper

# Cases read and replayed at a time by the case-by-case rebuild (``replay``).
CHUNK = 2000
# From this many cases in scope the planner may use hash joins only: over whole tables its
# row estimates for these joins are poor, and one nested loop there costs minutes.
LARGE_SCOPE = 20_000
# Writing at least this many new rows into a table, and more than it already holds, goes
# the bulk-load way (see ``_bulk_insert``).
BULK_ROWS = 200_000
# From this many cases in scope, a rebuild run outside a transaction is split by case
# between several connections (see ``_rebuild_parallel``).
PARALLEL_SCOPE = 200_000
# Each part of a parallel rebuild writes its result to a table named so (then dropped).
PART_PREFIX = "care_rebuild_part_"
# Memory for a part's temporary tables (the rebuild's rows stay in memory instead of going
# through the operating system's file cache); allocated only as the tables grow.
PART_TEMP_BUFFERS = "2GB"
# Planner settings for the rebuild's statements, put back as they were afterwards.
SETTINGS = {
    "jit": "off",  # compiling these large plans costs seconds and saves less
    "work_mem": "1GB",  # hash tables and sorts of millions of rows stay in memory
    "maintenance_work_mem": "1GB",  # index builds after a bulk insert
    "synchronous_commit": "off",  # a rebuild lost in a crash is run again
    # A few cases' rows are looked up by index (their pages are in memory, as a rebuild
    # reads them anyway); not a scan of every stored obligation.
    "random_page_cost": "1.1",
}


def settings_apply(cur: CursorWrapper, settings: dict[str, str]) -> dict[str, str]:
    """Set ``settings`` for the rest of the transaction; returns the values they had."""
    before: dict[str, str] = {}
    for name, value in settings.items():
        cur.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        before[name] = cur.fetchone()[0]
    return before
