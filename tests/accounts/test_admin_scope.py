"""The administration site within the force: a force administrator manages their own
force's staff, teams, areas and support-organisation links, reads national reference
data, and cannot see another force's rows; only a platform superuser manages national
data. Every ModelAdmin on the site has a rule here."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests.factories import PASSWORD, area_make, case_make, crime_type_make, force_make, staff_make
from victimcare.accounts.admin_scope import ScopedAdminMixin
from victimcare.accounts.constants import Role
from victimcare.accounts.models import OversightBody, ServiceToken, SupportOrganisation, User
from victimcare.accounts.services import service_token_create, staff_create
from victimcare.audit.models import AuditRecord
from victimcare.audit.services import audit_record_create
from victimcare.forces.models import Area, CrimeType, Force, Team
from victimcare.intake.models import ExternalReference

pytestmark = pytest.mark.django_db

OK, FORBIDDEN, NOT_FOUND = 200, 403, 404
VIEW = "view-only"  # 200, a read-only page with no save button

ADMINISTRATOR, SUPERUSER = "force administrator", "superuser"
ACTIONS = ["changelist", "add", "change-own", "change-other", "delete-own", "delete-other"]

# model label -> expected outcome per action, for a force administrator and a superuser.
# "own" is a row of the administrator's force (or, for national data, any row); "other"
# a row of another force (or another national row).
NATIONAL = {
    ADMINISTRATOR: [OK, FORBIDDEN, VIEW, VIEW, FORBIDDEN, FORBIDDEN],
    SUPERUSER: [OK, OK, OK, OK, OK, OK],
}
FORCE_OWNED = {
    ADMINISTRATOR: [OK, OK, OK, NOT_FOUND, OK, NOT_FOUND],
    SUPERUSER: [OK, OK, OK, OK, OK, OK],
}
FORCE_READ_ONLY = {
    ADMINISTRATOR: [OK, FORBIDDEN, VIEW, NOT_FOUND, FORBIDDEN, NOT_FOUND],
    SUPERUSER: [OK, OK, OK, OK, OK, OK],
}
ADMIN_RULES: dict[str, dict[str, list]] = {
    "forces.peerlist": NATIONAL,
    "forces.force": NATIONAL,
    "forces.crimetype": NATIONAL,
    "forces.area": FORCE_OWNED,
    "forces.team": FORCE_OWNED,
    "accounts.user": FORCE_OWNED,
    # National: oversight bodies' own names (MOPAC, HMICFRS), added by a superuser.
    "accounts.oversightbody": NATIONAL,
    # National; a force administrator links their force to any organisation or unlinks it.
    "accounts.supportorganisation": {
        ADMINISTRATOR: [OK, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN],
        SUPERUSER: [OK, OK, OK, OK, OK, OK],
    },
    # Unalterable by anyone.
    "audit.auditrecord": {
        ADMINISTRATOR: FORCE_READ_ONLY[ADMINISTRATOR],
        SUPERUSER: [OK, FORBIDDEN, VIEW, VIEW, FORBIDDEN, FORBIDDEN],
    },
    # Made on the command line or the token page; seen and revoked here.
    "accounts.servicetoken": {
        ADMINISTRATOR: [OK, FORBIDDEN, OK, NOT_FOUND, OK, NOT_FOUND],
        SUPERUSER: [OK, FORBIDDEN, OK, OK, OK, OK],
    },
    # Changed only through the case services (the Victims' Code clock).
    "cases.case": {
        ADMINISTRATOR: FORCE_READ_ONLY[ADMINISTRATOR],
        SUPERUSER: [OK, FORBIDDEN, VIEW, VIEW, FORBIDDEN, FORBIDDEN],
    },
    "intake.externalreference": FORCE_READ_ONLY,
}
# Other apps' models (sign-in attempts of every force, task results): superusers only.
PLATFORM_ONLY = [
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "django_tasks_database.dbtaskresult",
    # Authenticator apps and recovery codes: an administrator resets them with the staff
    # admin's action, never reads or edits them.
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
]


@pytest.fixture
def site():
    """Two forces with a row of every admin model each, a Met administrator and a
    platform superuser."""
    mps = force_make("MPS", "Metropolitan Police Service")
    gmp = force_make("GMP", "Greater Manchester Police")
    mps_case, gmp_case = case_make(force=mps), case_make(force=gmp)
    mps_admin = staff_make(Role.ADMINISTRATOR, force=mps, username="mps.admin")
    gmp_officer = staff_make(Role.OFFICER, force=gmp, username="gmp.officer")
    superuser = staff_create(
        username="platform.admin",
        password=PASSWORD,
        role=Role.ADMINISTRATOR,
        force=None,
        superuser=True,
    )
    linked = SupportOrganisation.objects.create(name="Victim Support (Met)")
    linked.forces.set([mps])
    elsewhere = SupportOrganisation.objects.create(name="Manchester Rape Crisis")
    elsewhere.forces.set([gmp])
    for force, name in [(mps, "mps-rms"), (gmp, "gmp-rms")]:
        service_token_create(force=force, name=name)
    for case in (mps_case, gmp_case):
        audit_record_create(user=superuser, victim=case.victims.first(), page="/test")
        ExternalReference.objects.create(case=case, force=case.force, system="rms", external_id=1)
    rows = {
        "forces.peerlist": (mps.peer_list, gmp.peer_list),
        "forces.force": (mps, gmp),
        "forces.crimetype": (crime_type_make(), crime_type_make("robbery")),
        "forces.area": (area_make(mps, "Camden"), area_make(gmp, "Salford")),
        "forces.team": (
            Team.objects.create(force=mps, code="camden-response", name="Camden response"),
            Team.objects.create(force=gmp, code="salford-response", name="Salford response"),
        ),
        "accounts.user": (staff_make(Role.OFFICER, force=mps), gmp_officer),
        "accounts.supportorganisation": (linked, elsewhere),
        "accounts.oversightbody": (
            OversightBody.objects.create(name="Mayor's Office for Policing and Crime"),
            OversightBody.objects.create(name="HMICFRS"),
        ),
        "audit.auditrecord": (
            AuditRecord.objects.get(force=mps),
            AuditRecord.objects.get(force=gmp),
        ),
        "accounts.servicetoken": (
            ServiceToken.objects.get(force=mps),
            ServiceToken.objects.get(force=gmp),
        ),
        "cases.case": (mps_case, gmp_case),
        "intake.externalreference": (
            ExternalReference.objects.get(force=mps),
            ExternalReference.objects.get(force=gmp),
        ),
    }
    return {
        "mps": mps,
        "gmp": gmp,
        "rows": rows,
        ADMINISTRATOR: mps_admin,
        SUPERUSER: superuser,
    }


def admin_url(label: str, action: str, rows: dict) -> str:
    app, model = label.split(".")
    if action in ("changelist", "add"):
        return reverse(f"admin:{app}_{model}_{action}")
    kind, whose = action.split("-")
    row = rows[label][0 if whose == "own" else 1]
    return reverse(f"admin:{app}_{model}_{kind}", args=[row.pk])


def assert_outcome(response, expected):
    if expected == VIEW:
        assert response.status_code == 200
        assert 'name="_save"' not in response.content.decode()
    else:
        assert response.status_code == expected, response.content[:300]


def test_every_admin_model_has_a_rule():
    """A ModelAdmin cannot be added to the site without deciding who may use it."""
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_RULES) | set(PLATFORM_ONLY)
    for model_admin in admin.site._registry.values():
        assert isinstance(model_admin, ScopedAdminMixin), type(model_admin)


CASES = [
    (label, action, actor, rule[actor][ACTIONS.index(action)])
    for label, rule in ADMIN_RULES.items()
    for actor in (ADMINISTRATOR, SUPERUSER)
    for action in ACTIONS
]


@pytest.mark.parametrize(
    ("label", "action", "actor", "expected"),
    CASES,
    ids=[f"{label}-{action}-{actor}" for label, action, actor, _ in CASES],
)
def test_admin_model_action_by_actor(client, site, label, action, actor, expected):
    """Force administrators manage their own force's rows and read national data;
    another force's rows are a 404; superusers manage national data."""
    client.force_login(site[actor])
    assert_outcome(client.get(admin_url(label, action, site["rows"])), expected)


