"""Personal data taken out of victims' free-text comments before anyone reads them.

Pattern-based, so it errs towards redacting: email addresses, phone numbers, postcodes,
street addresses, names after a title or an introduction ("my name is ..."), and any
names the caller knows (the victim's own, the officer's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w])(?:\+44\s?\(?0?\)?|\(?0)(?:[\s-]?\d){9,10}\)?(?![\w])")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
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


def comment_redact(text: str, *, known_names: Iterable[str] = ()) -> str:
    """``text`` with personal data replaced by [redacted]."""
    if not text:
        return ""
    text = _EMAIL.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    text = _ADDRESS.sub(REDACTED, text)
    text = _POSTCODE.sub(REDACTED, text)
    text = _TITLED.sub(REDACTED, text)
    text = _INTRODUCED.sub(lambda m: m.group(1) + REDACTED, text)
    for name in sorted(
        {n.strip() for n in known_names if n and len(n.strip()) > 1}, key=len, reverse=True
    ):
        text = re.sub(rf"\b{re.escape(name)}\b", REDACTED, text, flags=re.IGNORECASE)
    return text
