"""Events accounts reports to the apps above it (accounts imports none of them).

``security_event``: a change to a staff member's second factor (set up, wrong code, recovery
code used, reset). Sent with ``user`` (who acted), ``subject`` (whose sign-in it is about),
``action`` (an ``AuditAction``) and ``page``. The audit app records it in the audit trail.
"""

from django.dispatch import Signal

security_event = Signal()
