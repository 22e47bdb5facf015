"""The one filter for counts on staff and oversight pages: ``{{ value|count }}`` writes a
whole number with thousands separators (12,345), whatever the locale; years, references
and ids are not counts and are written without it. Anything that is not a number is left
as it is."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def count(value: Any) -> Any:
    """12345 -> "12,345"; a float is rounded to a whole number; other values unchanged."""
    if isinstance(value, bool) or value is None or value == "":
        return value
    if isinstance(value, int | float):
        return f"{round(value):,}"
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return f"{int(value):,}"
    return value
