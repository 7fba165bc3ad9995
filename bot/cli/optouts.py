"""`viber-bot optout import FILE.csv` and `viber-bot optout export`: the opt-outs as a file."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO, TextIO

from bot.cli.csv_lists import CsvList, add_csv_list
from bot.core.csv_cells import CsvWriter
from bot.core.formatting import VIETNAM
from bot.core.model import MAX_OPT_OUT_REASON
from bot.core.phones import normalize_phone
from bot.core.privacy import is_digest
from bot.core.spreadsheet import SheetError, phone_column, read_sheet

if TYPE_CHECKING:
    from bot.store import Store

SHOWN_PROBLEMS = 20
MAX_IMPORT_ROWS = 500_000  # a file with more is refused whole, before a row is kept


def import_file(store: Store, data: bytes | BinaryIO, actor: str) -> tuple[int, int]:
    """Add every number of the file in one transaction: (added, already there). A file with a
    bad row, or too many, changes nothing: SheetError says why."""
    sheet = read_sheet(data, MAX_IMPORT_ROWS)
    column = phone_column(sheet)
    entries: dict[str, str | None] = {}
    problems = []
    for number, row in enumerate(sheet.rows, start=2):
        cell = row[column].strip()
        # An erased number's digest, as `export` writes it: it stays refused once imported.
        phone = cell if is_digest(cell) else normalize_phone(cell)
        if phone is None:
            problems.append(f"row {number}: {row[column]!r} is not a Vietnamese mobile number")
            continue
        entries.setdefault(phone, (row.get("reason") or "")[:MAX_OPT_OUT_REASON] or None)
    if problems:
        shown = problems[:SHOWN_PROBLEMS]
        if len(problems) > SHOWN_PROBLEMS:
            shown.append(f"… and {len(problems) - SHOWN_PROBLEMS} more")
        raise SheetError("nothing was imported:\n  " + "\n  ".join(shown))
    added = store.optouts.add_many(list(entries.items()), actor)
    return added, len(entries) - added


def export_file(store: Store, out: TextIO) -> int:
    writer = CsvWriter(out)
    writer.writerow(["phone", "added_at", "added_by", "reason"])
    entries = store.optouts.all()
    for entry in entries:
        when = datetime.fromtimestamp(entry.added_at, VIETNAM).isoformat(timespec="seconds")
        writer.writerow([entry.phone, when, entry.added_by or "", entry.reason or ""])
    return len(entries)


def add(commands: argparse._SubParsersAction, open_store: Callable[[], Store]) -> None:
    add_csv_list(commands, open_store, OPT_OUTS)


OPT_OUTS = CsvList(
    "optout",
    help="import or export the opt-outs as CSV",
    import_help="add the numbers of a CSV file (phone column, optional reason column)",
    export_help="write every opted-out number as CSV",
    import_file=import_file,
    export_file=export_file,
    imported="Added {new} numbers to the opt-outs ({known} were there already).",
    exported="{count} opted-out numbers.",
)
