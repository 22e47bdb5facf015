"""Who may use each survey route (merged into tests/accounts/test_access.py)."""

from __future__ import annotations

from datetime import datetime

from tests.access_rules import ANON, FORBIDDEN, LOGIN, NOT_FOUND, OK, every, roles
from tests.factories import LONDON, case_make
from victimcare.accounts.constants import Role
from victimcare.surveys.constants import Mode
from victimcare.surveys.services import invitations_send, response_record
from victimcare.surveys.tokens import token_for

MANAGE = {Role.ANALYST, Role.ADMINISTRATOR}
# Victims' names and contact details for fieldwork: never the analyst who draws samples.
CONTACT_EXPORT = {Role.SUPERVISOR, Role.ADMINISTRATOR}
ANALYST = {Role.ANALYST}
INTERVIEWER = {Role.CALL_HANDLER}
SUPERVISOR = {Role.SUPERVISOR}
WORKERS = {Role.OFFICER, Role.SUPERVISOR}
PUBLIC = {ANON: OK, **every(OK)}
REDIRECT = 302


def scoped(allowed: set, yes=OK) -> dict:
    return roles(allowed, yes, FORBIDDEN)


def other_force(allowed: set) -> dict:
    return roles(allowed, NOT_FOUND, FORBIDDEN)


def world_extend(world) -> None:
    """Survey objects are built on first use, so other apps' route tests never pay for them."""
    built: dict = {}

    def surveys() -> dict:
        if not built:
            _build(world, built)
        return built

    world["surveys"] = surveys


def _build(world, built: dict) -> None:
    """A web sample (September) and a telephone sample (August) in each force; the
    telephone respondent was dissatisfied, so a call-back is open."""
    from tests.surveys.factories import census_design
    from victimcare.surveys.services import sample_draw

    for key in ("force", "other-force"):
        force = world[key]
        web = sample_draw(
            force=force, month=datetime(2026, 9, 1).date(), design=census_design(), seed=1
        )
        invitations_send(sample=web)
        case_make(force=force, reported_at=datetime(2026, 8, 12, 10, 0, tzinfo=LONDON))
        phone = sample_draw(
            force=force,
            month=datetime(2026, 8, 1).date(),
            design=census_design(mode=Mode.TELEPHONE),
            seed=1,
        )
        interviewee = phone.members.get()
        response = response_record(
            member=interviewee,
            answers={
                "ease_of_contact": "neither",
                "actions_taken": "very_dissatisfied",
                "kept_informed": "very_dissatisfied",
                "treatment": "fairly_satisfied",
                "whole_experience": "very_dissatisfied",
                "comments": "Nobody rang me back.",
                "agrees_to_contact": "yes",
            },
            mode=Mode.TELEPHONE,
        )
        suffix = "" if key == "force" else "-other"
        built[f"sample{suffix}"] = web
        built[f"token{suffix}"] = token_for(web.members.get().token_salt)
        built[f"interview{suffix}"] = interviewee
        built[f"recovery{suffix}"] = response.recovery
        built[f"da-contact{suffix}"] = _da_contact(interviewee.victim)
        built[f"da-email{suffix}"], built[f"da-token{suffix}"] = _da_invited(force, "email")
        built[f"da-phone{suffix}"], _token = _da_invited(force, "phone")


def _da_invited(force, route: str):
    """A domestic abuse victim approved and invited by their confirmed safe ``route``, and
    the emailed link's token (blank for a phone)."""
    from tests.surveys.factories import victim_case_make
    from victimcare.care.constants import ReferralConsent
    from victimcare.care.services.events import needs_assessment_record
    from victimcare.surveys.services.domestic_abuse import (
        da_contact_decide,
        da_contacts_propose,
        da_invitation_send,
    )

    case = victim_case_make(
        force,
        crime="domestic",
        reported_at=datetime(2026, 9, 20, 10, 0, tzinfo=LONDON),
        given_name=f"Da{route.capitalize()}",
        phone=f"07700 90{force.pk:02d}{1 if route == 'phone' else 2:02d}",
        phone_is_safe=True,
    )
    victim = case.victims.get()
    needs_assessment_record(
        case=case,
        victim=victim,
        by=None,
        needs=[],
        referral_consent=ReferralConsent.NO,
        safe_route=route,
        safe_route_confirmed=True,
    )
    result = da_contacts_propose(force=force, month=datetime(2026, 9, 1).date())
    contact = next(c for c in result.proposed if c.victim_id == victim.pk)
    da_contact_decide(contact=contact, by=_any_officer(force), approve=True)
    contact = da_invitation_send(contact=contact)
    return contact, token_for(contact.token_salt) if contact.token_salt else ""


def _any_officer(force):
    from tests.factories import staff_make

    return staff_make(Role.OFFICER, force=force)


def _da_contact(victim):
    """A domestic abuse survey contact awaiting approval (the rules are tested apart)."""
    from victimcare.surveys.models import DaSurveyContact
    from victimcare.surveys.services.domestic_abuse import da_questionnaire_get

    return DaSurveyContact.objects.create(
        victim=victim,
        force_id=victim.case.force_id,
        area_id=victim.case.area_id,
        month=datetime(2026, 8, 1).date(),
        questionnaire=da_questionnaire_get(),
        route="email",
        proposed_at=datetime(2026, 10, 1, 10, 0, tzinfo=LONDON),
    )


def _token(world):
    return {"token": world["surveys"]()["token"]}


