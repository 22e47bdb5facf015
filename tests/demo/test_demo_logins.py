"""Signing in as each demo role (password, then the code from the printed authenticator
key) shows only what that role may see."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import totp_code
from victimcare.accounts.constants import Role
from victimcare.cases.models import Case
from victimcare.demo.logins import demo_logins
from victimcare.demo.services import demo_world_build

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"\b(MPS|GMP|WMP)-\d\d-\d{6}\b")


@pytest.fixture
def demo_world():
    demo_world_build(scale="small", seed=3, cases_per_force=40)


def sign_in(client, username):
    response = client.post(
        reverse("accounts:sign-in"), {"username": username, "password": settings.DEMO_PASSWORD}
    )
    assert response.status_code == 302, f"{username} could not sign in"
    assert response["Location"] == reverse("accounts:two-factor"), f"{username} has no app"
    secret = {login.username: login.totp_secret for login in demo_logins()}[username]
    response = client.post(reverse("accounts:two-factor"), {"code": totp_code(secret)})
    assert response["Location"] == reverse("core:staff-home"), f"{username}'s code refused"


def home_as(client, username):
    sign_in(client, username)
    return client.get(reverse("core:staff-home")).content.decode()


def forces_of_references(page):
    return {match.group(1) for match in REFERENCE.finditer(page)}


@pytest.mark.parametrize(
    ("username", "reference_forces"),
    [
        ("mps.callhandler", {"MPS"}),
        ("mps.officer", {"MPS"}),
        ("mps.supervisor", {"MPS"}),
        ("mps.admin", {"MPS"}),
        ("gmp.officer", {"GMP"}),
        ("wmp.officer", {"WMP"}),
        ("mps.analyst", set()),
        ("mopac.oversight", set()),
        ("hmicfrs.oversight", set()),
        ("victimsupport.partner", set()),
    ],
)
def test_each_demo_login_sees_case_references_of_its_own_force_only(
    client, demo_world, username, reference_forces
):
    assert forces_of_references(home_as(client, username)) == reference_forces


@pytest.mark.parametrize(
    ("username", "shown", "hidden"),
    [
        ("mps.analyst", {"Metropolitan Police Service"}, {"Greater Manchester Police"}),
        ("mopac.oversight", {"Metropolitan Police Service"}, {"Greater Manchester Police"}),
        (
            "hmicfrs.oversight",
            {"Metropolitan Police Service", "Greater Manchester Police", "West Midlands Police"},
            set(),
        ),
    ],
)
def test_aggregate_roles_see_counts_for_the_forces_in_their_scope(
    client, demo_world, username, shown, hidden
):
    page = home_as(client, username)
    table = page[page.index("Recorded cases by crime group") :]
    for name in shown:
        assert name in table
    for name in hidden:
        assert name not in table


@pytest.mark.parametrize("username", ["mps.analyst", "mopac.oversight", "victimsupport.partner"])
def test_roles_without_case_access_cannot_open_a_case(client, demo_world, username):
    case = Case.objects.filter(force__code="MPS").first()
    home_as(client, username)
    assert client.get(case.get_absolute_url()).status_code == 403


def test_every_demo_login_can_sign_in(client, demo_world):
    logins = demo_logins()
    assert {login.role for login in logins} == set(Role.values)
    for login in logins:
        client.logout()
        sign_in(client, login.username)


def test_the_printed_logins_carry_each_ones_authenticator_key(demo_world, capsys):
    """`victimcare demo` prints every login with the key that makes its codes."""
    from victimcare.demo.commands import print_demo_logins

    print_demo_logins()
    printed = capsys.readouterr().out
    for login in demo_logins():
        assert re.fullmatch(r"[A-Z2-7]{32}", login.totp_secret)
        line = next(line for line in printed.splitlines() if f" {login.username} " in line)
        assert login.totp_secret in line
    assert "oathtool --totp -b" in printed


def test_enrolling_the_demo_logins_again_keeps_their_keys(demo_world):
    from victimcare.demo.logins import demo_logins_enrol

    before = {login.username: login.totp_secret for login in demo_logins()}
    assert demo_logins_enrol() == 0
    assert {login.username: login.totp_secret for login in demo_logins()} == before


def test_the_demo_analyst_never_sees_personal_data(client, demo_world):
    """README: mps.analyst sees surveys and dashboards, "never personal data"."""
    from victimcare.cases.models import VictimPersonalDetails
    from victimcare.surveys.models import Sample

    sign_in(client, "mps.analyst")
    samples = Sample.objects.filter(force__code="MPS")
    assert samples.exists()
    pages = [reverse("core:staff-home"), reverse("surveys:index"), reverse("surveys:responses")]
    pages += [reverse("surveys:sample-detail", kwargs={"pk": s.pk}) for s in samples]
    pages.append(reverse("surveys:microdata") + "?from=2020-01&to=2030-12")
    seen = "".join(client.get(url).content.decode() for url in pages)
    details = VictimPersonalDetails.objects.filter(victim__case__force__code="MPS")
    for d in details:
        for value in (f"{d.given_name} {d.family_name}", d.email, d.phone, d.address):
            assert not value or value not in seen, value
    for sample in samples:
        for route in ("surveys:agency-export", "surveys:invitations-export"):
            assert client.get(reverse(route, kwargs={"pk": sample.pk})).status_code == 403
