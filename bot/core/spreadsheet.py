"""CSV files as people export them from spreadsheets: UTF-8 with or without a BOM, commas or
semicolons (Excel in Vietnamese locales writes either), a header row naming the columns."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from bot.core.sms_text import strip_diacritics

PHONE_HEADERS = frozenset({"phone", "mobile", "sdt", "so_dien_thoai", "dien_thoai", "phone_number"})


@dataclass(frozen=True)
class Sheet:
    headers: tuple[str, ...]
    rows: tuple[dict[str, str], ...]  # by header, each row numbered from 2 (the header is 1)


class SheetError(ValueError):
    """The file cannot be read as a spreadsheet; the message says why, for a person."""


def header_key(header: str) -> str:
    """`Số điện thoại ` → `so_dien_thoai`: headers compared without case, diacritics or spacing."""
    words = strip_diacritics(header).lower().replace("-", " ").replace("_", " ").split()
    return "_".join(words)


def read_sheet(data: bytes) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError("the file is not UTF-8 text: save it as “CSV UTF-8”") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise SheetError("the file is empty: it needs a header row, e.g. phone,reason")
    first = lines[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        table = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise SheetError(f"the file is not valid CSV ({error})") from None
    headers = tuple(cell.strip() for cell in table[0])
    keys = [header_key(h) for h in headers]
    if len(set(keys)) != len(keys) or "" in keys:
        raise SheetError("every column needs a header of its own")
    rows = tuple(
        {key: (row[i].strip() if i < len(row) else "") for i, key in enumerate(keys)}
        for row in table[1:]
    )
    return Sheet(tuple(keys), rows)


def phone_column(sheet: Sheet) -> str:
    found = [key for key in sheet.headers if key in PHONE_HEADERS]
    if not found:
        raise SheetError(
            "no phone column: name one phone, mobile, sdt or “số điện thoại” in the header row"
        )
    return found[0]
