"""CSV files as people export them from spreadsheets: UTF-8 with or without a BOM, commas or
semicolons (Excel in Vietnamese locales writes either), a header row naming the columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from bot.core.i18n import _
from bot.core.sms_text import strip_diacritics

PHONE_HEADERS = frozenset({"phone", "mobile", "sdt", "so_dien_thoai", "dien_thoai", "phone_number"})


@dataclass(frozen=True)
class Sheet:
    headers: tuple[str, ...]
    rows: tuple[dict[str, str], ...]  # by header, each row numbered from 2 (the header is 1)


class SheetError(ValueError):
    """The file cannot be read as a spreadsheet; the message says why, for a person."""


class TooManyRows(SheetError):
    """More rows than may be read: nothing of the file is used."""

    def __init__(self, seen: int, limit: int) -> None:
        super().__init__(_("sheet.too_many", seen=seen, limit=limit))
        self.seen, self.limit = seen, limit


SNIFF_BYTES = 4096  # the first line, for its delimiter


def header_key(header: str) -> str:
    """`Số điện thoại ` → `so_dien_thoai`: headers compared without case, diacritics or spacing."""
    words = strip_diacritics(header).lower().replace("-", " ").replace("_", " ").split()
    return "_".join(words)


def read_sheet(source: bytes | BinaryIO, max_rows: int) -> Sheet:
    """The header and the rows of a CSV file, read as a stream: memory holds one row at a
    time until the file is known to have at most `max_rows` rows (TooManyRows otherwise, with
    how many it has), then the rows themselves."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    head = stream.read(SNIFF_BYTES).decode("utf-8-sig", errors="ignore")
    first = head.splitlines()[0] if head.splitlines() else ""
    if not first.strip():
        raise SheetError(_("sheet.empty"))
    delimiter = ";" if first.count(";") > first.count(",") else ","
    seen = sum(1 for _ in _rows(stream, delimiter)) - 1  # the header is not a row
    if seen > max_rows:
        raise TooManyRows(seen, max_rows)
    table = _rows(stream, delimiter)
    header = next(table, None)
    if header is None:  # only empty cells
        raise SheetError(_("sheet.empty"))
    keys = [header_key(cell.strip()) for cell in header]
    if len(set(keys)) != len(keys) or "" in keys:
        raise SheetError(_("sheet.headers"))
    rows = tuple(
        {key: (row[i].strip() if i < len(row) else "") for i, key in enumerate(keys)}
        for row in table
    )
    return Sheet(tuple(keys), rows)


def _rows(stream: BinaryIO, delimiter: str) -> Iterator[list[str]]:
    """The file's rows with a cell that is not blank, from its start, one at a time."""
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        for row in csv.reader(text, delimiter=delimiter):
            if any(cell.strip() for cell in row):
                yield row
    except UnicodeDecodeError:
        raise SheetError(_("sheet.not_utf8")) from None
    except csv.Error as error:
        raise SheetError(_("sheet.not_csv", error=error)) from None
    finally:
        text.detach()  # the caller's stream stays open for the next pass


def phone_column(sheet: Sheet) -> str:
    found = [key for key in sheet.headers if key in PHONE_HEADERS]
    if not found:
        raise SheetError(_("sheet.no_phone"))
    return found[0]