def _pk(name):
    return lambda world: {"pk": world["surveys"]()[name].pk}


def _serial(name):
    return lambda world: {"serial": world["surveys"]()[name].serial}


ROUTES = {
    "surveys:web-done": ("get", None, PUBLIC),
    "surveys:web-start": ("get", _token, PUBLIC),
    # Unknown, used or expired: the same plain page for everyone.
    "surveys:web-start@unknown": (
        "get",
        lambda w: {"token": "x" * 43},
        {ANON: NOT_FOUND, **every(NOT_FOUND)},
    ),
    "surveys:web-question": (
        "get",
        lambda w: {**_token(w), "code": "ease_of_contact"},
        PUBLIC,
    ),
    # Nothing answered yet: sent to the first question.
    "surveys:web-check": ("get", _token, {ANON: REDIRECT, **every(REDIRECT)}),
    "surveys:web-opt-out": ("post", _token, PUBLIC),
    "surveys:index": ("get", None, scoped(MANAGE)),
    "surveys:sample-new": ("get", None, scoped(MANAGE)),
    "surveys:sample-detail": ("get", _pk("sample"), scoped(MANAGE)),
    "surveys:sample-detail@other-force": (
        "get",
        _pk("sample-other"),
        other_force(MANAGE),
    ),
    "surveys:sample-invite": (
        "post",
        _pk("sample"),
        scoped(MANAGE, REDIRECT),
    ),
    "surveys:contact-exports": ("get", None, scoped(CONTACT_EXPORT)),
    "surveys:invitations-export": ("get", _pk("sample"), scoped(CONTACT_EXPORT)),
    "surveys:invitations-export@other-force": (
        "get",
        _pk("sample-other"),
        other_force(CONTACT_EXPORT),
    ),
    "surveys:agency-export": ("get", _pk("sample"), scoped(CONTACT_EXPORT)),
    "surveys:agency-export@other-force": (
        "get",
        _pk("sample-other"),
        other_force(CONTACT_EXPORT),
    ),
    "surveys:agency-import": ("get", _pk("sample"), scoped(MANAGE)),
    "surveys:responses": ("get", None, scoped(ANALYST)),
    "surveys:microdata": ("get", None, scoped(ANALYST)),
    "surveys:interviews": ("get", None, scoped(INTERVIEWER)),
    "surveys:interview": (
        "get",
        _serial("interview"),
        scoped(INTERVIEWER),
    ),
    "surveys:interview@other-force": (
        "get",
        _serial("interview-other"),
        other_force(INTERVIEWER),
    ),
    "surveys:recovery": ("get", None, scoped(SUPERVISOR)),
    "surveys:recovery-task": ("get", _pk("recovery"), scoped(SUPERVISOR)),
    "surveys:recovery-task@other-force": (
        "get",
        _pk("recovery-other"),
        other_force(SUPERVISOR),
    ),
    # Domestic abuse survey approvals: officers and supervisors of the force; an empty
    # form goes back to the list with a message.
    "surveys:da-approvals": ("get", None, scoped(WORKERS)),
    "surveys:da-approval-decide": ("post", _pk("da-contact"), scoped(WORKERS, REDIRECT)),
    "surveys:da-approval-decide@other-force": (
        "post",
        _pk("da-contact-other"),
        other_force(WORKERS),
    ),
    # The domestic abuse survey's web questionnaire, by the emailed link: public.
    "surveys:feedback-done": ("get", None, PUBLIC),
    "surveys:feedback-start": ("get", lambda w: {"token": w["surveys"]()["da-token"]}, PUBLIC),
    "surveys:feedback-start@unknown": (
        "get",
        lambda w: {"token": "y" * 43},
        {ANON: NOT_FOUND, **every(NOT_FOUND)},
    ),
    "surveys:feedback-question": (
        "get",
        lambda w: {"token": w["surveys"]()["da-token"], "code": "ease_of_contact"},
        PUBLIC,
    ),
    # Nothing answered yet: sent to the first question.
    "surveys:feedback-check": (
        "get",
        lambda w: {"token": w["surveys"]()["da-token"]},
        {ANON: REDIRECT, **every(REDIRECT)},
    ),
    # Its telephone interviews: the force's survey interviewers (audited).
    "surveys:da-interviews": ("get", None, scoped(INTERVIEWER)),
    "surveys:da-interview": ("get", _pk("da-phone"), scoped(INTERVIEWER)),
    "surveys:da-interview@other-force": ("get", _pk("da-phone-other"), other_force(INTERVIEWER)),
    # The risk lowered, from the case page: an empty form goes back with a message.
    "surveys:victim-risk-clear": (
        "post",
        lambda w: {"reference": w["own-case"].reference},
        scoped(WORKERS, REDIRECT),
    ),
    "surveys:victim-risk-clear@other-force": (
        "post",
        lambda w: {"reference": w["other-case"].reference},
        other_force(WORKERS),
    ),
    # An empty form: back to the case page with a message.
    "surveys:victim-flag": (
        "post",
        lambda w: {"reference": w["own-case"].reference},
        scoped(WORKERS, REDIRECT),
    ),
    "surveys:victim-flag@other-force": (
        "post",
        lambda w: {"reference": w["other-case"].reference},
        other_force(WORKERS),
    ),
}
assert all(
    expected[ANON] in (LOGIN, OK, NOT_FOUND, REDIRECT) for _m, _t, expected in ROUTES.values()
)
