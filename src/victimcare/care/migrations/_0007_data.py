"""The rule sets migration 0007 loads, frozen as they were when it was written: those of
``_0006_data`` with the care practice trials' ``reassurance_callback`` rule added to each
(issue 18). Never edit it: see ``_0002_data``."""

import copy

from victimcare.care.migrations._0006_data import RULE_SETS as RULE_SETS_0006

REASSURANCE_CALLBACK = {
    "code": "reassurance_callback",
    "title": "Call the victim back to reassure them (care practice trial)",
    "description": "Only for cases a force's care practice trial allocated to the reassurance call-back: within 2 working days of the report (about 48 hours), call the victim to reassure them and check what they need. Started by the trial's allocation (an internal note covering this rule), met by any contact with the victim from then.",
    "trigger": {"event": "note", "covers": True},
    "pattern": "once",
    "deadline": {"working_days": 2},
    "applies_to": {"victims": "all", "consent": "none"},
    "local": True,
    "met_by": [{"event": "contact_made"}],
    "cancelled_by": [{"event": "case_closed", "reason": "The case was closed"}],
}

RULE_SETS = copy.deepcopy(RULE_SETS_0006)
for _definition in RULE_SETS:
    _definition["rules"].append(copy.deepcopy(REASSURANCE_CALLBACK))
