"""`viber-bot LIST import FILE.csv` and `viber-bot LIST export`, for each list the app keeps
that a team also keeps elsewhere (the opt-outs, the consents to marketing): one way in and
out, whatever the list."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from bot.core.spreadsheet import SheetError

if TYPE_CHECKING:
    from bot.store import Store


@dataclass(frozen=True)
class CsvList:
    command: str  # the word after `viber-bot`
    help: str
    import_help: str
    export_help: str
    import_file: Callable[[Store, BinaryIO, str], tuple[int, int]]  # (new, known already)
    export_file: Callable[[Store, TextIO], int]  # how many written
    imported: str  # the sentence after an import: {new} and {known}
    exported: str  # the sentence after an export, on standard error: {count}


def add_csv_list(
    commands: argparse._SubParsersAction, open_store: Callable[[], Store], csv_list: CsvList
) -> None:
    parser = commands.add_parser(csv_list.command, help=csv_list.help)
    actions = parser.add_subparsers(dest="action", required=True)
    importing = actions.add_parser("import", help=csv_list.import_help)
    importing.add_argument("file", type=Path)
    importing.set_defaults(handler=lambda args: _import(args, open_store, csv_list))
    exporting = actions.add_parser("export", help=csv_list.export_help)
    exporting.set_defaults(handler=lambda args: _export(open_store, csv_list))


def _import(args: argparse.Namespace, open_store: Callable[[], Store], csv_list: CsvList) -> None:
    try:
        data = args.file.open("rb")
    except OSError as error:
        print(f"Cannot read {args.file}: {error.strerror}", file=sys.stderr)
        raise SystemExit(2) from None
    store = open_store()
    try:
        # Who ran it, as the record of changes names them: the machine's user, not a Slack ID.
        with data:
            new, known = csv_list.import_file(store, data, f"cli:{getpass.getuser()}")
    except SheetError as error:
        print(f"{args.file}: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        store.close()
    print(csv_list.imported.format(new=new, known=known))


def _export(open_store: Callable[[], Store], csv_list: CsvList) -> None:
    store = open_store()
    try:
        count = csv_list.export_file(store, sys.stdout)
    finally:
        store.close()
    print(csv_list.exported.format(count=count), file=sys.stderr)
