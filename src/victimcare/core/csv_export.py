"""The one way victimcare writes CSV files that people open in spreadsheets.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some spreadsheets skip before reading a formula) is run as a formula when the file is
opened: ``=HYPERLINK("http://x","y")`` in a victim's name would become a live link in the
agency's copy. Following OWASP's advice on CSV injection, such a cell is written with a
single quote in front, which spreadsheets show as text.

A plain number is data, not a formula: ``-0.5`` in a statistics column or ``+44`` alone
is left as it is (a number cannot call a function or open a link). Only text that is not
a plain number is neutralised, and values that are not text (int, float, Decimal, None)
are written as they are.

No Django here: the module is plain Python so any layer may use it. (The estimation
library keeps its own copy of ``cell_neutralise``, because it imports nothing of
victimcare; tests/core/test_csv_export.py checks the two agree.)
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_LOOK_FURTHER = frozenset("".join(FORMULA_TRIGGERS) + " \n")  # what a risky cell starts with
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def cell_neutralise(value: Any) -> Any:
    """``value`` as it is safe to write in a CSV cell: text a spreadsheet would read as a
    formula gets a leading ``'``; plain numbers and non-text values are unchanged."""
    if not isinstance(value, str) or not value or value[0] not in _LOOK_FURTHER:
        return value  # (the common case, checked first: CSV exports run to millions of cells)
    # Spreadsheets skip leading spaces and line breaks before a formula too.
    if value[0] not in FORMULA_TRIGGERS and value.lstrip(" \n")[:1] not in FORMULA_TRIGGERS:
        return value
    if _PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return "'" + value


class _SafeWriter:
    """``csv.writer`` with every cell neutralised."""

    def __init__(self, file, **options) -> None:
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([cell_neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows([cell_neutralise(cell) for cell in row] for row in rows)


class _SafeDictWriter:
    """``csv.DictWriter`` with every cell neutralised (the header is ours, not data)."""

    def __init__(self, file, fieldnames: Collection[str], **options) -> None:
        self._writer = csv.DictWriter(file, fieldnames=fieldnames, **options)

    @property
    def fieldnames(self) -> Collection[str]:
        return self._writer.fieldnames

    def writeheader(self) -> Any:
        return self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> Any:
        return self._writer.writerow({key: cell_neutralise(v) for key, v in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file, **options) -> _SafeWriter:
    """A ``csv.writer`` on ``file`` (same options) whose cells cannot run as formulas."""
    return _SafeWriter(file, **options)


def csv_dict_writer(file, fieldnames: Collection[str], **options) -> _SafeDictWriter:
    """A ``csv.DictWriter`` on ``file`` (same options) whose cells cannot run as formulas."""
    return _SafeDictWriter(file, fieldnames, **options)
