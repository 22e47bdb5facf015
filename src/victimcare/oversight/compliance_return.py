"""The Victims and Prisoners Act 2024 compliance return: Victims' Code compliance per
victim, by quarter, with breakdowns, Wilson intervals and suppressed small cells.

One computation (``compliance_return``) serves ``victimcare compliance-return``, the
oversight pages and ``GET /api/v1/compliance``, so that they agree. Reads only.

Counting rule (per victim, not per obligation): for a measure, a victim's obligations are
those with one of the measure's codes whose deadline falls in the quarter (Europe/London
dates), leaving out those cancelled before their deadline (e.g. a referral the victim
declined). A victim is counted once the deadline of every such obligation has passed or
the obligation was met (until then they are *pending* and left out); a counted victim
*met* the measure when every such obligation was met on or before its deadline.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Case as DbCase
from django.db.models import CharField, F, IntegerField, Max, Min, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from victimcare.accounts.permissions import Capability, forces_in_scope, has_capability
from victimcare.care.constants import ObligationStatus
from victimcare.care.models import Obligation, Rule
from victimcare.cases.constants import PREFER_NOT_TO_SAY, AgeBand
from victimcare.core.csv_export import csv_dict_writer
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Force
from victimcare.oversight.compliance_measures import (
    ALL,
    BREAKDOWN_DEFINITIONS,
    BREAKDOWNS,
    MEASURES,
    NOT_RECORDED,
    MeasureDefinition,
    group_labels,
)
from victimcare.oversight.constants import suppression_threshold
from victimcare.oversight.periods import Quarter
from victimcare.oversight.suppression import Line, suppress

Z95 = 1.959963984540054  # the normal 97.5% quantile, qnorm(0.975) in R
COLUMNS = (
    "measure",
    "breakdown",
    "group",
    "numerator",
    "denominator",
    "rate",
    "ci_low",
    "ci_high",
    "suppressed",
)


@dataclass
class Cell:
    measure: str
    breakdown: str
    group: str
    numerator: int = 0
    denominator: int = 0
    suppressed: str = ""  # "", "primary" or "secondary"
    label: str = ""

    @property
    def rate(self) -> float | None:
        if self.suppressed or self.denominator == 0:
            return None
        return self.numerator / self.denominator

    @property
    def interval(self) -> tuple[float, float] | None:
        if self.suppressed or self.denominator == 0:
            return None
        return wilson_interval(self.numerator, self.denominator)

    def as_row(self) -> dict[str, object]:
        interval = self.interval
        hidden = bool(self.suppressed)
        return {
            "measure": self.measure,
            "breakdown": self.breakdown,
            "group": self.group,
            "numerator": "" if hidden else self.numerator,
            "denominator": "" if hidden else self.denominator,
            "rate": "" if self.rate is None else round(self.rate, 4),
            "ci_low": "" if interval is None else round(interval[0], 4),
            "ci_high": "" if interval is None else round(interval[1], 4),
            "suppressed": self.suppressed,
        }


@dataclass
class ComplianceReturn:
    force: Force
    quarter: Quarter
    as_at: datetime
    threshold: int
    cells: list[Cell] = field(default_factory=list)
    not_clocked: list[str] = field(default_factory=list)  # measure codes
    pending: dict[str, int] = field(default_factory=dict)  # measure -> victims pending

    def rows(self) -> list[dict[str, object]]:
        return [cell.as_row() for cell in self.cells]

    def table(self, measure: str) -> list[Cell]:
        return [cell for cell in self.cells if cell.measure == measure]

    def headline(self, measure: str) -> Cell:
        return next(c for c in self.cells if c.measure == measure and c.breakdown == ALL)

    def by_measure(self) -> list[tuple[MeasureDefinition, list[tuple[str, list[Cell]]]]]:
        """For pages: each measure with its cells grouped by breakdown, in order."""
        out = []
        for measure in MEASURES:
            cells = self.table(measure.code)
            breakdowns = dict.fromkeys(c.breakdown for c in cells)
            out.append((measure, [(b, [c for c in cells if c.breakdown == b]) for b in breakdowns]))
        return out

    @property
    def complete(self) -> bool:
        """Every deadline of the quarter had passed when the return was made."""
        return self.as_at >= quarter_bounds(self.quarter)[1]


def compliance_return_forces(*, user) -> QuerySet[Force]:
    """The forces whose return the user may see: none without VIEW_COMPLIANCE_RETURN."""
    if not has_capability(user, Capability.VIEW_COMPLIANCE_RETURN):
        return Force.objects.none()
    return forces_in_scope(user).order_by("name")


def compliance_return_force_get(*, user, code: str) -> Force:
    """A force in the user's scope; a 404 whether missing or out of scope."""
    force = compliance_return_forces(user=user).filter(code__iexact=code).first()
    if force is None:
        raise Http404("No such force in your scope")
    return force


