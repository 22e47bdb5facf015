"""Reads for the contact exports (personal data): only for the services that export
and audit them."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.cases.models import Victim
from victimcare.forces.models import Force
from victimcare.surveys.constants import (
    Mode,
    Outcome,
)
from victimcare.surveys.models import (
    Invitation,
    Sample,
    SampleMember,
)


def contact_export_allowed(*, user: User, force: Force) -> bool:
    """Whether ``user`` may download victims' contact details of ``force``'s samples."""
    return (
        has_capability(user, Capability.EXPORT_CONTACT_DETAILS)
        and forces_in_scope(user).filter(pk=force.pk).exists()
    )


def contact_export_samples(*, user: User) -> list[dict]:
    """Samples of the forces in scope with contact details waiting to be exported: web
    invitations and reminders not sent by the notifications service, and victims issued
    to a telephone agency. Counts only."""
    if not has_capability(user, Capability.EXPORT_CONTACT_DETAILS):
        return []
    samples = list(
        Sample.objects.filter(force__in=forces_in_scope(user))
        .select_related("force")
        .order_by("-month", "force__code")
    )
    ids = [sample.pk for sample in samples]
    unsent = dict(
        Invitation.objects.filter(
            member__sample_id__in=ids, sent=False, member__outcome=Outcome.ISSUED
        )
        .values("member__sample_id")
        .annotate(n=Count("id"))
        .values_list("member__sample_id", "n")
    )
    agency = dict(
        SampleMember.objects.filter(sample_id__in=ids, mode=Mode.AGENCY, outcome=Outcome.ISSUED)
        .values("sample_id")
        .annotate(n=Count("id"))
        .values_list("sample_id", "n")
    )
    return [
        {"sample": sample, "unsent": unsent.get(sample.pk, 0), "agency": agency.get(sample.pk, 0)}
        for sample in samples
    ]


def contact_export_sample_get(*, user: User, pk: int) -> Sample:
    """A sample whose contact details the user may export; a 404 otherwise."""
    if not has_capability(user, Capability.EXPORT_CONTACT_DETAILS):
        raise Http404("No such sample in your force")
    sample = (
        Sample.objects.filter(force__in=forces_in_scope(user), pk=pk)
        .select_related("force")
        .first()
    )
    if sample is None:
        raise Http404("No such sample in your force")
    return sample


def agency_export_rows(*, sample: Sample) -> list[tuple[Victim, dict]]:
    """What a telephone agency needs for each victim issued to it, and nothing more:
    serial, name, phone, times to avoid, crime group and the date of the report."""
    members = (
        SampleMember.objects.filter(sample=sample, mode=Mode.AGENCY, outcome=Outcome.ISSUED)
        .select_related("victim__personal_details", "victim__case__crime_type", "victim__case")
        .order_by("serial")
    )
    rows = []
    for member in members:
        details = member.victim.personal_details
        case = member.victim.case
        rows.append(
            (
                member.victim,
                {
                    "serial": member.serial,
                    "given_name": details.given_name,
                    "family_name": details.family_name,
                    "phone": details.phone,
                    "times_to_avoid": details.times_to_avoid,
                    "crime_group": case.crime_type.survey_group,
                    "reported_on": f"{timezone.localtime(case.reported_at):%Y-%m-%d}",
                },
            )
        )
    return rows


INVITATION_EXPORT_COLUMNS = (
    "serial",
    "kind",
    "route",
    "given_name",
    "family_name",
    "email",
    "phone",
    "address",
    "postcode",
    "link",
    "expires_on",
)


def invitation_export_rows(*, sample: Sample, base_url: str, link_for) -> list[tuple[Victim, dict]]:
    """Invitations and reminders recorded but not sent by the notifications service, with
    the contact detail each route needs (a mail merge or an SMS gateway sends them)."""
    invitations = (
        Invitation.objects.filter(member__sample=sample, sent=False, member__outcome=Outcome.ISSUED)
        .select_related("member__victim__personal_details")
        .order_by("member__serial", "created_at")
    )
    rows = []
    for invitation in invitations:
        member = invitation.member
        details = member.victim.personal_details
        route = invitation.route
        rows.append(
            (
                member.victim,
                {
                    "serial": member.serial,
                    "kind": invitation.kind,
                    "route": route,
                    "given_name": details.given_name,
                    "family_name": details.family_name,
                    "email": details.email if route == "email" else "",
                    "phone": details.phone if route == "sms" else "",
                    "address": details.address if route == "letter" else "",
                    "postcode": details.postcode if route == "letter" else "",
                    "link": base_url + link_for(member),
                    "expires_on": f"{timezone.localtime(member.expires_at):%Y-%m-%d}"
                    if member.expires_at
                    else "",
                },
            )
        )
    return rows
