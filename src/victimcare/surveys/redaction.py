"""Personal data taken out of victims' free-text comments before anyone reads them.

Two layers. First what is known about the case (``KnownPersonalData``: the names of its
victims and officer, in full, first and last, with possessives; its victims' emails,
phone numbers in any common UK formatting, postcodes; its crime reference), matched
case-insensitively; then patterns, which err towards redacting: email addresses, phone
numbers, postcodes, crime references, street addresses, names after a title or an
introduction ("my name is ...").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

REDACTED = "[redacted]"

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# 0 or +44 / 0044 (with an optional "(0)"), then ten or nine digits, spaced, dotted,
# dashed or bracketed as people write them: 07700 900123, (020) 7946 0018, 07700.900.123.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|\b00)[\s.-]?44[\s.-]?(?:\(0\)[\s.-]?)?|\(?0)"
    r"(?:[\s.\-()]{0,2}\d){9,10}(?![\w])"
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
# Crime references as victimcare allocates them (MPS-26-000123).
_CRIME_REFERENCE = re.compile(r"\b[A-Z]{2,6}-\d{2}-\d{3,8}\b", re.IGNORECASE)
_STREET_WORDS = (
    "street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|court|ct|crescent|place|"
    "terrace|grove|gardens|square|hill|park|row|mews|walk|green|rise|vale|view"
)
_ADDRESS = re.compile(
    rf"\b(?:flat\s+\w+,?\s+)?\d{{1,4}}[a-z]?,?\s+(?:[A-Z][a-z']+\s+){{1,3}}(?:{_STREET_WORDS})\b\.?",
    re.IGNORECASE,
)
_NAME = r"[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?"
_TITLED = re.compile(
    rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|PC|DC|PCSO|Sgt|Sergeant|DS|DI|Inspector|Officer|Constable)"
    rf"\.?\s+{_NAME}"
)
_INTRODUCED = re.compile(
    rf"\b((?i:my name is|i am called|i'm called|name's|called|named|this is)\s+){_NAME}"
)
# A known name is a whole word: not touching another letter (digits and punctuation
# around it do not protect it), with an optional possessive: Jane's, Jones', Janes.
_NOT_LETTER_BEFORE = r"(?<![^\W\d_])"
_NOT_LETTER_AFTER = r"(?![^\W\d_])"
_POSSESSIVE = r"(?:['\u2019]s|s['\u2019]?|['\u2019])?"


@dataclass(frozen=True)
class KnownPersonalData:
    """What the case tells us about the people a comment may name."""

    names: tuple[str, ...] = ()
    """Full names of the case's victims and officer; each word is redacted too."""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    """The case's crime reference(s)."""


NOTHING_KNOWN = KnownPersonalData()


def _name_variants(names: Iterable[str]) -> set[str]:
    variants: set[str] = set()
    for name in names:
        full = " ".join((name or "").split())
        if len(full) < 2:
            continue
        variants.add(full)
        variants.update(part for part in re.split(r"[\s\-]+", full) if len(part) > 1)
    return variants


def _phone_pattern(phone: str) -> str | None:
    """Any common UK writing of ``phone``: its national digits after 0, +44 or 0044,
    with spaces, dots, dashes or brackets anywhere between them."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0044"):
        digits = digits[4:]
    elif digits.startswith("44") and (phone or "").lstrip().startswith("+"):
        digits = digits[2:]
    digits = digits.removeprefix("0")
    if len(digits) < 6:
        return None
    separators = r"[\s.\-()]{0,3}"
    body = separators.join(re.escape(d) for d in digits)
    prefix = r"(?:(?:\+|00)[\s.-]?44[\s.-]?(?:\(0\)[\s.-]?)?|\(?0[\s.\-)]{0,2})?"
    return rf"(?<!\d){prefix}{body}(?!\d)"


def _alternatives(parts: list[str]) -> re.Pattern | None:
    if not parts:
        return None
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


def _known_contacts(known: KnownPersonalData) -> re.Pattern | None:
    parts = [re.escape(v.strip()) for v in (*known.emails, *known.references) if v and v.strip()]
    for postcode in known.postcodes:
        compact = re.sub(r"\s+", "", postcode or "")
        if len(compact) >= 5:
            parts.append(rf"\b{re.escape(compact[:-3])}\s*{re.escape(compact[-3:])}\b")
    parts.extend(p for p in map(_phone_pattern, known.phones) if p)
    return _alternatives(parts)


def _known_names(known: KnownPersonalData) -> re.Pattern | None:
    words = sorted(_name_variants(known.names), key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    return _alternatives(
        [rf"{_NOT_LETTER_BEFORE}(?:{alternatives}){_POSSESSIVE}{_NOT_LETTER_AFTER}"]
    )


def comment_redact(text: str, *, known: KnownPersonalData = NOTHING_KNOWN) -> str:
    """``text`` with personal data replaced by [redacted]: the contacts ``known`` for the
    case, then anything that looks like personal data, then the case's known names
    (last, so that "PC Jones" goes whole and a name left beside a redaction still goes)."""
    if not text:
        return ""
    contacts = _known_contacts(known)
    if contacts is not None:
        text = contacts.sub(REDACTED, text)
    text = _EMAIL.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    text = _CRIME_REFERENCE.sub(REDACTED, text)
    text = _ADDRESS.sub(REDACTED, text)
    text = _POSTCODE.sub(REDACTED, text)
    text = _TITLED.sub(REDACTED, text)
    text = _INTRODUCED.sub(lambda m: m.group(1) + REDACTED, text)
    names = _known_names(known)
    if names is not None:
        text = names.sub(REDACTED, text)
    return text
