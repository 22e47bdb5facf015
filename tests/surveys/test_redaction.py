"""Comments are shown to supervisors and analysts with personal data redacted: what the
case knows (its victims' and officer's names, contacts, postcode, crime reference) and
anything that looks like personal data."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from victimcare.surveys.redaction import REDACTED, KnownPersonalData, comment_redact

JANE = KnownPersonalData(
    names=("Jane Smith", "Amir Jones"),
    emails=("jane.smith@example.com",),
    phones=("07700 900123",),
    postcodes=("E8 1AA",),
    references=("MPS-26-000123",),
)


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
        ("My crime number is MPS-26-004567", "MPS-26-004567"),
    ],
)
def test_personal_data_is_redacted(text, gone):
    redacted = comment_redact(text)
    assert gone not in redacted
    assert REDACTED in redacted


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "07700900123",
        "07700 900 123",
        "07700-900-123",
        "07700.900.123",
        "(07700) 900123",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)7700 900123",
        "0044 7700 900123",
        "+44-7700-900123",
        "020 7946 0018",
        "(020) 7946 0018",
        "020-7946-0018",
        "+44 20 7946 0018",
        "0161 496 0123",
        "01632 960123",
    ],
)
def test_phone_numbers_in_any_common_uk_formatting_are_redacted(phone):
    redacted = comment_redact(f"call me on {phone} tomorrow")
    assert redacted == f"call me on {REDACTED} tomorrow"


@pytest.mark.parametrize(
    "written",
    ["07700 900123", "07700900123", "+44 7700 900 123", "0044-7700-900-123", "(07700)900123"],
)
def test_the_victims_own_phone_is_redacted_however_it_is_written(written):
    redacted = comment_redact(f"ring {written}", known=JANE)
    assert not re.search(r"\d", redacted), redacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Jane Smith said PC Jones was rude, call me on 07700 900123",
            f"{REDACTED} said {REDACTED} was rude, call me on {REDACTED}",
        ),
        ("jane was upset", f"{REDACTED} was upset"),
        ("SMITH family", f"{REDACTED} family"),
        ("Jane's car was taken", f"{REDACTED} car was taken"),
        ("Jane’s bike too", f"{REDACTED} bike too"),
        ("the Smiths' house", f"the {REDACTED} house"),
        ("Amir Jones came round", f"{REDACTED} came round"),
        ("write to jane.smith@EXAMPLE.com", f"write to {REDACTED}"),
        ("I live in e81aa", f"I live in {REDACTED}"),
        ("ref mps-26-000123 please", f"ref {REDACTED} please"),
        ("Janet and Smithfield are not Jane", f"Janet and Smithfield are not {REDACTED}"),
    ],
)
def test_the_cases_own_names_and_contacts_are_redacted(text, expected):
    assert comment_redact(text, known=JANE) == expected


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
    assert comment_redact(text, known=JANE) == text


@given(st.text(max_size=300))
def test_redaction_never_fails_and_never_lets_an_email_through(text):
    redacted = comment_redact(text + " someone@example.com")
    assert "someone@example.com" not in redacted


NAME_PART = st.from_regex(r"[A-Z][a-z]{1,11}(?:[-'][A-Z][a-z]{1,11})?", fullmatch=True)
SEPARATORS = st.sampled_from([" ", "  ", ", ", ". ", "\n", " (", ") ", ": ", " - ", "!", "? "])
WORDS = st.lists(st.text(max_size=12), max_size=20)
CASING = st.sampled_from([str, str.lower, str.upper, str.title])
FORMS = st.sampled_from(["{}", "{}'s", "{}’s", "{}'"])


def _survives(name: str, text: str) -> bool:
    """Whether ``name`` is still there as a word (not part of a longer word)."""
    return re.search(rf"(?<![^\W\d_]){re.escape(name)}(?![^\W\d_])", text, re.I) is not None


@given(
    given_name=NAME_PART,
    family_name=NAME_PART,
    words=WORDS,
    data=st.data(),
)
def test_a_known_name_inserted_anywhere_never_survives(given_name, family_name, words, data):
    """Whatever surrounds it, a victim's first, last or full name, in any casing and in
    the possessive, is gone from the redacted comment."""
    name = data.draw(st.sampled_from([given_name, family_name, f"{given_name} {family_name}"]))
    shown = data.draw(FORMS).format(data.draw(CASING)(name))
    at = data.draw(st.integers(min_value=0, max_value=len(words)))
    parts = [*words[:at], shown, *words[at:]]
    text = "".join(part + data.draw(SEPARATORS) for part in parts)
    known = KnownPersonalData(names=(f"{given_name} {family_name}",))
    redacted = comment_redact(text, known=known)
    for part in (given_name, family_name):
        assert not _survives(part, redacted), (text, redacted)


NO_DIGITS = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Nd", "No", "Cs")), max_size=12),
    max_size=20,
)


@given(words=NO_DIGITS, data=st.data())
def test_the_victims_own_phone_and_email_never_survive(words, data):
    """The victim's phone (however written) and email are gone wherever they appear."""
    at = data.draw(st.integers(min_value=0, max_value=len(words)))
    value = data.draw(
        st.sampled_from(
            ["07700 900123", "+44 7700 900123", "07700-900-123", "Jane.Smith@example.com"]
        )
    )
    text = " ".join([*words[:at], value, *words[at:]])
    redacted = comment_redact(text, known=JANE)
    assert not re.search(r"\d", redacted), (text, redacted)
    assert "jane.smith@example.com" not in redacted.lower()
