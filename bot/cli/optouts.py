"""`viber-bot optout import FILE.csv` and `viber-bot optout export`: the opt-outs as a file."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

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
    parser = commands.add_parser("optout", help="import or export the opt-outs as CSV")
    actions = parser.add_subparsers(dest="action", required=True)
    importing = actions.add_parser(
        "import", help="add the numbers of a CSV file (phone column, optional reason column)"
    )
    importing.add_argument("file", type=Path)
    importing.set_defaults(handler=lambda args: _import(args, open_store))
    exporting = actions.add_parser("export", help="write every opted-out number as CSV")
    exporting.set_defaults(handler=lambda args: _export(open_store))


def _import(args: argparse.Namespace, open_store: Callable[[], Store]) -> None:
    try:
        data = args.file.open("rb")
    except OSError as error:
        print(f"Cannot read {args.file}: {error.strerror}", file=sys.stderr)
        raise SystemExit(2) from None
    store = open_store()
    try:
        # Who ran it, as the record of changes names them: the machine's user, not a Slack ID.
        with data:
            added, known = import_file(store, data, f"cli:{getpass.getuser()}")
    except SheetError as error:
        print(f"{args.file}: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        store.close()
    print(f"Added {added} numbers to the opt-outs ({known} were there already).")


def _export(open_store: Callable[[], Store]) -> None:
    store = open_store()
    try:
        count = export_file(store, sys.stdout)
    finally:
        store.close()
    print(f"{count} opted-out numbers.", file=sys.stderr)
