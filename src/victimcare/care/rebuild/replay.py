"""The case-by-case rebuild (SQLite, the embedded demo): cases replayed in chunks through
``clock.obligations_compute``."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import QuerySet

from victimcare.care.clock import STATE_FIELDS, EventFact, VictimFact, obligations_compute
from victimcare.care.models import CaseClock, Obligation, RuleSetVersion
from victimcare.care.rebuild import limits
from victimcare.care.rebuild.scope import _plan
from victimcare.care.services.rule_sets import report_day, rules_for_version
from victimcare.cases.models import Case, CaseEvent, Victim


def _clocks_start(*, cases: QuerySet[Case] | None, now: datetime) -> None:
    """Clock the cases in scope under the rules of their report date (``RuleSetPlan``):
    those without a clock, and those clocked under another rule set (the set-based rebuild
    does its own)."""
    plan = _plan()
    if plan is None:
        return
    queryset = (cases if cases is not None else Case.objects.all()).order_by()
    current = dict(
        CaseClock.objects.filter(case__in=queryset.values("pk")).values_list(
            "case_id", "rule_set_version_id"
        )
    )
    to_create: list[CaseClock] = []
    to_update: list[CaseClock] = []
    for case_id, force_id, reported_at in queryset.values_list(
        "id", "force_id", "reported_at"
    ).iterator():
        version_id = plan.version_for(force_id, report_day(reported_at), current.get(case_id))
        if case_id not in current:
            to_create.append(
                CaseClock(case_id=case_id, rule_set_version_id=version_id, clocked_at=now)
            )
        elif current[case_id] != version_id:
            to_update.append(
                CaseClock(case_id=case_id, rule_set_version_id=version_id, clocked_at=now)
            )
    CaseClock.objects.bulk_create(to_create, batch_size=2000)
    CaseClock.objects.bulk_update(to_update, ["rule_set_version", "clocked_at"], batch_size=2000)


def _rebuild_python(*, cases: QuerySet[Case] | None, now: datetime) -> int:
    queryset = (cases if cases is not None else Case.objects.all()).order_by("id")
    ids = list(queryset.values_list("id", flat=True))
    written = 0
    versions = {v.pk: v for v in RuleSetVersion.objects.all()}
    for start in range(0, len(ids), limits.CHUNK):
        chunk = ids[start : start + limits.CHUNK]
        clocks = dict(
            CaseClock.objects.filter(case_id__in=chunk).values_list(
                "case_id", "rule_set_version_id"
            )
        )
        victims: defaultdict[int, list[VictimFact]] = defaultdict(list)
        facts: dict[int, tuple[str, int | None]] = {}
        for row in Victim.objects.filter(case_id__in=chunk).values(
            "id",
            "case_id",
            "most_serious_crime",
            "persistently_targeted",
            "vulnerable",
            "intimidated",
            "case__crime_type__code",
            "case__officer_in_charge_id",
        ):
            enhanced = bool(
                row["most_serious_crime"]
                or row["persistently_targeted"]
                or row["vulnerable"]
                or row["intimidated"]
            )
            victims[row["case_id"]].append(VictimFact(id=row["id"], enhanced=enhanced))
            facts[row["case_id"]] = (
                row["case__crime_type__code"],
                row["case__officer_in_charge_id"],
            )
        events: defaultdict[int, list[EventFact]] = defaultdict(list)
        for event in CaseEvent.objects.filter(case_id__in=chunk).values(
            "id", "case_id", "kind", "at", "detail"
        ):
            events[event["case_id"]].append(
                EventFact.from_row(
                    id=event["id"], kind=event["kind"], at=event["at"], detail=event["detail"]
                )
            )
        stored = {
            (o.victim_id, o.code, o.trigger_event_id, o.occurrence): o
            for o in Obligation.objects.filter(case_id__in=chunk)
        }
        to_create: list[Obligation] = []
        to_update: list[Obligation] = []
        for case_id in chunk:
            if case_id not in clocks or case_id not in facts:
                continue
            version = versions[clocks[case_id]]
            crime_type, officer_id = facts[case_id]
            for state in obligations_compute(
                rules=rules_for_version(version.pk, version.checksum),
                victims=victims[case_id],
                crime_type=crime_type,
                events=events[case_id],
                now=now,
            ):
                values = state.values(officer_id=officer_id)
                obligation = stored.pop(state.key, None)
                if obligation is None:
                    to_create.append(
                        Obligation(
                            case_id=case_id,
                            victim_id=state.victim_id,
                            code=state.code,
                            trigger_event_id=state.trigger_event_id,
                            occurrence=state.occurrence,
                            **values,
                        )
                    )
                elif any(getattr(obligation, k) != v for k, v in values.items()):
                    for k, v in values.items():
                        setattr(obligation, k, v)
                    to_update.append(obligation)
        Obligation.objects.bulk_create(to_create, batch_size=1000)
        Obligation.objects.bulk_update(to_update, STATE_FIELDS, batch_size=500)
        if stored:
            Obligation.objects.filter(pk__in=[o.pk for o in stored.values()]).delete()
        written += len(to_create) + len(to_update)
    return written
