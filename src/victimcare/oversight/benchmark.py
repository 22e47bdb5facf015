"""The national benchmark beside a force's own survey: the Crime Survey for England and
Wales (CSEW) figure for victims' satisfaction with the police, read from a data file
(``VICTIMCARE_CSEW_FILE``, else oversight/data/csew.json) that can be replaced when a new
release is out (``victimcare benchmark --file FILE`` checks one).

The CSEW asks a different question of a different sample (all victims the police came to
know about, interviewed at home, about the police's handling) from a force's User
Satisfaction Survey, so it is drawn as a reference line with its source and period, never
compared with a test or folded into a force's figures.

Pure Python, no Django except ``benchmark_file``, which reads the setting.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from victimcare.oversight.periods import month_label

BENCHMARK_FILE = Path(__file__).resolve().parent / "data" / "csew.json"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MEASURES = ("ease_of_contact", "actions_taken", "kept_informed", "treatment", "whole_experience")


class BenchmarkFileError(ValueError):
    """A benchmark file that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Benchmark:
    """One published national figure, as a proportion (0 to 1)."""

    measure: str
    label: str
    value: float
    ci_low: float | None
    ci_high: float | None
    interval_note: str
    period: str
    period_end: str
    source: str
    url: str

    @property
    def interval_text(self) -> str:
        if self.ci_low is None or self.ci_high is None:
            return self.interval_note or "no interval published"
        return f"{self.ci_low * 100:.1f}% to {self.ci_high * 100:.1f}%"

    @property
    def caption(self) -> str:
        """ "Crime Survey ...: 51.0%, year ending March 2025 (...). Source: ONS ... (URL)"."""
        url = f" ({self.url})" if self.url else ""
        return (
            f"{self.label}: {self.value * 100:.1f}%, {self.period} (95% CI: "
            f"{self.interval_text}). Source: {self.source}{url}."
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "measure": self.measure,
            "label": self.label,
            "value": self.value,
            "percent_text": f"{self.value * 100:.1f}%",
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "interval_text": self.interval_text,
            "period": self.period,
            "period_end": self.period_end,
            "period_end_label": month_label(self.period_end),
            "source": self.source,
            "url": self.url,
            "caption": self.caption,
        }


def benchmark_file() -> Path:
    from django.conf import settings

    configured = getattr(settings, "CSEW_BENCHMARK_FILE", "")
    return Path(configured) if configured else BENCHMARK_FILE


def _percent(value: object, *, where: str, name: str, optional: bool) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BenchmarkFileError(f"{where}: '{name}' must be a percentage from 0 to 100")
    if not 0 <= value <= 100:
        raise BenchmarkFileError(f"{where}: '{name}' must be from 0 to 100, not {value}")
    return float(value) / 100


def benchmark_read(path: Path) -> list[Benchmark]:
    """The figures of a benchmark file, checked (``BenchmarkFileError`` says what is
    wrong): each with a ``measure`` (a stage), ``label``, ``value`` (percent),
    ``ci_low``/``ci_high`` (percent, or null with an ``interval_note``), ``period`` (in
    words), ``period_end`` (YYYY-MM), ``source`` and ``url``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise BenchmarkFileError(f"{path}: cannot be read ({error.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BenchmarkFileError(f"{path}: not JSON ({error})") from None
    rows = data.get("figures") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise BenchmarkFileError(f"{path}: expected an object with a list of 'figures'")
    out = []
    for number, row in enumerate(rows, start=1):
        where = f"{path}: figure {number}"
        if not isinstance(row, dict):
            raise BenchmarkFileError(f"{where} must be an object")
        if row.get("measure") not in MEASURES:
            raise BenchmarkFileError(
                f"{where}: 'measure' must be one of {', '.join(MEASURES)}, "
                f"not {row.get('measure')!r}"
            )
        for name in ("label", "period", "source"):
            if not isinstance(row.get(name), str) or not row[name].strip():
                raise BenchmarkFileError(f"{where}: '{name}' must be given")
        if not isinstance(row.get("period_end"), str) or not _MONTH.match(row["period_end"]):
            raise BenchmarkFileError(f"{where}: 'period_end' must be a month as YYYY-MM")
        url = row.get("url") or ""
        if not isinstance(url, str) or (url and not url.startswith(("https://", "http://"))):
            raise BenchmarkFileError(f"{where}: 'url' must be a web address or left out")
        value = _percent(row.get("value"), where=where, name="value", optional=False)
        low = _percent(row.get("ci_low"), where=where, name="ci_low", optional=True)
        high = _percent(row.get("ci_high"), where=where, name="ci_high", optional=True)
        if (low is None) != (high is None) or (
            low is not None and high is not None and value is not None and not low <= value <= high
        ):
            raise BenchmarkFileError(
                f"{where}: give both 'ci_low' and 'ci_high' around 'value', or neither"
            )
        if value is None:  # not reached: a value is required; keeps the types exact
            raise BenchmarkFileError(f"{where}: 'value' must be given")
        out.append(
            Benchmark(
                measure=row["measure"],
                label=row["label"].strip(),
                value=value,
                ci_low=low,
                ci_high=high,
                interval_note=str(row.get("interval_note") or ""),
                period=row["period"].strip(),
                period_end=row["period_end"],
                source=row["source"].strip(),
                url=url,
            )
        )
    return out


def benchmark_for(measure: str, *, path: Path | None = None) -> dict[str, object] | None:
    """The latest benchmark figure for ``measure`` as a dict, or None if the file has none."""
    rows = [b for b in benchmark_read(path or benchmark_file()) if b.measure == measure]
    if not rows:
        return None
    return max(rows, key=lambda b: b.period_end).as_dict()
