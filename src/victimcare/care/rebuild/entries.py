"""The rules in scope of a rebuild, as the rows of the small tables it joins."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from victimcare.care.constants import RulePattern
from victimcare.care.models import RuleSetVersion
from victimcare.care.rebuild.sql import CANCEL, MET, TRIGGER
from victimcare.care.services.rule_sets import rules_for_version


def _entries(
    pairs: Collection[tuple[int, int]], crime_codes: dict[int, str]
) -> dict[str, list[tuple[Any, ...]]]:
    """The rules for every (rule-set version, crime type, enhanced) key in scope, as rows
    of the small tables the rebuild joins (``pairs``: the (version, crime type) pairs of
    the cases in scope):

    - ``rb_key`` (key_id, version_id, crime_type_id, enhanced);
    - ``rb_entry``, what an event of a kind means under a key: a meeting or cancelling
      match of a rule (rule_id, role, position), or a trigger "signature" shared by the
      rules that start on the same events (sig_id): (key_id, kind, rule_id, sig_id, role,
      position, outcomes, covers, code, flag: every trigger counts / a recurring rule,
      after_kind and after_outcomes: the earlier event a trigger needs, if any);
    - ``rb_trigger``, the rules each signature starts (key_id, sig_id, rule_id, pattern,
      every days, working days, agreed: recurring at the victim's agreed frequency);
    and, for ``_final_sql``, the rules' codes (rule_id, code) and the reasons of their
    cancelling matches (rule_id, position, reason)."""
    checksums = dict(
        RuleSetVersion.objects.filter(pk__in={version for version, _ in pairs}).values_list(
            "pk", "checksum"
        )
    )
    tables: dict[str, list[tuple[Any, ...]]] = {
        name: [] for name in ("rb_key", "rb_entry", "rb_trigger")
    }
    rules: dict[int, tuple[int, str]] = {}
    reasons: dict[tuple[int, int], tuple[int, int, str]] = {}
    signatures: dict[tuple[Any, ...], int] = {}
    for version_id, crime_type_id in sorted(pairs):
        specs = rules_for_version(version_id, checksums[version_id])
        for enhanced in (False, True):
            key_id = len(tables["rb_key"]) + 1
            tables["rb_key"].append((key_id, version_id, crime_type_id, enhanced))
            for spec in specs:
                if not spec.applies(enhanced=enhanced, crime_type=crime_codes[crime_type_id]):
                    continue
                rules[spec.id] = (spec.id, spec.code)
                working_days = None
                if spec.pattern != RulePattern.RECURRING:
                    working_days = spec.working_days_for(enhanced=enhanced)
                each = spec.pattern == RulePattern.EACH
                for trigger in spec.triggers:
                    outcomes = sorted(trigger.outcomes) if trigger.outcomes else None
                    code = spec.code if trigger.covers else None
                    after = trigger.after
                    after_kind = after.event if after else None
                    after_outcomes = sorted(after.outcomes) if after and after.outcomes else None
                    signature: tuple[Any, ...]  # (key, trigger, then what it needs)
                    signature = (key_id, trigger.event, tuple(outcomes or ()), trigger.covers)
                    signature += (code, each, after_kind, tuple(after_outcomes or ()))
                    if signature not in signatures:
                        signatures[signature] = len(signatures) + 1
                        tables["rb_entry"].append(
                            (
                                key_id,
                                trigger.event,
                                None,
                                signatures[signature],
                                TRIGGER,
                                0,
                                outcomes,
                                trigger.covers,
                                code,
                                each,
                                after_kind,
                                after_outcomes,
                            )
                        )
                    tables["rb_trigger"].append(
                        (
                            key_id,
                            signatures[signature],
                            spec.id,
                            spec.pattern,
                            spec.every_days or 0,
                            working_days,
                            spec.agreed_frequency,
                        )
                    )
                recurring = spec.pattern == RulePattern.RECURRING
                for role, matches in ((MET, spec.met_by), (CANCEL, spec.cancelled_by)):
                    for position, match in enumerate(matches):
                        if role == CANCEL:
                            reasons[spec.id, position] = (spec.id, position, match.reason)
                        tables["rb_entry"].append(
                            (
                                key_id,
                                match.event,
                                spec.id,
                                None,
                                role,
                                position,
                                sorted(match.outcomes) if match.outcomes else None,
                                match.covers,
                                spec.code,
                                recurring,
                                None,
                                None,
                            )
                        )
    tables["rb_rule"] = list(rules.values())
    tables["rb_reason"] = list(reasons.values())
    return tables
