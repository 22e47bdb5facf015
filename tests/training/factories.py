"""Builders for training tests."""

from __future__ import annotations

from datetime import date

from tests.factories import staff_make
from victimcare.accounts.constants import Role
from victimcare.accounts.models import SupportOrganisation
from victimcare.training import services

SECTIONS = "## Why it matters\n\nVictims told us they **heard nothing** for weeks.\n\n## What to do\n\nCall within 5 days."
POINTS = "Agree how and when to update the victim\nUpdate them even when nothing has changed"
CHECK = (
    "? When should you first update a victim?\n- When there is news\n* Within the agreed time, news or not\n"
    "? Who chooses how updates are given?\n* The victim\n- The officer"
)


def organisation_make(force, name: str = "Victim Support (test)") -> SupportOrganisation:
    organisation, _ = SupportOrganisation.objects.get_or_create(name=name)
    organisation.forces.add(force)
    return organisation


def draft_module_make(
    *,
    force,
    code: str = "keeping-informed",
    organisation_name: str = "Victim Support (test)",
    lead=None,
):
    """A module with one invited organisation and a written draft (not signed off)."""
    lead = lead or staff_make(Role.SUPERVISOR, force=force)
    module = services.module_create(
        user=lead, code=code, title="Keeping victims informed", measure="kept_informed"
    )
    organisation = organisation_make(force, organisation_name)
    services.invitation_create(user=lead, module=module, organisation=organisation)
    draft = module.versions.get()
    services.version_edit(
        user=lead,
        version=draft,
        sections=SECTIONS,
        learning_points=POINTS,
        check=CHECK,
        quotes=[{"text": "Nobody rang me back.", "source": "Survey comment"}],
        pass_mark=100,
    )
    draft.refresh_from_db()
    return module, draft, lead, organisation


def published_module_make(
    *, force, code: str = "keeping-informed", organisation_name: str = "Victim Support (test)"
):
    """A module whose version 1 is published (signed off by all), assigned to the
    frontline roles, with a draft version 2; returns (module, published, draft)."""
    module, draft, lead, organisation = draft_module_make(
        force=force, code=code, organisation_name=organisation_name
    )
    partner = staff_make(Role.SUPPORT_ORGANISATION, force=force, support_organisation=organisation)
    services.sign_off_record(user=lead, version=draft)
    services.sign_off_record(user=partner, version=draft)
    published = services.version_publish(user=lead, version=draft)
    for role in services.ASSIGNABLE_ROLES:
        services.assignment_create(user=lead, version=published, role=role, due_on=date(2099, 1, 1))
    new_draft = services.version_start(user=lead, module=module)
    return module, published, new_draft
