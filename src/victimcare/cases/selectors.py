"""Every read of cases that other code uses, already scoped to what the user may see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Replace, Upper
from django.http import Http404

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.cases.models import Case, CaseEvent, Victim


@dataclass(frozen=True)
class CaseListFilter:
    """The case list's filters: none of them is personal data (they go in the address)."""

    status: str = ""
    team_id: int | None = None  # cases whose officer in charge is in this team
    officer_id: int | None = None
    crime_group: str = ""
    enhanced: bool = False


def case_list(
    *, user: User, search: str = "", filters: CaseListFilter | None = None
) -> QuerySet[Case]:
    """Cases of the user's own force (none for roles that may not see cases)."""
    if not has_capability(user, Capability.VIEW_CASES) or user.force_id is None:
        return Case.objects.none()
    cases = Case.objects.filter(force_id=user.force_id).select_related(
        "area", "crime_type", "officer_in_charge", "force"
    )
    search = search.strip().upper()
    if search:
        cases = cases.filter(reference__icontains=search)
    if filters is not None:
        if filters.status:
            cases = cases.filter(status=filters.status)
        if filters.officer_id:
            cases = cases.filter(officer_in_charge_id=filters.officer_id)
        if filters.team_id:
            cases = cases.filter(officer_in_charge__team_id=filters.team_id)
        if filters.crime_group:
            cases = cases.filter(crime_type__survey_group=filters.crime_group)
        if filters.enhanced:
            enhanced = Victim.objects.filter(
                Q(most_serious_crime=True)
                | Q(persistently_targeted=True)
                | Q(vulnerable=True)
                | Q(intimidated=True)
            )
            cases = cases.filter(victims__in=enhanced).distinct()
    return cases.order_by("-reported_at", "-id")


def case_get(*, user: User, reference: str) -> Case:
    """One case in the user's scope; a 404 whether it is missing or belongs elsewhere."""
    try:
        return case_list(user=user).get(reference=reference.upper())
    except Case.DoesNotExist:
        raise Http404("No case with that reference in your force") from None


def case_victims(*, case: Case) -> QuerySet[Victim]:
    return Victim.objects.filter(case=case).select_related("personal_details").order_by("id")


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).select_related("by").order_by("at", "id")


def case_counts(*, user: User) -> list[dict]:
    """Case counts by force and crime group for the forces in scope: aggregates only."""
    if not has_capability(user, Capability.VIEW_AGGREGATES):
        return []
    rows = (
        Case.objects.filter(force__in=forces_in_scope(user))
        .values("force__code", "force__name", "crime_type__survey_group")
        .annotate(cases=Count("id"))
        .order_by("force__name", "crime_type__survey_group")
    )
    return [dict(row) for row in rows]


def phone_normalise(value: str) -> str:
    """A UK phone number as digits with a leading 0: '+44 7700 900123' and '07700900123'
    are the same number."""
    digits = re.sub(r"[^\d+]", "", value)
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    return digits.replace("+", "")


def postcode_normalise(value: str) -> str:
    return re.sub(r"\s", "", value).upper()


def _stored_phone():
    """The stored phone normalised in the database the way phone_normalise does."""
    expression = "personal_details__phone"
    expression = Replace(expression, Value(" "), Value(""))
    expression = Replace(expression, Value("-"), Value(""))
    expression = Replace(expression, Value("("), Value(""))
    expression = Replace(expression, Value(")"), Value(""))
    expression = Replace(expression, Value("+44"), Value("0"))
    return expression


@dataclass(frozen=True)
class CaseSearchTerms:
    reference: str = ""
    given_name: str = ""
    family_name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    phone: str = ""
    email: str = ""


def case_search(*, user: User, terms: CaseSearchTerms, limit: int = 50) -> list[Victim]:
    """Victims (with their cases) of the user's own force matching every term given: the
    reference in part, names from their start and without regard to case, phone and
    postcode normalised (spaces, +44 or 0), email exactly (without regard to case). The
    caller must audit what it shows (``case_search_disclose``)."""
    if not has_capability(user, Capability.VIEW_CASES) or user.force_id is None:
        return []
    victims = Victim.objects.filter(case__force_id=user.force_id)
    if terms.reference.strip():
        victims = victims.filter(case__reference__icontains=terms.reference.strip().upper())
    if terms.given_name.strip():
        victims = victims.filter(personal_details__given_name__istartswith=terms.given_name.strip())
    if terms.family_name.strip():
        victims = victims.filter(
            personal_details__family_name__istartswith=terms.family_name.strip()
        )
    if terms.date_of_birth:
        victims = victims.filter(personal_details__date_of_birth=terms.date_of_birth)
    if terms.postcode.strip():
        victims = victims.annotate(
            _postcode=Upper(Replace("personal_details__postcode", Value(" "), Value("")))
        ).filter(_postcode=postcode_normalise(terms.postcode))
    if terms.phone.strip():
        wanted = phone_normalise(terms.phone)
        if not wanted:
            return []
        victims = victims.annotate(_phone=_stored_phone()).filter(_phone=wanted)
    if terms.email.strip():
        victims = victims.filter(personal_details__email__iexact=terms.email.strip())
    return list(
        victims.filter(~Q(personal_details=None))
        .select_related("personal_details", "case", "case__crime_type", "case__officer_in_charge")
        .order_by("-case__reported_at", "id")[:limit]
    )
