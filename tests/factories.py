"""Test data builders, in one place. Each returns saved rows with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from victimcare.accounts.constants import Role
from victimcare.accounts.models import SupportOrganisation, User
from victimcare.accounts.services import staff_create
from victimcare.cases.models import Case
from victimcare.cases.services import VictimDetails, case_create
from victimcare.forces.constants import SurveyGroup
from victimcare.forces.models import Area, CrimeType, Force, PeerList

LONDON = ZoneInfo("Europe/London")
PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)


def force_make(code: str = "MPS", name: str | None = None) -> Force:
    """A force; the forces made in a test are each other's peers (as one group would be)."""
    force, made = Force.objects.get_or_create(
        code=code, defaults={"name": name or f"{code} Police"}
    )
    if made:
        for other in Force.objects.exclude(pk=force.pk):
            for owner, peer in ((force, other), (other, force)):
                peer_list, _ = PeerList.objects.get_or_create(
                    force=owner, defaults={"name": "Large metropolitan forces"}
                )
                peer_list.peers.add(peer)
    return force


def area_make(force: Force, name: str = "Hackney") -> Area:
    area, _ = Area.objects.get_or_create(
        force=force, code=name.lower().replace(" ", "-"), defaults={"name": name}
    )
    return area


def crime_type_make(code: str = "domestic-burglary") -> CrimeType:
    crime_type, _ = CrimeType.objects.get_or_create(
        code=code,
        defaults={
            "name": code.replace("-", " ").capitalize(),
            "plain_name": "Someone broke into my home",
            "survey_group": SurveyGroup.BURGLARY,
            "is_surveyed": True,
        },
    )
    return crime_type


def staff_make(role: str = Role.OFFICER, force: Force | None = None, **kwargs) -> User:
    force = force or force_make()
    number = next(_counter)
    if role == Role.SUPPORT_ORGANISATION and "support_organisation" not in kwargs:
        organisation, _ = SupportOrganisation.objects.get_or_create(name="Victim Support (test)")
        kwargs["support_organisation"] = organisation
    return staff_create(
        username=kwargs.pop("username", f"{role}.{force.code.lower()}.{number}"),
        password=PASSWORD,
        role=role,
        force=force,
        first_name=kwargs.pop("first_name", "Test"),
        last_name=kwargs.pop("last_name", f"Staff{number}"),
        **kwargs,
    )


def case_make(force: Force | None = None, **kwargs) -> Case:
    force = force or force_make()
    victim = kwargs.pop(
        "victim",
        VictimDetails(
            given_name="Ada",
            family_name="Testperson",
            email="ada@example.com",
            phone="07700 900123",
            phone_is_safe=True,
        ),
    )
    return case_create(
        force=force,
        area=kwargs.pop("area", None) or area_make(force),
        crime_type=kwargs.pop("crime_type", None) or crime_type_make(),
        channel=kwargs.pop("channel", "phone"),
        reported_at=kwargs.pop("reported_at", datetime(2026, 9, 1, 10, 0, tzinfo=LONDON)),
        victim=victim,
        **kwargs,
    )


def totp_device_make(user: User):
    """The user's confirmed authenticator-app device (made once), as if set up."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def session_verify(client, user) -> None:
    """Mark ``client``'s signed-in session as having given the second factor, the way
    django_otp's ``login`` does after a right code (tests and benchmarks that use
    ``force_login``; tests/conftest.py does it for every test client)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device_make(user).persistent_id
    session.save()


def totp_code(secret_or_device, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now for a base32 secret or a TOTP device. A
    device accepts each time step once, so a second sign-in in the same 30 seconds takes
    the next step's code (``steps_ahead=1``; the device allows one step of drift)."""
    import base64
    import time

    from django_otp.oath import TOTP

    if isinstance(secret_or_device, str):
        secret = secret_or_device.replace(" ", "").upper()
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        last_t = -1
    else:
        secret_or_device.refresh_from_db()
        key, last_t = secret_or_device.bin_key, secret_or_device.last_t
    totp = TOTP(key)
    totp.time = time.time()
    step = max(totp.t() + steps_ahead, last_t + 1)
    totp.time = step * totp.step
    return f"{totp.token():06d}"
