"""Every CSV file the app writes, one way: a cell a spreadsheet would compute (it starts with
`=`, `+`, `-`, `@`, a tab or a carriage return) is written with a `'` in front, so opening the
file in Excel or LibreOffice runs nothing a customer or an agent typed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell's text: empty for None, true/false for booleans, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class CsvWriter:
    """csv.writer with every cell passed through `safe_cell`."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """A whole small file, with a BOM so that Excel reads it as UTF-8."""
    out = io.StringIO()
    CsvWriter(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def read_cell(text: str) -> str:
    """What `safe_cell` was given, from what it wrote: the `'` before a formula's first
    character taken off, so that a file exported and read again says what it said."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
