"""The one time zone victimcare counts days in: working days, deadlines, survey months,
quarters and imported local times are all Europe/London dates and clocks.

Define it here only (no Django, no other victimcare import, so every app may use it).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

__all__ = ["LONDON", "LONDON_TZ_NAME"]

LONDON_TZ_NAME = "Europe/London"
LONDON = ZoneInfo(LONDON_TZ_NAME)
