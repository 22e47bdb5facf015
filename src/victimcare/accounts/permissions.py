"""Who may do what, in one place.

Each role has a set of capabilities; every view states the capability it needs with
``capability_required``; every query for force-scoped data goes through
``forces_in_scope``. tests/accounts/test_access.py checks every role against every route.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from victimcare.accounts.constants import Role

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from victimcare.accounts.models import User
    from victimcare.forces.models import Force


class Capability(StrEnum):
    VIEW_CASES = "view_cases"
    """List and open cases of the staff member's own force, with victims' personal data."""
    RECORD_REPORTS = "record_reports"
    """Record a report taken by phone, at the front counter or on an officer's visit."""
    WORK_CASES = "work_cases"
    """Act on a case: log contacts, offer and record visits, needs assessments, referrals,
    decisions; reply to victims' messages; see the officer worklist."""
    VIEW_COMPLIANCE = "view_compliance"
    """Victims' Code compliance and breaches for the force, with the cases concerned."""
    VIEW_RULE_SETS = "view_rule_sets"
    """Read every rule of the Victims' Code rule sets."""
    RECEIVE_REFERRALS = "receive_referrals"
    """A support organisation's inbox of referrals sent to it, and nothing else."""
    MANAGE_API_TOKENS = "manage_api_tokens"
    """Create and revoke records-system API tokens for the force."""
    MANAGE_SURVEYS = "manage_surveys"
    """Build sampling frames, draw samples, run fieldwork, import agencies' results; never
    victims' names or contact details (see EXPORT_CONTACT_DETAILS)."""
    EXPORT_CONTACT_DETAILS = "export_contact_details"
    """Download victims' names and contact details in bulk for fieldwork (the invitations
    to send, the agency sample), for the forces in scope; every victim exported is
    audited. Apart from MANAGE_SURVEYS so that drawing a sample never needs personal data."""
    INTERVIEW = "interview"
    """The telephone interviewer's screen (CATI) for the force's issued sample."""
    VIEW_RESPONSES = "view_responses"
    """Pseudonymised survey responses with design variables; never names or contacts."""
    SERVICE_RECOVERY = "service_recovery"
    """Call-back tasks for dissatisfied victims, with comments redacted of personal data."""
    VIEW_AGGREGATES = "view_aggregates"
    """Counts, rates and satisfaction estimates for the forces in scope; never personal data."""
    VIEW_COMPLIANCE_RETURN = "view_compliance_return"
    """The Victims and Prisoners Act compliance return (Victims' Code compliance per victim,
    by quarter, with breakdowns; suppressed aggregates) for the forces in scope."""
    SET_TARGETS = "set_targets"
    """Set and change satisfaction and compliance targets for the forces overseen."""
    VIEW_AUDIT_LOG = "view_audit_log"
    """Browse who viewed which victim's personal data, in the staff member's force."""
    MANAGE_SITE = "manage_site"
    """The administration site: staff, forces, areas, crime types."""
    MANAGE_TRAINING = "manage_training"
    """The force's training lead: draft training modules, invite support organisations,
    sign off for the force, publish, assign, plan rollouts, see completion and effect."""
    CO_AUTHOR_TRAINING = "co_author_training"
    """A support organisation's training area: edit and sign off the drafts of the
    modules it is invited to, and nothing else of them."""
    TAKE_TRAINING = "take_training"
    """Read, take the knowledge check of and complete the training assigned to oneself."""
    ASSIGN_CASES = "assign_cases"
    """Assign, reassign and hand over a case to any officer of the force's teams (an officer
    with WORK_CASES may only take an unassigned case of their own team)."""
    MANAGE_VISIT_TIMES = "manage_visit_times"
    """Add the visit times officers offer victims in each area of the force."""


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CALL_HANDLER: frozenset(
        {
            Capability.VIEW_CASES,
            Capability.RECORD_REPORTS,
            Capability.INTERVIEW,
            Capability.TAKE_TRAINING,
        }
    ),
    Role.OFFICER: frozenset(
        {
            Capability.VIEW_CASES,
            Capability.RECORD_REPORTS,
            Capability.WORK_CASES,
            Capability.TAKE_TRAINING,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            Capability.VIEW_CASES,
            Capability.RECORD_REPORTS,
            Capability.WORK_CASES,
            Capability.VIEW_COMPLIANCE,
            Capability.SERVICE_RECOVERY,
            Capability.VIEW_AGGREGATES,
            Capability.VIEW_COMPLIANCE_RETURN,
            Capability.EXPORT_CONTACT_DETAILS,
            Capability.MANAGE_TRAINING,
            Capability.TAKE_TRAINING,
            Capability.ASSIGN_CASES,
            Capability.MANAGE_VISIT_TIMES,
        }
    ),
    Role.ANALYST: frozenset(
        {Capability.VIEW_AGGREGATES, Capability.MANAGE_SURVEYS, Capability.VIEW_RESPONSES}
    ),
    Role.OVERSIGHT: frozenset(
        {Capability.VIEW_AGGREGATES, Capability.VIEW_COMPLIANCE_RETURN, Capability.SET_TARGETS}
    ),
    Role.SUPPORT_ORGANISATION: frozenset(
        {Capability.RECEIVE_REFERRALS, Capability.CO_AUTHOR_TRAINING}
    ),
    Role.ADMINISTRATOR: frozenset(
        {
            Capability.VIEW_CASES,
            Capability.VIEW_AGGREGATES,
            Capability.VIEW_COMPLIANCE,
            Capability.VIEW_COMPLIANCE_RETURN,
            Capability.VIEW_RULE_SETS,
            Capability.MANAGE_API_TOKENS,
            Capability.MANAGE_SURVEYS,
            Capability.EXPORT_CONTACT_DETAILS,
            Capability.VIEW_AUDIT_LOG,
            Capability.MANAGE_SITE,
        }
    ),
}


def has_capability(user: User, capability: Capability) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())


def forces_in_scope(user: User) -> QuerySet[Force]:
    """The forces whose data this user may see: oversight users see those they oversee."""
    # Inside the function: app configs import this module before models are loaded.
    from victimcare.forces.models import Force

    if not user.is_authenticated:
        return Force.objects.none()
    if user.role == Role.OVERSIGHT:
        return user.oversees.all()
    if user.force_id is None:
        return Force.objects.none()
    return Force.objects.filter(pk=user.force_id)


def _second_factor_given(user) -> bool:
    # StaffTwoFactorMiddleware already shows a half-signed-in session as anonymous; this
    # keeps the rule if a view is ever reached without it.
    is_verified = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and is_verified is not None and is_verified())


class StaffRequest(HttpRequest):
    """A request that ``capability_required`` let through: from signed-in staff, so its
    user is a ``User`` (type views behind it with this)."""

    user: User


def capability_required(capability: Capability) -> Callable:
    """Anonymous users, and staff who have not yet given their second factor, go to
    sign-in; signed-in users without the capability get a 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _second_factor_given(request.user):
                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator
