"""The oversight pages render for the demo world (a shrunken one), and say it is synthetic."""

from __future__ import annotations

import pytest
from django.urls import reverse

from victimcare.accounts.models import User
from victimcare.demo.services import demo_world_build
from victimcare.surveys.models import Response

pytestmark = pytest.mark.django_db


def test_pages_render_for_the_demo_world(client):
    demo_world_build(scale="small", seed=1, cases_per_force=400)
    if not Response.objects.exists():
        pytest.skip("this demo world has no survey responses yet")
    client.force_login(User.objects.get(username="mopac.oversight"))
    for name in ("dashboard", "league", "drivers", "targets"):
        response = client.get(reverse(f"oversight:{name}", kwargs={"code": "MPS"}))
        assert response.status_code == 200, name
        assert "Demonstration data: synthetic" in response.content.decode()
