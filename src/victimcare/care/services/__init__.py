"""Every write of the care app, a module per job:

- ``rule_sets``: the shipped rule sets, the working-day calendar table, a force's choice;
- ``clock``: a case's clock started and replayed, its obligations written, breach alerts;
- ``breaches``: overdue obligations marked breached (the worker's schedule);
- ``events``: care events, contacts, written information, needs assessments;
- ``referrals``: referrals to support organisations;
- ``visits``: visits and visit slots;
- ``rebuild``: clocking cases in bulk (``care.rebuild`` does the work);
- ``errors``: ``CareError``.

Code in the care app imports from these modules; the names below are those used
elsewhere (other apps, the command line, benchmarks and other apps' tests)."""

from victimcare.care.services.breaches import obligations_mark_breached
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import care_event_record
from victimcare.care.services.rebuild import obligations_rebuild
from victimcare.care.services.rule_sets import calendar_fill, care_policy_set, rule_sets_load
from victimcare.care.services.visits import visit_slot_create

__all__ = [
    "CareError",
    "calendar_fill",
    "care_event_record",
    "care_policy_set",
    "obligations_mark_breached",
    "obligations_rebuild",
    "rule_sets_load",
    "visit_slot_create",
]
