"""`viber-bot export`: one line per recipient of the sends between two days, to a file (written
beside it and renamed, so a stopped export leaves no half a file) or standard output."""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.core.command_text import EXPORT_MAX_DAYS, ExportCommand, export_command
from bot.db import DatabaseError
from bot.exports import FORMATS, WRITERS, problem_sentence, records
from bot.store import Store
from bot.store.exports import BATCH_SIZE


def add(commands: argparse._SubParsersAction, open_store: Callable[[], Store]) -> None:
    parser = commands.add_parser(
        "export",
        help="write one line per recipient of the sends between two days (CSV or JSON Lines)",
        description="Write one line per recipient (Viber and SMS fallback) of the sends made "
        "from FROM to TO, whole days in Vietnamese time, oldest first, to standard output or "
        f"--output FILE. At most {EXPORT_MAX_DAYS} days; exit code 2 for a bad request.",
    )
    parser.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--phone", default="", help="only the sends to this number")
    parser.add_argument("--format", choices=FORMATS, default="csv", help="default csv")
    parser.add_argument("--output", type=Path, metavar="FILE", help="default: standard output")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=argparse.SUPPRESS)
    parser.set_defaults(handler=lambda args: _export(args, open_store))


def _export(args: argparse.Namespace, open_store: Callable[[], Store]) -> None:
    request = export_command(args.start, args.end, args.phone)
    if request.problem or args.batch_size < 1:
        print(
            problem_sentence(request) if request.problem else "--batch-size: 1 or more",
            file=sys.stderr,
        )
        raise SystemExit(2)
    store = open_store()
    try:
        count = _write(store, request, args)
    except DatabaseError as error:
        print(f"The export stopped: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        store.close()
    print(
        f"Exported {count} {'line' if count == 1 else 'lines'}: the sends from {request.start} "
        f"to {request.end} (Vietnamese time){f' to {request.phone}' if request.phone else ''}.",
        file=sys.stderr,
    )


def _write(store: Store, request: ExportCommand, args: argparse.Namespace) -> int:
    lines = records(store, request, batch_size=args.batch_size)
    write = WRITERS[args.format]
    if args.output is None:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            count = write(lines, out)
            out.flush()
            return count
        except BrokenPipeError:  # `| head`: the reader stopped reading
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
        finally:
            out.detach()  # standard output stays open for the summary's print
    # Written beside the file and renamed at the end: a stopped export leaves no half a file.
    encoding = "utf-8-sig" if args.format == "csv" else "utf-8"  # a BOM: Excel reads UTF-8
    try:
        handle, part = tempfile.mkstemp(
            dir=args.output.resolve().parent, prefix=f".{args.output.name}.", suffix=".part"
        )
    except OSError as error:
        print(f"Cannot write {args.output}: {error.strerror}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        with open(handle, "w", encoding=encoding, newline="") as out:
            count = write(lines, out)
        os.replace(part, args.output)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    return count
