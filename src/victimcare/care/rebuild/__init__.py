"""Bulk clocking: every obligation of many cases recomputed from the event log.

On PostgreSQL the whole rebuild is a few set-based statements over temporary tables (see
``postgresql._rebuild_postgresql``): the rules become a small table of event matches per
rule-set version, crime type and victim kind (``entries``), one hash join over the events
finds what each event means for each victim, deadlines are arithmetic and array look-ups
in the working-day table of ``deadlines`` (``sql``; never a per-row Python call or
time-zone conversion), and only the differences from the stored rows are written
(``writes``); a first clocking of many cases is bulk-loaded (``bulk_load``), and a large
scope may be shared between connections (``parallel``). Elsewhere (SQLite, the embedded
demo) the cases are replayed in chunks through ``clock.obligations_compute``
(``replay``). Both follow the semantics documented in ``clock``; the tests check that
they agree. ``run.obligations_rebuild_all`` chooses the way; ``limits`` holds the sizes
and planner settings that steer it.
"""

from victimcare.care.rebuild.run import obligations_rebuild_all

__all__ = ["obligations_rebuild_all"]
