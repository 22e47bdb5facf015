"""Builders for reporting tests: a complete set of answers and a force ready to report to."""

from __future__ import annotations

from tests.factories import area_make, crime_type_make, force_make


def reporting_world():
    force = force_make("MPS", "Metropolitan Police Service")
    area_make(force, "Hackney")
    area_make(force, "Enfield")
    crime_type_make("domestic-burglary")
    return force


def answers_make(**overrides) -> dict:
    answers = {
        "crime_type": "domestic-burglary",
        "summary": "Someone broke in through the back door and took a laptop.",
        "area": "hackney",
        "occurred_on": "2026-09-01",
        "occurred_time": "14:30",
        "given_name": "Ada",
        "family_name": "Testperson",
        "date_of_birth": "1980-03-31",
        "preferred_contact": "email",
        "email": "ada@example.com",
        "phone": "07700 900123",
        "phone_is_safe": "yes",
        "address": "",
        "postcode": "",
        "times_to_avoid": "",
        "wants_visit": "yes",
        "age_band": "",
        "sex": "",
        "ethnicity": "",
        "disability": "",
    }
    answers.update(overrides)
    return answers


def api_body(**overrides) -> dict:
    body = {
        "crime_type": "domestic-burglary",
        "area": "hackney",
        "summary": "Burglary reported to the records system.",
        "occurred_at": "2026-09-01T14:30:00+01:00",
        "wants_visit": True,
        "victim": {
            "given_name": "Bo",
            "family_name": "Example",
            "email": "bo@example.com",
            "phone": "07700 900456",
            "phone_is_safe": True,
            "preferred_contact": "sms",
        },
    }
    body.update(overrides)
    return body
