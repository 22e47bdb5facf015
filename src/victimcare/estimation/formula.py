"""A small model-formula parser and model-matrix builder (a subset of patsy / R).

Grammar: ``outcome ~ term + term + ...`` where a term is

* a column name (letters, digits, ``_`` and ``.``; other names in backticks, as R,
  or ``Q("name")``, as patsy): numeric columns enter as they are, text columns as
  categorical (treatment coding);
* ``C(name)``: the column as categorical, whatever its type;
* ``1`` (the intercept, present by default) or ``0`` / ``- 1`` (no intercept).

Categorical columns use treatment coding with the first *sorted* level as the reference
(numbers numerically, text by code point), one 0/1 column per other level, named
``name[T.level]`` (patsy's naming). Interactions (``:``, ``*``), transformations and
other operators are refused with a :class:`FormulaError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .columns import Columns, factorize
from .errors import DesignError

__all__ = ["Formula", "FormulaError", "ModelMatrix", "Term", "build_model_matrix", "parse_formula"]


class FormulaError(DesignError):
    """A model formula that cannot be parsed or names a column that does not exist."""


@dataclass(frozen=True)
class Term:
    """One right-hand-side term: a column, numeric or categorical."""

    column: str
    categorical: bool  # True for C(x); False: decided by the column's type

    @property
    def forced(self) -> bool:
        return self.categorical


@dataclass(frozen=True)
class Formula:
    """A parsed formula: outcome, terms in order, and whether there is an intercept."""

    text: str
    outcome: str
    terms: tuple[Term, ...]
    intercept: bool

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the formula uses, outcome first, without repeats."""
        out = [self.outcome]
        for t in self.terms:
            if t.column not in out:
                out.append(t.column)
        return tuple(out)


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<name>[A-Za-z_.][A-Za-z0-9_.]*)
      | `(?P<bq>[^`]+)`
      | (?P<num>\d+)
      | (?P<op>[~+\-()*:/^|,])
      | (?P<str>"[^"]*"|'[^']*')
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FormulaError(
                f"formula {text!r}: cannot read {text[pos:].strip()[:20]!r} "
                f"(at character {pos + 1})"
            )
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "bq":
            kind = "name"
        elif kind == "str":
            value = value[1:-1]
        out.append((kind, value))
    return out


def parse_formula(text: str) -> Formula:
    """Parse ``"y ~ x1 + C(g) + x2"`` (see the module docstring)."""
    if not isinstance(text, str) or "~" not in text:
        raise FormulaError(
            f"a formula needs an outcome and terms, as 'y ~ x1 + C(g)', not {text!r}"
        )
    toks = _tokens(text)
    if [t for t in toks if t == ("op", "~")].__len__() != 1:
        raise FormulaError(f"formula {text!r} must have exactly one '~'")
    i = 0

    def expect_name(where: str) -> str:
        nonlocal i
        if i < len(toks) and toks[i][0] == "name":
            i += 1
            return toks[i - 1][1]
        found = toks[i][1] if i < len(toks) else "the end"
        raise FormulaError(f"formula {text!r}: expected a column name {where}, found {found!r}")

    def term() -> Term | str:
        """A term, or "1"/"0" for the intercept."""
        nonlocal i
        if i >= len(toks):
            raise FormulaError(f"formula {text!r} ends with an operator")
        kind, value = toks[i]
        if kind == "num":
            i += 1
            if value not in ("0", "1"):
                raise FormulaError(f"formula {text!r}: a number term must be 1 or 0, not {value}")
            return value
        if kind == "name" and i + 1 < len(toks) and toks[i + 1] == ("op", "("):
            func = value
            i += 2
            if func == "Q":
                if i < len(toks) and toks[i][0] == "str":
                    col = toks[i][1]
                    i += 1
                else:
                    raise FormulaError(f"formula {text!r}: Q() takes a quoted column name")
                result: Term = Term(col, False)
            elif func == "C":
                if i < len(toks) and toks[i][0] == "str":
                    raise FormulaError(f"formula {text!r}: C() takes a column name, not a string")
                if i + 1 < len(toks) and toks[i] == ("name", "Q"):
                    i += 2
                    col = toks[i][1]
                    i += 2
                else:
                    col = expect_name("inside C()")
                result = Term(col, True)
            else:
                raise FormulaError(
                    f"formula {text!r}: function {func}() is not supported; only C(column) "
                    "(categorical) and Q('column name')"
                )
            if i < len(toks) and toks[i] == ("op", ","):
                raise FormulaError(
                    f"formula {text!r}: C() takes one column (treatment coding, first sorted "
                    "level as reference); other contrasts are not supported"
                )
            if not (i < len(toks) and toks[i] == ("op", ")")):
                raise FormulaError(f"formula {text!r}: missing ')'")
            i += 1
            return result
        if kind == "name":
            i += 1
            return Term(value, False)
        raise FormulaError(f"formula {text!r}: unexpected {value!r}")

    outcome_toks = []
    while toks[i] != ("op", "~"):
        outcome_toks.append(toks[i])
        i += 1
    if len(outcome_toks) != 1 or outcome_toks[0][0] != "name":
        shown = " ".join(v for _, v in outcome_toks) or "nothing"
        raise FormulaError(
            f"formula {text!r}: the outcome (left of '~') must be one column name, not {shown!r}"
        )
    outcome = outcome_toks[0][1]
    i += 1
    terms: list[Term] = []
    intercept = True
    sign = "+"
    if i >= len(toks):
        raise FormulaError(f"formula {text!r} has no terms right of '~' (use 'y ~ 1')")
    if toks[i] == ("op", "-"):
        sign = "-"
        i += 1
    while True:
        t = term()
        if isinstance(t, str):
            if (sign == "-" and t == "1") or (sign == "+" and t == "0"):
                intercept = False
            elif sign == "-":
                raise FormulaError(f"formula {text!r}: '- 0' is not meaningful")
            else:
                intercept = True
        else:
            if sign == "-":
                raise FormulaError(
                    f"formula {text!r}: removing a term ('- {t.column}') is not supported"
                )
            if any(x.column == t.column for x in terms):
                raise FormulaError(f"formula {text!r}: column {t.column!r} appears twice")
            terms.append(t)
        if i >= len(toks):
            break
        kind, value = toks[i]
        if (kind, value) in (("op", "+"), ("op", "-")):
            sign = value
            i += 1
            continue
        if value in (":", "*", "/", "^", "|"):
            raise FormulaError(
                f"formula {text!r}: operator {value!r} (interactions, nesting) is not "
                "supported; terms are main effects joined by '+'"
            )
        raise FormulaError(f"formula {text!r}: expected '+' before {value!r}")
    return Formula(text=text.strip(), outcome=outcome, terms=tuple(terms), intercept=intercept)


@dataclass(frozen=True)
class ModelMatrix:
    """The model matrix of the rows used, with column names and term bookkeeping.

    ``columns[k]`` is the name of column ``k``; ``term_of[k]`` the formula term it comes
    from (``None`` for the intercept); ``levels[term]`` the sorted levels of a
    categorical term (the first is the reference).
    """

    x: np.ndarray
    columns: tuple[str, ...]
    term_of: tuple[str | None, ...]
    levels: dict[str, list[object]]
    categorical: dict[str, bool]


def level_text(v: object) -> str:
    """A level as it appears in a column name: integral floats without ``.0``."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def check_columns(formula: Formula, cols: Columns) -> None:
    """A FormulaError naming the first column the formula uses that does not exist."""
    for name in formula.columns:
        if name not in cols:
            shown = ", ".join(cols.names[:12]) + (" ..." if len(cols.names) > 12 else "")
            role = "outcome" if name == formula.outcome else "term"
            raise FormulaError(
                f"formula {formula.text!r}: {role} column {name!r} not found; columns are: {shown}"
            )


def is_text(cols: Columns, name: str) -> bool:
    arr = cols.require(name, "term")
    if arr.dtype.kind in "iufb":
        return False
    return (
        any(isinstance(v, str) for v in arr[: min(arr.shape[0], 1000)] if v is not None)
        or arr.dtype.kind in "US"
    )


def term_missing(formula: Formula, cols: Columns) -> np.ndarray:
    """Rows with a missing value in any column the formula uses (outcome included)."""
    miss = np.zeros(cols.n, dtype=bool)
    for name in formula.columns:
        miss |= cols.missing(name, "term")
    return miss


def build_model_matrix(formula: Formula, cols: Columns, rows: np.ndarray) -> ModelMatrix:
    """The model matrix of the rows ``rows`` (integer indices): intercept, numeric columns,
    and treatment dummies for categorical terms (levels among those rows)."""
    n = rows.shape[0]
    parts: list[np.ndarray] = []
    names: list[str] = []
    term_of: list[str | None] = []
    levels: dict[str, list[object]] = {}
    categorical: dict[str, bool] = {}
    full_coding = not formula.intercept
    if formula.intercept:
        parts.append(np.ones(n))
        names.append("Intercept")
        term_of.append(None)
    for t in formula.terms:
        cat = t.categorical or is_text(cols, t.column)
        categorical[t.column] = cat
        if not cat:
            parts.append(cols.numeric(t.column, "term")[rows])
            names.append(t.column)
            term_of.append(t.column)
            continue
        codes, labs = factorize(cols.labels(t.column, "term")[rows])
        levels[t.column] = labs
        if full_coding:
            # without an intercept, the first categorical term keeps every level (as R)
            full_coding = False
            for k in range(len(labs)):
                parts.append((codes == k).astype(np.float64))
                names.append(f"{t.column}[{level_text(labs[k])}]")
                term_of.append(t.column)
            continue
        for k in range(1, len(labs)):
            parts.append((codes == k).astype(np.float64))
            names.append(f"{t.column}[T.{level_text(labs[k])}]")
            term_of.append(t.column)
    x = np.column_stack(parts) if parts else np.zeros((n, 0))
    return ModelMatrix(
        x=x, columns=tuple(names), term_of=tuple(term_of), levels=levels, categorical=categorical
    )