READ_ONLY_TO_ADMINISTRATORS = [
    label for label, rule in ADMIN_RULES.items() if rule[ADMINISTRATOR][2] == VIEW
]


@pytest.mark.parametrize("label", READ_ONLY_TO_ADMINISTRATORS)
def test_force_administrator_cannot_save_read_only_data(client, site, label):
    """A crafted POST to the view page of national or read-only data is refused."""
    client.force_login(site[ADMINISTRATOR])
    row = site["rows"][label][0]
    before = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}
    url = admin_url(label, "change-own", site["rows"])
    response = client.post(url, {"name": "Renamed", "code": "renamed", "_save": "Save"})
    assert response.status_code == FORBIDDEN
    row.refresh_from_db()
    assert {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields} == before


@pytest.mark.parametrize("label", PLATFORM_ONLY)
@pytest.mark.parametrize(("actor", "expected"), [(ADMINISTRATOR, FORBIDDEN), (SUPERUSER, OK)])
def test_other_apps_models_are_for_superusers_only(client, site, label, actor, expected):
    client.force_login(site[actor])
    app, model = label.split(".")
    assert client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == expected


def test_groups_are_not_in_the_admin(client, site):
    """Permissions follow roles; there are no groups to grant."""
    client.force_login(site[SUPERUSER])
    assert client.get("/admin/auth/group/").status_code == NOT_FOUND


