"""In the synthetic demo, where no victim can receive a real message and the message
backends never keep a code, the Track my case code page shows the code just sent, marked
"Demo only"; outside the demo it never does."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import case_make, force_make
from victimcare.demo.models import DemoWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return case_make(force=force_make("MPS", "Metropolitan Police Service"))


def shown_codes(page: str) -> list[str]:
    return re.findall(r'<strong class="vc-demo-code">(\d{6})</strong>', page)


def test_the_demo_shows_the_code_just_sent_and_it_signs_in(client, case, mailoutbox):
    DemoWorld.objects.create(scale="small", seed=1, built_at=timezone.now())
    client.post(reverse("portal:start"), {"reference": case.reference})
    page = client.get(reverse("portal:code")).content.decode()
    assert "Demo only" in page
    [code] = shown_codes(page)
    assert code in mailoutbox[-1].body  # the very code that was sent
    response = client.post(reverse("portal:code"), {"code": code})
    assert response["Location"] == reverse("portal:case")
    client.post(reverse("portal:sign-out"))
    client.post(reverse("portal:start"), {"reference": "MPS-00-000000"})
    assert shown_codes(client.get(reverse("portal:code")).content.decode()) == []


def test_outside_the_demo_the_code_page_never_shows_a_code(client, case, mailoutbox):
    client.post(reverse("portal:start"), {"reference": case.reference})
    page = client.get(reverse("portal:code")).content.decode()
    assert len(mailoutbox) == 1
    assert "Demo only" not in page
    assert shown_codes(page) == []
    assert re.search(r"is (\d{6})\.", mailoutbox[-1].body).group(1) not in page
