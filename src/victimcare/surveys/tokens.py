"""Single-use survey links: an unguessable token per sampled victim.

The token is an HMAC of a random salt under the secret key; the database keeps the salt
and a hash of the token. The link can be rebuilt (to export invitations) only by the
running service, and a copy of the database alone opens nobody's survey.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from django.conf import settings

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_SERIAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone


def token_salt_new() -> str:
    return secrets.token_hex(16)


def token_for(salt: str) -> str:
    """The link token for a salt: 43 URL-safe characters (256 bits)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"survey-link:{salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def serial_new() -> str:
    """A short reference for interviewers and agencies, e.g. S7K2QMX4P."""
    return "S" + "".join(secrets.choice(_SERIAL_ALPHABET) for _ in range(8))
