"""The cases a rebuild covers: the rule-set version each is clocked under (the rules of
its report date) and, on PostgreSQL, ``rb_case``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet

from victimcare.care.models import ForceCarePolicy, RuleSet, RuleSetVersion
from victimcare.care.services.rule_sets import DEFAULT_RULE_SET, rule_set_version_for
from victimcare.cases.models import Case
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Force


@dataclass(frozen=True)
class RuleSetPlan:
    """Which rule set a case is clocked under, by force and report day, as
    ``rule_sets.RULE_SET_CHOICE_SQL`` chooses it (the force's local choice from its
    effective day, else the national Code in force that day, else the oldest Code), read
    once for a whole rebuild. A case already clocked under a version of the chosen rule set
    keeps it; otherwise it takes the rule set's newest version."""

    policies: dict[int, tuple[int, date | None]]
    national: tuple[tuple[date, int], ...]  # newest Code first
    fallback: int
    newest: dict[int, int]
    rule_set_of: dict[int, int]

    def rule_set_for(self, force_id: int, day: date) -> int:
        policy = self.policies.get(force_id)
        if policy is not None and (policy[1] is None or policy[1] <= day):
            return policy[0]
        for start, rule_set_id in self.national:
            if start <= day:
                return rule_set_id
        return self.national[-1][1] if self.national else self.fallback

    def version_for(self, force_id: int, day: date, current: int | None = None) -> int:
        rule_set_id = self.rule_set_for(force_id, day)
        if current is not None and self.rule_set_of.get(current) == rule_set_id:
            return current
        return self.newest[rule_set_id]

    def rule_set_sql(self, force: str, reported_at: str) -> str:
        """The chosen rule set's id as a SQL expression over a case's columns."""

        def since(day: date) -> str:
            instant = datetime.combine(day, datetime.min.time(), tzinfo=LONDON)
            return f"{reported_at} >= '{instant.isoformat()}'::timestamptz"

        whens = []
        for force_id, (rule_set_id, start) in sorted(self.policies.items()):
            condition = f"{force} = {int(force_id)}"
            if start is not None:
                condition += f" AND {since(start)}"
            whens.append(f"WHEN {condition} THEN {int(rule_set_id)}")
        whens += [f"WHEN {since(start)} THEN {int(rs)}" for start, rs in self.national]
        otherwise = self.national[-1][1] if self.national else self.fallback
        return f"(CASE {' '.join(whens)} ELSE {int(otherwise)} END)" if whens else str(otherwise)

    def newest_sql(self, rule_set: str) -> str:
        whens = " ".join(f"WHEN {int(rs)} THEN {int(v)}" for rs, v in self.newest.items())
        return f"(CASE {rule_set} {whens} END)"


def _plan() -> RuleSetPlan | None:
    """The plan of the rule sets loaded (``None`` when there are none and no force)."""
    if not RuleSetVersion.objects.exists():
        force_id = Force.objects.values_list("id", flat=True).first()
        if force_id is None:
            return None
        rule_set_version_for(force_id, date.today())  # (loads the shipped rule sets)  # noqa: DTZ011 (any day will do)
    newest: dict[int, int] = {}
    rule_set_of: dict[int, int] = {}
    for pk, rule_set_id in RuleSetVersion.objects.order_by("version").values_list(
        "pk", "rule_set_id"
    ):
        newest[rule_set_id] = pk
        rule_set_of[pk] = rule_set_id
    national = cast(  # (in_force_from is never null here)
        "tuple[tuple[date, int], ...]",
        tuple(
            RuleSet.objects.filter(in_force_from__isnull=False, pk__in=newest)
            .order_by("-in_force_from")
            .values_list("in_force_from", "pk")
        ),
    )
    fallback = RuleSet.objects.filter(code=DEFAULT_RULE_SET).values_list("pk", flat=True).first()
    return RuleSetPlan(
        policies={
            force_id: (rule_set_id, start)
            for force_id, rule_set_id, start in ForceCarePolicy.objects.values_list(
                "force_id", "rule_set_id", "effective_from"
            )
            if rule_set_id in newest
        },
        national=national,
        fallback=fallback if fallback is not None else next(iter(newest)),
        newest=newest,
        rule_set_of=rule_set_of,
    )


def _case_ids_sql(cases: QuerySet[Case] | None) -> tuple[str, list[Any]]:
    """A SQL subquery selecting the ids of the cases in scope (all cases by default)."""
    queryset = (cases if cases is not None else Case.objects.all()).order_by().values("id")
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _scope_create(
    cur: CursorWrapper,
    *,
    cases: QuerySet[Case] | None,
    plan: RuleSetPlan,
    bounds: tuple[int | None, int | None] = (None, None),
) -> int:
    """``rb_case``: the cases in scope (ids within ``bounds``) with the rule-set version
    each is clocked under (``RuleSetPlan``): ``unclocked``, a case without a clock;
    ``reclocked``, one whose clock is under another rule set than its report date's (both
    written at the end). Returns how many."""
    params: list[Any] = []
    scope = f"WHERE {_bounds_sql('c.id', bounds)}"
    if cases is not None:
        scope_sql, params = _case_ids_sql(cases)
        scope += f" AND c.id IN ({scope_sql})"
    cur.execute(
        f"""
        CREATE TEMP TABLE rb_case ON COMMIT DROP AS
        SELECT c.case_id, c.crime_type_id, c.officer_id,
               CASE WHEN c.current_rule_set = c.rule_set THEN c.current_version
                    ELSE {plan.newest_sql("c.rule_set")} END AS version_id,
               c.current_version IS NULL AS unclocked,
               (c.current_version IS NOT NULL AND c.current_rule_set <> c.rule_set)
                 AS reclocked
        FROM (
          SELECT c.id AS case_id, c.crime_type_id, c.officer_in_charge_id AS officer_id,
                 cc.rule_set_version_id AS current_version, rv.rule_set_id AS current_rule_set,
                 {plan.rule_set_sql("c.force_id", "c.reported_at")} AS rule_set
          FROM cases_case c
          LEFT JOIN care_caseclock cc ON cc.case_id = c.id
          LEFT JOIN care_rulesetversion rv ON rv.id = cc.rule_set_version_id
          {scope}
        ) c
        """,  # noqa: S608 (numbers and our own names only)
        params,
    )
    in_scope: int = cur.rowcount
    cur.execute("ANALYZE rb_case")
    return in_scope


def _bounds_sql(column: str, bounds: tuple[int | None, int | None]) -> str:
    """``column`` within a part's case-id ``bounds``, as SQL (a part's rows are dropped by
    the scan, before any join: cheaper than a probe each)."""
    low, high = bounds
    conditions = [f"{column} >= {int(low)}"] if low is not None else []
    conditions += [f"{column} < {int(high)}"] if high is not None else []
    return " AND ".join(conditions) or "true"
