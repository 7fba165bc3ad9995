"""The export's records: one per recipient of the sends made between two days, read from the
store a batch at a time (`bot/store/exports.py`), so memory stays the same however long the
range is. A purged send shows `purged` for its text and its numbers as the purge masked them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.command_text import EXPORT_MAX_DAYS, ExportCommand
from bot.core.formatting import VIETNAM
from bot.core.i18n import _
from bot.core.message import ViberMessage
from bot.core.model import Approval, Channel
from bot.core.networks import network_name
from bot.core.sms_text import fallback_text
from bot.db import Row
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
