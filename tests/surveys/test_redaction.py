"""Comments are shown to supervisors and analysts with personal data redacted."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from victimcare.surveys.redaction import REDACTED, comment_redact


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Email me at jo.bloggs+police@example.co.uk please", "jo.bloggs"),
        ("My number is 07700 900123.", "07700 900123"),
        ("Ring +44 7700 900123 after six", "7700 900123"),
        ("Landline 020 7946 0018", "7946 0018"),
        ("I live at 12 Acacia Avenue, Hackney", "12 Acacia Avenue"),
        ("Flat 3, 45 High Street was broken into", "45 High Street"),
        ("Postcode E8 1AA", "E8 1AA"),
        ("PC Smith was very kind", "Smith"),
        ("Mrs Jane Doe next door saw it", "Jane Doe"),
        ("My name is Priya Patel and nobody called", "Priya Patel"),
        ("DC Okafor kept me informed", "Okafor"),
    ],
)
def test_personal_data_is_redacted(text, gone):
    redacted = comment_redact(text)
    assert gone not in redacted
    assert REDACTED in redacted


def test_known_names_are_redacted_wherever_they_appear():
    assert comment_redact("ada said thanks", known_names=["Ada"]) == f"{REDACTED} said thanks"


@pytest.mark.parametrize(
    "text",
    [
        "The officer was kind and called me back the next day.",
        "Nobody told me anything for 6 weeks.",
        "I waited 45 minutes on 101.",
    ],
)
def test_ordinary_comments_are_left_alone(text):
    assert comment_redact(text) == text


@given(st.text(max_size=300))
def test_redaction_never_fails_and_never_lets_an_email_through(text):
    redacted = comment_redact(text + " someone@example.com")
    assert "someone@example.com" not in redacted
