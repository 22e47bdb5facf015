"""The Victims' Code clock as a pure function: a case's events and rules in, obligations out.

No database here. ``services`` loads a case's facts, calls ``obligations_compute`` and
writes the difference, so the clock gives the same answer whatever order events arrive
in. The PostgreSQL bulk rebuild (``rebuild_sql``) implements the same semantics in SQL;
tests check that the two agree.

Semantics, for each rule that applies to a victim:
- a trigger event starts an obligation (``once``: the first trigger; ``each``: every
  trigger; ``recurring``: the first trigger, then a new occurrence for each interval); a
  rule may have several triggers (``each`` rules only), and a trigger may count only
  ``after`` an earlier event (before it in (time, id) order, e.g. a review is owed only
  where the suspect was interviewed under caution);
- a recurring rule whose deadline says ``agreed_frequency`` recurs every so many days as
  the victim agreed at their latest needs assessment (``update_every_days`` on the
  ``needs_assessed`` event), or the rule's ``every_days`` where none was agreed;
- it is met by the first meeting event at or after its start (``covers``: only an event
  whose ``detail.covers`` lists the rule's code), cancelled by the first cancelling event
  at or after its start if that comes before any meeting event;
- it is breached when its deadline passes unmet; ``breached_at`` is the deadline, and is
  kept when the obligation is met or cancelled late;
- occurrence k+1 of a recurring rule starts at occurrence k's deadline, and exists once
  occurrence k is met or its deadline has passed, unless a cancelling event came at or
  before that deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from victimcare.care.constants import (
    DECISION_OUTCOME_ALIASES,
    UPDATE_EVERY_DAYS_MAX,
    ConsentMode,
    DecisionOutcome,
    EnhancedScope,
    ObligationStatus,
    RulePattern,
)
from victimcare.care.deadlines import due_after_days, due_within_working_days
from victimcare.cases.constants import EventKind

RECURRING_LIMIT = 400  # occurrences per case: about 30 years of 28-day updates


class RuleDefinitionError(ValueError):
    """A rule set's JSON does not describe a rule the clock can run."""


@dataclass(frozen=True)
class EventMatch:
    event: str
    outcomes: frozenset[str] | None = None
    covers: bool = False
    reason: str = ""
    after: EventMatch | None = None

    def matches(self, fact: EventFact, code: str) -> bool:
        if fact.kind != self.event:
            return False
        if self.outcomes is not None and fact.outcome not in self.outcomes:
            return False
        return not self.covers or code in fact.covers


@dataclass(frozen=True)
class RuleSpec:
    id: int
    code: str
    title: str
    triggers: tuple[EventMatch, ...]
    pattern: str
    working_days: int | None
    enhanced_working_days: int | None
    every_days: int | None
    victims: str
    crime_types: frozenset[str] | None
    except_crime_types: frozenset[str]
    consent: str
    met_by: tuple[EventMatch, ...]
    cancelled_by: tuple[EventMatch, ...]
    agreed_frequency: bool = False

    @property
    def trigger(self) -> EventMatch:
        return self.triggers[0]

    def every_for(self, agreed: int | None) -> int | None:
        if self.agreed_frequency and agreed:
            return agreed
        return self.every_days

    def applies(self, *, enhanced: bool, crime_type: str) -> bool:
        if self.victims == EnhancedScope.ENHANCED and not enhanced:
            return False
        if self.victims == EnhancedScope.STANDARD and enhanced:
            return False
        if self.crime_types is not None and crime_type not in self.crime_types:
            return False
        return crime_type not in self.except_crime_types

    def working_days_for(self, *, enhanced: bool) -> int | None:
        if enhanced and self.enhanced_working_days:
            return self.enhanced_working_days
        return self.working_days

    def due(
        self, start: datetime, *, enhanced: bool, occurrence: int = 1, every: int | None = None
    ) -> datetime:
        if self.every_days:
            return due_after_days(start, (every or self.every_days) * occurrence)
        days = self.working_days_for(enhanced=enhanced)
        if days is None:
            raise RuleDefinitionError(f"rule {self.code}: no deadline")
        return due_within_working_days(start, days)


def _match(raw: dict, *, where: str, trigger: bool = False) -> EventMatch:
    if not isinstance(raw, dict) or raw.get("event") not in EventKind.values:
        raise RuleDefinitionError(f"{where}: 'event' must be one of the case event kinds")
    outcomes = raw.get("outcomes")
    if outcomes and not set(outcomes) <= set(DecisionOutcome.values):
        raise RuleDefinitionError(f"{where}: unknown decision outcomes")
    after = raw.get("after")
    if after is not None and not trigger:
        raise RuleDefinitionError(f"{where}: only a trigger can say 'after'")
    return EventMatch(
        event=raw["event"],
        outcomes=frozenset(outcomes) if outcomes else None,
        covers=bool(raw.get("covers", False)),
        reason=str(raw.get("reason", "")),
        after=_match(after, where=f"{where} after") if after is not None else None,
    )


