"""The command line's output: estimates, their covariance and regression results as a
table, CSV (cells a spreadsheet cannot run as formulas) or JSON."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from typing import Any

from .regression import Regression
from .results import Covariance, Estimates

__all__ = ["cell_neutralise", "render", "render_models"]


def _num(v: float | None, digits: int = 6) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "NA"
    if isinstance(v, int):
        return str(v)
    return f"{v:.{digits}g}"


_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def cell_neutralise(value: Any) -> Any:
    """A CSV cell a spreadsheet cannot run as a formula (``'`` before text starting with
    = + - @, tab or CR that is not a plain number). The same rule as
    victimcare.core.csv_export, copied because this library imports nothing of victimcare."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] not in _FORMULA_TRIGGERS and value.lstrip(" \n")[:1] not in _FORMULA_TRIGGERS:
        return value
    if _PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return "'" + value


def _by_text(by: dict[str, Any]) -> dict[str, str]:
    return {k: _label(v) for k, v in by.items()}


def _label(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def render(result: Estimates, fmt: str, covariance: Covariance | None = None) -> str:
    """The estimates in the chosen output format (with the domains' covariance matrix)."""
    text = _render(result, fmt)
    if covariance is None:
        return text
    if fmt == "json":
        body = json.loads(text)
        body["covariance"] = covariance.as_dict()
        return json.dumps(body, indent=2)
    labels = [",".join(_label(v) for v in d) for d in covariance.domains]
    rows = [
        [lab, *(_num(float(v)) for v in row)]
        for lab, row in zip(labels, covariance.matrix, strict=True)
    ]
    header = ["covariance", *labels]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([cell_neutralise(c) for c in header])
        for r in rows:
            w.writerow([cell_neutralise(r[0]), *r[1:]])
        return text + "\n\n" + buf.getvalue().rstrip("\n")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = ["  ".join(str(h).rjust(wd) for h, wd in zip(header, widths, strict=True))]
    lines += ["  ".join(str(x).rjust(wd) for x, wd in zip(r, widths, strict=True)) for r in rows]
    return text + "\n\n" + "\n".join(lines)


def _render(result: Estimates, fmt: str) -> str:
    rows = []
    for e in result:
        d = e.as_dict()
        d["by"] = _by_text(d["by"])
        rows.append(d)
    fields = ["n", "estimate", "se", "ci_low", "ci_high", "df", "deff"]
    if any(e.quantile is not None for e in result):
        fields = ["quantile", "n", "estimate", "se", "ci_low", "ci_high", "df"]
    if fmt == "json":
        return json.dumps({"estimates": rows, "notes": list(result.notes)}, indent=2)
    by_cols = list(result.by)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([cell_neutralise(c) for c in by_cols] + fields)
        for d in rows:
            w.writerow(
                [cell_neutralise(d["by"][c]) for c in by_cols]
                + ["" if d[f] is None else d[f] for f in fields]
            )
        return buf.getvalue().rstrip("\n")
    header = by_cols + fields
    body = [[d["by"][c] for c in by_cols] + [_num(d[f]) for f in fields] for d in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body, strict=False)]
    lines = ["  ".join(str(h).rjust(wd) for h, wd in zip(header, widths, strict=True))]
    lines += ["  ".join(str(x).rjust(wd) for x, wd in zip(r, widths, strict=True)) for r in body]
    return "\n".join(lines)


def render_models(models: Sequence[Regression], fmt: str, *, ame: bool, by: list[str]) -> str:
    """Regression results in the chosen output format."""
    if fmt == "json":
        notes: list[str] = []
        for m in models:
            notes += [n for n in m.notes if n not in notes]
        if not by:
            body = models[0].as_dict(marginal_effects=ame)
            body["notes"] = notes
            return json.dumps(body, indent=2)
        dicts = []
        for m in models:
            d = m.as_dict(marginal_effects=ame)
            d["by"] = _by_text(d["by"])
            dicts.append(d)
        return json.dumps({"models": dicts, "notes": notes}, indent=2)
    fields = ["estimate", "se", "t", "p", "ci_low", "ci_high"]
    header = [*by, "kind", "term", *fields, "df"]
    body_rows: list[list[Any]] = []
    for m in models:
        labels = [_label(m.by[c]) for c in by]
        parts = [("coef", m.coefficients)]
        if ame:
            parts.append(("ame", m.marginal_effects()))
        for kind, coefs in parts:
            for c in coefs:
                d = c.as_dict()
                body_rows.append([*labels, kind, c.term, *[d[f] for f in fields], m.df])
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        for r in body_rows:
            w.writerow(["" if v is None else v for v in r])
        return buf.getvalue().rstrip("\n")
    shown = [[v if isinstance(v, str) else _num(v) for v in r] for r in body_rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *shown, strict=False)]
    lines = ["  ".join(str(h).rjust(wd) for h, wd in zip(header, widths, strict=True))]
    lines += ["  ".join(str(x).rjust(wd) for x, wd in zip(r, widths, strict=True)) for r in shown]
    return "\n".join(lines)
