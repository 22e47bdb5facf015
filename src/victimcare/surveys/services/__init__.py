"""Every write to survey data, a module per part of the work: ``questionnaires``,
``flags``, ``draw`` (the monthly sample), ``invitations`` (and reminders, expiry),
``responses`` (web and telephone), ``agency`` (contact exports and the agency's results)
and ``recovery`` (call-backs for dissatisfied victims). ``errors`` holds the error they
raise for a step that cannot be done as asked.

Only the names used outside the surveys app are re-exported here; the app's own modules
import from the module that defines a name.
"""

from victimcare.surveys.services.agency import (
    ContactExportRefused,
    agency_import,
    agency_sample_export,
    invitations_export,
)
from victimcare.surveys.services.draw import SampleDesign, sample_draw
from victimcare.surveys.services.errors import FieldworkError
from victimcare.surveys.services.flags import survey_flag_set
from victimcare.surveys.services.invitations import fieldwork_update, invitations_send
from victimcare.surveys.services.questionnaires import questionnaire_core_get
from victimcare.surveys.services.recovery import recovery_task_close
from victimcare.surveys.services.responses import call_attempt_record, response_record

__all__ = [
    "ContactExportRefused",
    "FieldworkError",
    "SampleDesign",
    "agency_import",
    "agency_sample_export",
    "call_attempt_record",
    "fieldwork_update",
    "invitations_export",
    "invitations_send",
    "questionnaire_core_get",
    "recovery_task_close",
    "response_record",
    "sample_draw",
    "survey_flag_set",
]