def test_force_administrator_index_lists_no_platform_models(client, site):
    client.force_login(site[ADMINISTRATOR])
    page = client.get(reverse("admin:index")).content.decode()
    assert "Crime types" in page
    assert "Access attempts" not in page
    assert "Groups" not in page


# --- staff: the crafted POSTs of an administrator trying to reach beyond the force -------


def new_staff_post(username: str, **extra) -> dict:
    return {
        "username": username,
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "role": Role.OFFICER,
        "team": "",
        "_save": "Save",
        **extra,
    }


def escalation_fields(site) -> dict:
    """Everything a form for a force administrator does not offer."""
    group = Group.objects.create(name="everything")
    group.permissions.set(Permission.objects.all())
    return {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [group.pk],
        "user_permissions": list(Permission.objects.values_list("pk", flat=True)[:5]),
        "force": site["gmp"].pk,
        "oversees": [site["gmp"].pk],
        "support_organisation": site["rows"]["accounts.supportorganisation"][1].pk,
    }


def assert_within_the_force(user: User, site) -> None:
    assert user.force == site["mps"]
    assert not user.is_superuser
    assert user.is_staff == (user.role == Role.ADMINISTRATOR)
    assert not user.groups.exists()
    assert not user.user_permissions.exists()
    assert set(user.oversees.all()) <= {site["mps"]}
    assert user.support_organisation is None


@pytest.mark.parametrize("role", [Role.OFFICER, Role.OVERSIGHT, Role.ADMINISTRATOR])
def test_staff_added_by_a_force_administrator_stay_in_the_force(client, site, role):
    """is_superuser, is_staff, groups, permissions, force=GMP and oversees=GMP in a crafted
    POST are ignored: the new user is in the administrator's force and reaches no further."""
    client.force_login(site[ADMINISTRATOR])
    data = new_staff_post("new.colleague", role=role, **escalation_fields(site))
    response = client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(username="new.colleague")
    assert user.role == role
    assert_within_the_force(user, site)
    if role == Role.OVERSIGHT:
        assert list(user.oversees.all()) == [site["mps"]]


