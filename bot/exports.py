"""Exports: one line per recipient of the sends made between two days, for an auditor, as CSV
or JSON Lines; `viber-bot export` on the command line, `/viber export` in Slack
(`bot/slack/exports.py`).

The lines are built and written a batch at a time (`bot/store/exports.py`), so memory stays
the same however long the range is. Each says what was sent, to whom, by whom, how it ended
(state, error in words, SMSID, network, price) and the approval with its whole trail. A purged
send shows `purged` for its text and its numbers as the purge masked them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.core.command_text import EXPORT_MAX_DAYS, ExportCommand, export_command
from bot.core.csv_cells import CsvWriter
from bot.core.formatting import VIETNAM
from bot.core.i18n import _
from bot.core.message import ViberMessage
from bot.core.model import Approval, Channel
from bot.core.networks import network_name
from bot.core.sms_text import fallback_text
from bot.db import DatabaseError, Row
from bot.esms import codes
from bot.store.exports import BATCH_SIZE, Exports

if TYPE_CHECKING:
    from bot.store import Store

COLUMNS = (
    "recipient_id",
    "send_id",
    "time",  # when the send was made
    "agent",  # the Slack user who made it
    "slack_channel",  # where its thread is
    "channel",  # viber, or sms for the SMS that stood in for a failed Viber message
    "fallback_for",  # an SMS line: the recipient_id of the Viber line it stood in for
    "phone",
    "brandname",  # the Viber brandname; empty on SMS lines (they go as ESMS_SMS_BRANDNAME)
    "category",
    "test_send",
    "text",
    "state",
    "error",
    "sms_id",
    "network",
    "price",
    "submitted_at",
    "updated_at",
    "approval",
    "approval_trail",
)
FORMATS = ("csv", "jsonl")
PURGED = "purged"


def iso(epoch: float | None) -> str | None:
    """`2026-12-01T09:01:00+07:00`: Vietnamese time, to the second."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, VIETNAM).isoformat(timespec="seconds")


def problem_sentence(request: ExportCommand, markup: Callable[[str], str] = str) -> str:
    """Why nothing is exported, in a sentence; `markup` escapes the words the person typed."""
    return _(request.problem, detail=markup(request.detail), limit=EXPORT_MAX_DAYS)


def records(
    store: Store, request: ExportCommand, *, batch_size: int = BATCH_SIZE
) -> Iterator[dict[str, Any]]:
    """One record per recipient of the request's sends, in time order, read a batch at a time."""
    exports = Exports(store.db)
    start, end = request.bounds()
    for batch in exports.batches(start, end, request.phone, size=batch_size):
        trails = exports.trails({row["send_id"] for row in batch})
        for row in batch:
            yield record(row, trails[row["send_id"]])


def record(row: Row, trail: Iterable[Row]) -> dict[str, Any]:
    sms = row["channel"] == Channel.SMS
    return {
        "recipient_id": row["recipient_id"],
        "send_id": row["send_id"],
        "time": iso(row["created_at"]),
        "agent": row["user_id"],
        "slack_channel": row["channel_id"],
        "channel": row["channel"],
        "fallback_for": row["fallback_for"],
        "phone": row["phone"],
        "brandname": None if sms else row["brandname"],
        "category": row["category"],
        "test_send": bool(row["test_send"]),
        "text": _text(row, sms),
        "state": row["state"],
        "error": error_words(row),
        "sms_id": row["sms_id"],
        "network": network_name(row["telco_id"]),
        "price": _number(row["price"]),
        "submitted_at": iso(row["submitted_at"]),
        "updated_at": iso(row["updated_at"]),
        "approval": _approval(row),
        "approval_trail": [
            {
                "at": iso(event["at"]),
                "actor": event["actor"],
                "action": event["action"],
                "reason": event["reason"],
            }
            for event in trail
        ],
    }


def _text(row: Row, sms: bool) -> str:
    if row["purged_at"] is not None:
        return PURGED
    prefix = "row_" if row["row_number"] is not None else "send_"  # a campaign row's own
    message = ViberMessage(
        *(row[prefix + name] or "" for name in ("text", "image_url", "button_label", "button_url"))
    )
    if sms:  # what submit sends: the send's SMS text, or the message made into one
        stored = None if row["campaign"] else row["sms_text"]
        return stored or fallback_text(message, ascii_only=False)
    return message.text


def error_words(row: Row) -> str | None:
    """What went wrong, in words: eSMS's code described, or what the app noted."""
    if row["error_code"] is not None:
        return codes.describe(row["error_code"], row["error_detail"])
    return row["error_detail"] or None


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _approval(row: Row) -> str | None:
    """`approved by U… at …`, `rejected by U… at …: reason`, `expired at …`, `pending …`."""
    approval = row["approval"]
    if approval == Approval.NONE:
        return None
    if approval == Approval.PENDING:
        return f"pending, expires at {iso(row['approval_expires_at'])}"
    decision = approval + (f" by {row['decided_by']}" if row["decided_by"] else "")
    decision += f" at {iso(row['decided_at'])}" if row["decided_at"] is not None else ""
    return decision + (f": {row['decision_reason']}" if row["decision_reason"] else "")


# -- writers -----------------------------------------------------------------------------------


def write_csv(lines: Iterable[dict[str, Any]], out: TextIO) -> int:
    """The header, then one line per record; `out` is opened with newline="". Returns the count."""
    writer = CsvWriter(out)
    writer.writerow(COLUMNS)
    count = 0
    for line in lines:
        writer.writerow([_cell(line[name]) for name in COLUMNS])
        count += 1
    return count


def write_jsonl(lines: Iterable[dict[str, Any]], out: TextIO) -> int:
    """One JSON object per line, with every column by name. Returns the count."""
    count = 0
    for line in lines:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        count += 1
    return count


WRITERS = {"csv": write_csv, "jsonl": write_jsonl}


def _cell(value: Any) -> Any:
    if isinstance(value, list):  # the trail: `at action by actor: reason; …`
        return "; ".join(_event(event) for event in value)
    return value


def _event(event: dict[str, Any]) -> str:
    said = f"{event['at']} {event['action']}"
    said += f" by {event['actor']}" if event["actor"] else ""
    return said + (f": {event['reason']}" if event["reason"] else "")


# -- the command line --------------------------------------------------------------------------


def add_parser(commands: argparse._SubParsersAction, open_store: Callable[[], Store]) -> None:
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