def rule_spec(rule_id: int, definition: dict) -> RuleSpec:
    """Parse and check one rule's JSON."""
    code = definition.get("code", "")
    where = f"rule {code or '?'}"
    if not code or not definition.get("title"):
        raise RuleDefinitionError(f"{where}: needs a code and a title")
    pattern = definition.get("pattern", RulePattern.ONCE)
    if pattern not in RulePattern.values:
        raise RuleDefinitionError(f"{where}: pattern must be one of {RulePattern.values}")
    deadline = definition.get("deadline") or {}
    working, every = deadline.get("working_days"), deadline.get("every_days")
    if pattern == RulePattern.RECURRING and not every:
        raise RuleDefinitionError(f"{where}: a recurring rule needs deadline.every_days")
    if pattern != RulePattern.RECURRING and not working:
        raise RuleDefinitionError(f"{where}: needs deadline.working_days")
    applies = definition.get("applies_to") or {}
    victims = applies.get("victims", EnhancedScope.ALL)
    consent = applies.get("consent", ConsentMode.NONE)
    if victims not in EnhancedScope.values or consent not in ConsentMode.values:
        raise RuleDefinitionError(f"{where}: unknown applies_to.victims or applies_to.consent")
    crime_types = applies.get("crime_types")
    raw_triggers = definition.get("trigger")
    if not isinstance(raw_triggers, list):
        raw_triggers = [raw_triggers]
    if not raw_triggers or (len(raw_triggers) > 1 and pattern != RulePattern.EACH):
        raise RuleDefinitionError(f"{where}: several triggers only for an 'each' rule")
    agreed = bool(deadline.get("agreed_frequency", False))
    if agreed and pattern != RulePattern.RECURRING:
        raise RuleDefinitionError(f"{where}: only a recurring rule has an agreed frequency")
    return RuleSpec(
        id=rule_id,
        code=code,
        title=definition["title"],
        triggers=tuple(_match(raw, where=f"{where} trigger", trigger=True) for raw in raw_triggers),
        pattern=pattern,
        working_days=working,
        enhanced_working_days=deadline.get("enhanced_working_days"),
        every_days=every,
        victims=victims,
        crime_types=frozenset(crime_types) if crime_types else None,
        except_crime_types=frozenset(applies.get("except_crime_types") or ()),
        consent=consent,
        met_by=tuple(_match(m, where=f"{where} met_by") for m in definition.get("met_by", [])),
        cancelled_by=tuple(
            _match(m, where=f"{where} cancelled_by") for m in definition.get("cancelled_by", [])
        ),
        agreed_frequency=agreed,
    )


def outcome_normalise(outcome) -> str:
    if not isinstance(outcome, str):
        return ""
    return str(DECISION_OUTCOME_ALIASES.get(outcome, outcome))


@dataclass(frozen=True)
class EventFact:
    """What the clock needs to know about one case event."""

    id: int
    kind: str
    at: datetime
    outcome: str = ""
    covers: frozenset[str] = frozenset()
    victim_id: int | None = None
    update_every_days: int | None = None

    @classmethod
    def from_row(cls, *, id: int, kind: str, at: datetime, detail: dict) -> EventFact:
        detail = detail if isinstance(detail, dict) else {}
        covers = detail.get("covers") or ()
        victim_id = detail.get("victim_id")
        every = detail.get("update_every_days") if kind == EventKind.NEEDS_ASSESSED else None
        return cls(
            id=id,
            kind=kind,
            at=at,
            outcome=outcome_normalise(detail.get("outcome")),
            covers=frozenset(c for c in covers if isinstance(c, str))
            if isinstance(covers, list)
            else frozenset(),
            victim_id=victim_id if isinstance(victim_id, int) else None,
            update_every_days=every
            if isinstance(every, int)
            and not isinstance(every, bool)
            and 1 <= every <= UPDATE_EVERY_DAYS_MAX
            else None,
        )


@dataclass(frozen=True)
class VictimFact:
    id: int
    enhanced: bool


@dataclass(frozen=True)
class ObligationState:
    victim_id: int
    rule_id: int
    code: str
    trigger_event_id: int
    occurrence: int
    triggered_at: datetime
    due_at: datetime
    status: str
    met_at: datetime | None = None
    met_by_event_id: int | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    breached_at: datetime | None = None

    @property
    def key(self) -> tuple[int, str, int, int]:
        return (self.victim_id, self.code, self.trigger_event_id, self.occurrence)

    def values(self, *, officer_id: int | None) -> dict:
        """The stored obligation's state columns (``STATE_FIELDS``) for this state, the
        officer in charge given."""
        values = {name: getattr(self, name) for name in STATE_FIELDS[:-1]}
        values["officer_id"] = officer_id
        return values


