"""The range of dates any page, API call or command accepts as a query period.

Compliance dates, oversight quarters and survey months all come from users and URLs;
a year like 0001 or 9999 used to reach date arithmetic (a year before, a quarter after)
and crash it. Every period parser checks its year here, so bad input is a clear 400 and
never a 500: years run from ``YEAR_MIN`` to next year (a target's deadline, a planned
survey month).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

YEAR_MIN = 2000


class PeriodError(ValueError):
    """A period could not be read or is out of range; the message says what was expected."""


def year_max(today: date | None = None) -> int:
    """The latest year a period may fall in: next year."""
    return (today or timezone.localdate()).year + 1


def year_check(year: int, *, what: str = "The year") -> None:
    """Raise ``PeriodError`` unless ``YEAR_MIN <= year <= year_max()``."""
    latest = year_max()
    if not YEAR_MIN <= year <= latest:
        raise PeriodError(
            _("%(what)s must be between %(first)s and %(last)s")
            % {"what": what, "first": YEAR_MIN, "last": latest}
        )


def date_check(day: date, *, what: str = "The date") -> date:
    """``day`` if its year is in range, else ``PeriodError``."""
    year_check(day.year, what=what)
    return day


class PeriodDateField(forms.DateField):
    """A date field whose year must be in the accepted range (2000 to next year)."""

    default_error_messages = {
        "out_of_range": gettext_lazy("The date must be between %(first)s and %(last)s"),
    }

    def validate(self, value):
        super().validate(value)
        if value and not YEAR_MIN <= value.year <= year_max():
            message = self.error_messages["out_of_range"] % {
                "first": f"1/1/{YEAR_MIN}",
                "last": f"31/12/{year_max()}",
            }
            raise forms.ValidationError(message, code="out_of_range")


def period_error_response(
    request: HttpRequest, *, errors: list[str], back: str, status: int = 400
) -> HttpResponse:
    """A 400 page with a GOV.UK error summary, for a download or page whose period in the
    URL cannot be used (there is no form on the page to show the error beside)."""
    return render(
        request, "core/period_error.html", {"errors": errors, "back": back}, status=status
    )
