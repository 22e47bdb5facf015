"""Every read of survey data that other code uses, scoped to what the user may see, a
module per part of the work: ``fieldwork`` (care markers, samples and their tracking, the
web survey's tokens, the interview queue), ``microdata`` (responses and their weights),
``recovery`` (call-backs) and ``exports`` (the contact exports' personal data).

Only the names used outside the surveys app are re-exported here; the app's own modules
import from the module that defines a name.
"""

from victimcare.surveys.selectors.fieldwork import (
    TOKEN_FAILURE_LIMIT,
    care_marker_times,
    sample_tracking,
)
from victimcare.surveys.selectors.microdata import (
    MICRODATA_COLUMNS,
    microdata_rows,
    satisfied_value,
)
from victimcare.surveys.selectors.recovery import response_comments_redacted

__all__ = [
    "MICRODATA_COLUMNS",
    "TOKEN_FAILURE_LIMIT",
    "care_marker_times",
    "microdata_rows",
    "response_comments_redacted",
    "sample_tracking",
    "satisfied_value",
]
