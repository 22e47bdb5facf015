"""Oversight tests publish figures as of 15 January 2027, when the fieldwork of every
month to September 2026 (the factories' last) is complete; a test about incomplete
fieldwork passes its own date."""

from datetime import date

import pytest

from victimcare.oversight import publication

PUBLISHED_ON = date(2027, 1, 15)


@pytest.fixture(autouse=True)
def _published_on(monkeypatch):
    monkeypatch.setattr(publication, "today", lambda: PUBLISHED_ON)
