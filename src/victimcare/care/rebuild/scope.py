"""The cases a rebuild covers: their rule-set versions and, on PostgreSQL, ``rb_case``."""

from __future__ import annotations

from victimcare.care.services.rule_sets import rule_set_version_for_force
from victimcare.cases.models import Case
from victimcare.forces.models import Force


def _version_by_force() -> dict[int, int]:
    return {
        force_id: rule_set_version_for_force(force_id).pk
        for force_id in Force.objects.values_list("id", flat=True)
    }


def _case_ids_sql(cases) -> tuple[str, list]:
    """A SQL subquery selecting the ids of the cases in scope (all cases by default)."""
    queryset = (cases if cases is not None else Case.objects.all()).order_by().values("id")
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _scope_create(cur, *, cases, versions: dict[int, int], bounds=(None, None)) -> int:
    """``rb_case``: the cases in scope (ids within ``bounds``) with their rule-set version
    (a case without a clock takes its force's current one; its clock is written at the
    end). Returns how many."""
    values = ", ".join(["(%s, %s)"] * len(versions))
    flat = [x for pair in versions.items() for x in pair]
    scope, params = f"WHERE {_bounds_sql('c.id', bounds)}", []
    if cases is not None:
        scope_sql, params = _case_ids_sql(cases)
        scope += f" AND c.id IN ({scope_sql})"
    cur.execute(
        f"""
        CREATE TEMP TABLE rb_case ON COMMIT DROP AS
        SELECT c.id AS case_id, c.crime_type_id, c.officer_in_charge_id AS officer_id,
               COALESCE(cc.rule_set_version_id, m.version_id) AS version_id,
               cc.case_id IS NULL AS unclocked
        FROM cases_case c
        JOIN (VALUES {values}) AS m(force_id, version_id) ON m.force_id = c.force_id
        LEFT JOIN care_caseclock cc ON cc.case_id = c.id
        {scope}
        """,  # noqa: S608 (placeholders only)
        [*flat, *params],
    )
    in_scope = cur.rowcount
    cur.execute("ANALYZE rb_case")
    return in_scope


def _bounds_sql(column: str, bounds: tuple[int | None, int | None]) -> str:
    """``column`` within a part's case-id ``bounds``, as SQL (a part's rows are dropped by
    the scan, before any join: cheaper than a probe each)."""
    low, high = bounds
    conditions = [f"{column} >= {int(low)}"] if low is not None else []
    conditions += [f"{column} < {int(high)}"] if high is not None else []
    return " AND ".join(conditions) or "true"