def latest_complete_quarter(today: date | None = None) -> Quarter:
    return Quarter.containing(today or timezone.localdate()).previous()


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for ``successes`` out of ``n`` (no continuity correction;
    R's ``prop.test(x, n, correct = FALSE)$conf.int``)."""
    if n <= 0:
        raise ValueError("a proportion needs n of at least 1")
    if not 0 <= successes <= n:
        raise ValueError("successes must lie between 0 and n")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def quarter_bounds(quarter: Quarter) -> tuple[datetime, datetime]:
    """The quarter as aware datetimes [start, end) in Europe/London."""
    start = datetime.combine(quarter.first_month, time.min, tzinfo=LONDON)
    end = datetime.combine(quarter.end + timedelta(days=1), time.min, tzinfo=LONDON)
    return start, end


def age_group(
    *, date_of_birth: date | None, age_band: str, occurred_at: datetime | None, reported_at
) -> str:
    """under_18, 18_and_over or not_known (see BREAKDOWN_DEFINITIONS["age_band"])."""
    if date_of_birth is not None:
        offence = timezone.localtime(occurred_at or reported_at, LONDON).date()
        age = offence.year - date_of_birth.year
        if (offence.month, offence.day) < (date_of_birth.month, date_of_birth.day):
            age -= 1
        return "under_18" if age < 18 else "18_and_over"
    if age_band == AgeBand.UNDER_16:
        return "under_18"
    if age_band in ("", AgeBand.AGE_16_24, PREFER_NOT_TO_SAY):
        return "not_known"
    return "18_and_over"


def measures_clocked() -> set[str]:
    """The measures with at least one obligation code defined in a loaded rule set."""
    codes = set(
        Rule.objects.filter(code__in=[c for m in MEASURES for c in m.obligation_codes])
        .values_list("code", flat=True)
        .distinct()
    )
    return {m.code for m in MEASURES if codes.intersection(m.obligation_codes)}


_VICTIM_FIELDS = (
    "victim__age_band",
    "victim__sex",
    "victim__ethnicity",
    "victim__disability",
    "victim__most_serious_crime",
    "victim__persistently_targeted",
    "victim__vulnerable",
    "victim__intimidated",
    "case__area__code",
    "case__crime_type__survey_group",
    "case__occurred_at",
    "case__reported_at",
    # Read only to derive under_18 here; no date of birth leaves this module.
    "victim__personal_details__date_of_birth",
)


def _victims(force: Force, quarter: Quarter, as_at: datetime) -> dict[str, list[tuple]]:
    """measure -> one (breakdown groups, met, pending) per victim with an obligation of
    the measure due in the quarter. The database reduces obligations to victims: met is
    the least of "met on time" over their obligations, pending the greatest of "deadline
    still to come and not met yet" (judged on the times as at ``as_at``, not the status,
    so that when the breach task last ran changes nothing)."""
    start, end = quarter_bounds(quarter)
    measure = DbCase(
        *(When(code__in=m.obligation_codes, then=Value(m.code)) for m in MEASURES),
        output_field=CharField(),
    )
    on_time = DbCase(
        When(status=ObligationStatus.MET, met_at__lte=F("due_at"), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    not_yet = Q(due_at__gte=as_at) & (Q(met_at__isnull=True) | Q(met_at__gt=as_at))
    pending = DbCase(When(not_yet, then=Value(1)), default=Value(0), output_field=IntegerField())
    rows = (
        Obligation.objects.filter(
            case__force=force,
            due_at__gte=start,
            due_at__lt=end,
            code__in=[code for m in MEASURES for code in m.obligation_codes],
        )
        .exclude(Q(status=ObligationStatus.CANCELLED) & Q(breached_at__isnull=True))
        .annotate(measure=measure)
        .order_by()
        .values("victim_id", "measure", *_VICTIM_FIELDS)
        .annotate(met=Min(on_time), pending=Max(pending))
        .values_list("measure", "met", "pending", *_VICTIM_FIELDS)
    )
    out: dict[str, list[tuple]] = {m.code: [] for m in MEASURES}
    for row in rows.iterator(chunk_size=5000):
        code, met, is_pending = row[:3]
        age_band, sex, ethnicity, disability, *grounds = row[3:11]
        area, crime_group, occurred_at, reported_at, date_of_birth = row[11:]
        groups = {
            ALL: ALL,
            "age_band": age_group(
                date_of_birth=date_of_birth,
                age_band=age_band,
                occurred_at=occurred_at,
                reported_at=reported_at,
            ),
            "sex": sex or NOT_RECORDED,
            "ethnicity": ethnicity or NOT_RECORDED,
            "disability": disability or NOT_RECORDED,
            "crime_group": crime_group,
            "enhanced": "enhanced" if any(grounds) else "not_enhanced",
            "area": area,
        }
        out[code].append((groups, bool(met), bool(is_pending)))
    return out


def compliance_return(
    *,
    force: Force,
    quarter: Quarter,
    as_at: datetime | None = None,
    threshold: int | None = None,
) -> ComplianceReturn:
    """The force's return for the quarter, as at ``as_at`` (default now). Callers scope
    ``force`` first (``oversight_force_get``, ``forces_in_scope``)."""
    as_at = as_at or timezone.now()
    result = ComplianceReturn(
        force=force, quarter=quarter, as_at=as_at, threshold=suppression_threshold(threshold)
    )
    clocked = measures_clocked()
    result.not_clocked = [m.code for m in MEASURES if m.code not in clocked]
    areas = dict(force.areas.order_by("code").values_list("code", "name"))
    groups = {**BREAKDOWNS, "area": tuple(areas)}
    labels = group_labels(areas)
    victims = _victims(force, quarter, as_at)
    for measure in MEASURES:
        cells: dict[tuple[str, str], Cell] = {
            (breakdown, group): Cell(
                measure.code, breakdown, group, label=labels.get((breakdown, group), group)
            )
            for breakdown, members in groups.items()
            for group in members
        }
        pending = 0
        for victim_groups, met, is_pending in victims[measure.code]:
            if is_pending:
                pending += 1
                continue
            for breakdown, group in victim_groups.items():
                cell = cells.get((breakdown, group))
                if cell is None:  # a value outside the choices: counted, never dropped
                    cell = cells[(breakdown, group)] = Cell(measure.code, breakdown, group)
                cell.denominator += 1
                cell.numerator += int(met)
        result.pending[measure.code] = pending
        _suppress(cells, result.threshold)
        result.cells.extend(cells.values())
    return result


def _suppress(cells: dict[tuple[str, str], Cell], threshold: int) -> None:
    """Primary and secondary suppression on the victims counted (denominators): each
    breakdown's groups add up to the measure's ``all`` cell."""
    total = (ALL, ALL)
    lines = []
    for breakdown in {key[0] for key in cells} - {ALL}:
        members = tuple(key for key in cells if key[0] == breakdown)
        lines.append(Line(members, total))
    marks = suppress({key: c.denominator for key, c in cells.items()}, lines, threshold=threshold)
    for key, cell in cells.items():
        if key in marks:
            cell.suppressed = marks[key]


def compliance_comparison(
    *, forces: Iterable[Force], quarter: Quarter, as_at: datetime | None = None
) -> dict[str, list[tuple[Force, Cell]]]:
    """measure -> one (force, headline cell) per force, for comparing forces; each force's
    cell suppressed as in its own return."""
    as_at = as_at or timezone.now()
    returns = [compliance_return(force=f, quarter=quarter, as_at=as_at) for f in forces]
    return {m.code: [(r.force, r.headline(m.code)) for r in returns] for m in MEASURES}


def return_csv(rows: Iterable[dict[str, object]], *, first: tuple[str, ...] = ()) -> str:
    """The return's rows as CSV (``first``: extra leading columns, e.g. ``force``)."""
    out = io.StringIO()
    writer = csv_dict_writer(out, fieldnames=(*first, *COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def readme_text(result: ComplianceReturn) -> str:
    """README.txt for the return: measures, breakdowns, dates, suppression, source."""
    start, end = quarter_bounds(result.quarter)
    last_day = (end - timedelta(days=1)).date()
    lines = [
        f"Victims' Code compliance return: {result.force.name} ({result.force.code}), "
        f"{result.quarter.code}",
        "",
        f"Quarter: {start.date():%d %B %Y} to {last_day:%d %B %Y} (Europe/London dates).",
        f"Made: {timezone.localtime(result.as_at, LONDON):%d %B %Y %H:%M} (Europe/London).",
    ]
    if not result.complete:
        lines.append(
            "The quarter was not over when this was made: victims with an obligation whose "
            "deadline had not yet passed are left out until it does (see pending below)."
        )
    lines += [
        "",
        "Source: the Victims' Code obligations clocked by victimcare's care app "
        "(care.Obligation) from each case's event log under the rule set the force runs; "
        "the victim's recorded characteristics (cases.Victim) and the case's area and "
        "crime type. Counts of records, not a sample.",
        "",
        "Counting rule (per victim, not per obligation): for each measure, a victim's "
        "obligations are those with one of the measure's obligation codes whose deadline "
        "falls in the quarter, leaving out obligations cancelled before their deadline. A "
        "victim is counted (denominator) when each of those obligations was met or its "
        "deadline has passed; they count as met (numerator) when every one was met on or "
        "before its deadline. A victim counts once per measure whatever the number of "
        "obligations (e.g. several decisions in the quarter).",
        "",
        "Columns: measure, breakdown, group; numerator (victims who met it), denominator "
        "(victims counted); rate = numerator / denominator; ci_low, ci_high: Wilson 95% "
        "score interval (no continuity correction); suppressed: primary, secondary or "
        "empty. Rate and interval are empty when the denominator is 0.",
        "",
        "Measures:",
    ]
    for m in MEASURES:
        lines.append(f"- {m.code}: {m.title}. {m.definition}")
        lines.append(f"    obligation codes: {', '.join(m.obligation_codes)}")
        if m.code in result.not_clocked:
            lines.append(
                "    NOT CLOCKED YET: no loaded rule set defines these obligations, so the "
                "measure's rows have denominator 0 (no figure is estimated)."
            )
        if m.caveat:
            lines.append(f"    note: {m.caveat}")
        lines.append(f"    victims pending (deadline not yet passed): {result.pending[m.code]}")
    lines += ["", "Breakdowns:"]
    for breakdown, definition in BREAKDOWN_DEFINITIONS.items():
        lines.append(f"- {breakdown}: {definition}")
    lines += [
        "",
        f"Suppression: a cell counting fewer than {result.threshold} victims (and more than "
        "none) is suppressed (primary; VICTIMCARE_OPEN_DATA_THRESHOLD). Within each "
        "measure the groups of every breakdown add up to the 'all' cell, so further cells "
        "are suppressed (secondary) until no suppressed cell can be worked out from the "
        "published ones. Suppressed cells have empty numerator, denominator, rate and "
        "interval.",
        "",
    ]
    return "\n".join(_wrapped(line) for line in lines)


def _wrapped(line: str, width: int = 88) -> str:
    """A README line wrapped, continuation lines indented under its text."""
    text = line.lstrip(" ")
    indent = " " * (len(line) - len(text))
    hanging = indent + ("  " if text.startswith("- ") else "")
    return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=hanging) or line