# The columns of a stored obligation (care.Obligation, besides its id): its case, its
# ``key`` (KEY_FIELDS) and what its state sets (STATE_FIELDS). The one list of them: the
# plain-SQL writes of the clock and the rebuild are built from these, and a test checks
# them against the model's fields.
KEY_FIELDS = ("victim_id", "code", "trigger_event_id", "occurrence")
STATE_FIELDS = (
    "rule_id",
    "triggered_at",
    "due_at",
    "status",
    "met_at",
    "met_by_event_id",
    "cancelled_at",
    "cancel_reason",
    "breached_at",
    "officer_id",
)
OBLIGATION_COLUMNS = ("case_id", *KEY_FIELDS, *STATE_FIELDS)
# The columns of a case's clock (care.CaseClock; the case is its primary key).
CLOCK_COLUMNS = ("case_id", "rule_set_version_id", "clocked_at")


def _first(events: list[EventFact], matches: tuple[EventMatch, ...], code: str, start):
    for fact in events:  # events are in (at, id) order
        if fact.at < start:
            continue
        for match in matches:
            if match.matches(fact, code):
                return fact, match
    return None, None


def _state(
    rule: RuleSpec,
    victim: VictimFact,
    events: list[EventFact],
    trigger: EventFact,
    occurrence: int,
    start: datetime,
    due: datetime,
    now: datetime,
) -> ObligationState:
    met, _ = _first(events, rule.met_by, rule.code, start)
    cancel, cancel_match = _first(events, rule.cancelled_by, rule.code, start)
    common: dict[str, Any] = {  # (what every state of this obligation shares)
        "victim_id": victim.id,
        "rule_id": rule.id,
        "code": rule.code,
        "trigger_event_id": trigger.id,
        "occurrence": occurrence,
        "triggered_at": start,
        "due_at": due,
    }
    if met is not None and (cancel is None or (met.at, met.id) <= (cancel.at, cancel.id)):
        return ObligationState(
            **common,
            status=ObligationStatus.MET,
            met_at=met.at,
            met_by_event_id=met.id,
            breached_at=due if met.at > due else None,
        )
    if cancel is not None:
        return ObligationState(
            **common,
            status=ObligationStatus.CANCELLED,
            cancelled_at=cancel.at,
            cancel_reason=cancel_match.reason,
            breached_at=due if cancel.at > due else None,
        )
    if due < now:
        return ObligationState(**common, status=ObligationStatus.BREACHED, breached_at=due)
    return ObligationState(**common, status=ObligationStatus.OPEN)


def obligations_compute(
    *,
    rules: list[RuleSpec],
    victims: list[VictimFact],
    crime_type: str,
    events: list[EventFact],
    now: datetime,
) -> list[ObligationState]:
    """Every obligation a case's victims are owed under ``rules``, and its state at ``now``."""
    events = sorted(events, key=lambda e: (e.at, e.id))
    states: list[ObligationState] = []
    for victim in victims:
        own = [e for e in events if e.victim_id is None or e.victim_id == victim.id]
        agreed = agreed_update_every_days(own)
        for rule in rules:
            if not rule.applies(enhanced=victim.enhanced, crime_type=crime_type):
                continue
            triggers = [e for e in own if _triggers(rule, e, own)]
            if not triggers:
                continue
            if rule.pattern == RulePattern.EACH:
                for trigger in triggers:
                    due = rule.due(trigger.at, enhanced=victim.enhanced)
                    states.append(_state(rule, victim, own, trigger, 1, trigger.at, due, now))
                continue
            trigger = triggers[0]
            if rule.pattern == RulePattern.ONCE:
                due = rule.due(trigger.at, enhanced=victim.enhanced)
                states.append(_state(rule, victim, own, trigger, 1, trigger.at, due, now))
                continue
            states.extend(_recurring(rule, victim, own, trigger, now, rule.every_for(agreed)))
    return states


def agreed_update_every_days(events: list[EventFact]) -> int | None:
    """How often the victim agreed to be updated at their latest needs assessment (events
    in (time, id) order), if they said."""
    for fact in reversed(events):
        if fact.kind == EventKind.NEEDS_ASSESSED and fact.update_every_days:
            return fact.update_every_days
    return None


def _triggers(rule: RuleSpec, fact: EventFact, events: list[EventFact]) -> bool:
    for match in rule.triggers:
        if not match.matches(fact, rule.code):
            continue
        if match.after is None:
            return True
        for earlier in events:  # (time, id) order
            if (earlier.at, earlier.id) >= (fact.at, fact.id):
                break
            if match.after.matches(earlier, rule.code):
                return True
    return False


def _recurring(rule, victim, events, trigger, now, every) -> list[ObligationState]:
    stops = [e.at for e in events if e.at >= trigger.at and _any(rule.cancelled_by, e, rule)]
    first_stop = min(stops) if stops else None
    states = []
    start = trigger.at
    for occurrence in range(1, RECURRING_LIMIT + 1):
        due = rule.due(trigger.at, enhanced=victim.enhanced, occurrence=occurrence, every=every)
        state = _state(rule, victim, events, trigger, occurrence, start, due, now)
        states.append(state)
        if not (state.status == ObligationStatus.MET or due < now):
            break
        if first_stop is not None and first_stop <= due:
            break
        start = due
    return states


def _any(matches, fact, rule) -> bool:
    return any(m.matches(fact, rule.code) for m in matches)
