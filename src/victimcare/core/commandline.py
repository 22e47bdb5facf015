"""What every `victimcare` subcommand shares: the error that ends it with one line, Django's
setup, the argument types, and the shape of the function that adds a subcommand's parser.

Here, at the bottom of the layers, so that each app's ``commands.py`` can use it without
importing the dispatcher (`victimcare.cli`) above them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date
from typing import Protocol

from victimcare.core.errors import SettingsError

PROG = "victimcare"


class CommandError(Exception):
    """A subcommand cannot go on; the message is printed as one line and exit code 2."""


def fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def setup_django(*, check_database: bool = True) -> None:
    """Load settings (which may reject a bad DATABASE_URL) and, if asked, reach the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victimcare.config.settings")
    try:
        import django

        django.setup()
    except SettingsError as error:
        raise CommandError(str(error)) from None
    if check_database:
        database_check()


def database_check() -> None:
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "the embedded database"
        raise CommandError(f"cannot connect to {where}: {reason}") from None


# --- argument types shared by the commands -------------------------------------------


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, not {value}")
    return value


def port_number(text: str) -> int:
    value = non_negative_int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535, not {value}")
    return value


def calendar_day(text: str) -> date:
    """A day given as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date as YYYY-MM-DD, not {text!r}") from None


class AddCommand(Protocol):
    """What `add_NAME(add)` is given: adds a subcommand's parser and returns it."""

    def __call__(
        self, name: str, handler: Callable[[argparse.Namespace], int], help_text: str, **kwargs
    ) -> argparse.ArgumentParser: ...