@pytest.mark.parametrize("role", [Role.OFFICER, Role.OVERSIGHT, Role.ADMINISTRATOR])
def test_staff_changed_by_a_force_administrator_stay_in_the_force(client, site, role):
    client.force_login(site[ADMINISTRATOR])
    user = site["rows"]["accounts.user"][0]
    data = {
        "username": user.username,
        "first_name": "Changed",
        "last_name": user.last_name,
        "email": "",
        "is_active": "on",
        "role": role,
        "team": "",
        "collar_number": "",
        "contact_route": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "_save": "Save",
        **escalation_fields(site),
    }
    response = client.post(reverse("admin:accounts_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.content[:3000]
    user.refresh_from_db()
    assert (user.first_name, user.role) == ("Changed", role)
    assert_within_the_force(user, site)


def test_force_administrator_cannot_give_a_team_of_another_force(client, site):
    client.force_login(site[ADMINISTRATOR])
    gmp_team = site["rows"]["forces.team"][1]
    response = client.post(
        reverse("admin:accounts_user_add"), new_staff_post("new.colleague", team=gmp_team.pk)
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(username="new.colleague").exists()


def test_force_administrator_cannot_make_support_organisation_staff(client, site):
    """A support organisation's staff read referrals from every force it serves."""
    client.force_login(site[ADMINISTRATOR])
    response = client.post(
        reverse("admin:accounts_user_add"),
        new_staff_post("new.colleague", role=Role.SUPPORT_ORGANISATION),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(username="new.colleague").exists()


def test_add_staff_form_offers_no_escalation_to_a_force_administrator(client, site):
    client.force_login(site[ADMINISTRATOR])
    page = client.get(reverse("admin:accounts_user_add")).content.decode()
    for field in ("is_superuser", "is_staff", "groups", "user_permissions", "force", "oversees"):
        assert f'name="{field}"' not in page
    assert "Greater Manchester Police" not in page
    assert "Salford response" not in page
    assert 'value="support_organisation"' not in page


@pytest.fixture
def beyond_reach(site):
    """Staff of the Met whose reach goes beyond it, and a superuser."""
    mps, gmp = site["mps"], site["gmp"]
    return {
        "oversight of GMP": staff_make(Role.OVERSIGHT, force=mps, oversees=[mps, gmp]),
        "support organisation": staff_make(
            Role.SUPPORT_ORGANISATION,
            force=mps,
            support_organisation=site["rows"]["accounts.supportorganisation"][0],
        ),
        "superuser": site[SUPERUSER],
    }


@pytest.mark.parametrize("who", ["oversight of GMP", "support organisation", "superuser"])
@pytest.mark.parametrize(
    "view", ["accounts_user_change", "auth_user_password_change", "accounts_user_delete"]
)
def test_staff_reaching_beyond_the_force_are_invisible_to_its_administrator(
    client, site, beyond_reach, who, view
):
    """Changing their password would give the administrator their reach."""
    client.force_login(site[ADMINISTRATOR])
    user = beyond_reach[who]
    response = client.get(reverse(f"admin:{view}", args=[user.pk]))
    assert response.status_code == NOT_FOUND
    listing = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert user.username not in listing


def test_staff_created_in_the_admin_cannot_see_another_forces_victims(client, site):
    """The finding itself: an officer the Met's administrator saves with force=GMP is a
    Met officer, and a GMP victim's case is a 404 to them."""
    client.force_login(site[ADMINISTRATOR])
    data = new_staff_post("new.colleague", force=site["gmp"].pk)
    assert client.post(reverse("admin:accounts_user_add"), data).status_code == 302
    client.force_login(User.objects.get(username="new.colleague"))
    gmp_case = site["rows"]["cases.case"][1]
    response = client.get(reverse("cases:detail", kwargs={"reference": gmp_case.reference}))
    assert response.status_code == NOT_FOUND


# --- areas, teams, support organisations ----------------------------------------------------


def test_area_added_by_a_force_administrator_is_in_their_force(client, site):
    client.force_login(site[ADMINISTRATOR])
    data = {"force": site["gmp"].pk, "code": "brent", "name": "Brent", "kind": "borough"}
    response = client.post(reverse("admin:forces_area_add"), data)
    assert response.status_code == 302, response.content[:2000]
    assert Area.objects.get(code="brent").force == site["mps"]


def test_force_administrator_cannot_put_a_team_in_another_forces_area(client, site):
    client.force_login(site[ADMINISTRATOR])
    gmp_area = site["rows"]["forces.area"][1]
    data = {"force": site["gmp"].pk, "area": gmp_area.pk, "code": "x", "name": "X"}
    response = client.post(reverse("admin:forces_team_add"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Team.objects.filter(code="x").exists()


def test_force_administrator_links_only_their_own_force_to_an_organisation(client, site):
    """Renaming it or linking other forces in a crafted POST does nothing."""
    client.force_login(site[ADMINISTRATOR])
    organisation = site["rows"]["accounts.supportorganisation"][1]
    url = reverse("admin:accounts_supportorganisation_change", args=[organisation.pk])
    data = {"linked": "on", "name": "Renamed", "forces": [], "_save": "Save"}
    assert client.post(url, data).status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Manchester Rape Crisis"
    assert set(organisation.forces.all()) == {site["mps"], site["gmp"]}
    assert client.post(url, {"_save": "Save"}).status_code == 302
    assert set(organisation.forces.all()) == {site["gmp"]}


def test_a_revoked_token_stays_revoked(client, site):
    client.force_login(site[ADMINISTRATOR])
    token = site["rows"]["accounts.servicetoken"][0]
    url = reverse("admin:accounts_servicetoken_change", args=[token.pk])
    assert (
        client.post(url, {"revoked_at_0": "2026-09-01", "revoked_at_1": "10:00:00"}).status_code
        == 302
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.post(url, {"revoked_at_0": "", "revoked_at_1": ""}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_case_admin_shows_no_summary(client, site):
    """The free-text summary can name people: it is read on the audited case page."""
    case = site["rows"]["cases.case"][0]
    case.summary = "Ada Testperson's neighbour saw it"
    case.save(update_fields=["summary"])
    client.force_login(site[SUPERUSER])
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert case.reference in page
    assert "neighbour" not in page


# --- the platform superuser ------------------------------------------------------------------


def test_superuser_manages_national_data(client, site):
    client.force_login(site[SUPERUSER])
    data = {
        "code": "fraud",
        "name": "Fraud",
        "plain_name": "Someone tricked me out of money",
        "survey_group": CrimeType.objects.first().survey_group,
        "_save": "Save",
    }
    assert client.post(reverse("admin:forces_crimetype_add"), data).status_code == 302
    assert CrimeType.objects.filter(code="fraud").exists()
    gmp = site["gmp"]
    url = reverse("admin:forces_force_change", args=[gmp.pk])
    data = {"code": "GMP", "name": "Greater Manchester Police (renamed)"}
    assert client.post(url, data).status_code == 302
    assert Force.objects.get(pk=gmp.pk).name.endswith("(renamed)")


def test_no_superuser_is_made_in_the_admin(client, site):
    """Even a superuser's crafted POST makes an ordinary member of staff."""
    client.force_login(site[SUPERUSER])
    data = new_staff_post("new.colleague", force=site["gmp"].pk, is_superuser="on")
    response = client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(username="new.colleague")
    assert (user.is_superuser, user.is_staff, user.force) == (False, False, site["gmp"])


def test_superuser_must_give_new_staff_a_force(client, site):
    client.force_login(site[SUPERUSER])
    response = client.post(reverse("admin:accounts_user_add"), new_staff_post("new.colleague"))
    assert response.status_code == 200
    assert "Every staff member belongs to a force" in response.content.decode()


def test_superuser_belongs_to_no_force_and_sees_no_victims(client, site):
    """The platform superuser manages national data; no force's cases are theirs."""
    client.force_login(site[SUPERUSER])
    assert client.get(reverse("core:staff-home")).status_code == OK
    for case in site["rows"]["cases.case"]:
        response = client.get(reverse("cases:detail", kwargs={"reference": case.reference}))
        assert response.status_code == NOT_FOUND
