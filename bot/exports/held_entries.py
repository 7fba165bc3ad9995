"""The access file's entries: one message, status, campaign row, change or request each, as
a team lead reads it (Vietnam times, words for eSMS's errors, the JSON a row's values were
kept as)."""

from __future__ import annotations

import json
from typing import Any

from bot.db import Row
from bot.exports.records import iso, record
from bot.store.privacy_requests import PrivacyRequest


def send_entry(row: Row) -> dict[str, Any]:
    """A message to the number as it was sent and as it ended (an export's line, and more)."""
    entry = record(row, ())
    entry.pop("approval_trail")  # the approval events have their own section
    purged = row["purged_at"] is not None
    prefix = "row_" if row["row_number"] is not None else "send_"  # a campaign row's own
    for name in ("image_url", "button_label", "button_url"):
        entry[name] = None if purged else (row[prefix + name] or None)
    entry |= {
        "esms_send_status": row["esms_send_status"],
        "fallback_reason": row["fallback_reason"],
        "campaign_row": row["row_number"],
        "scheduled_at": iso(row["scheduled_at"]),
        "cancelled": _cancelled(row),
        "stop_link_used_at": iso(row["stopped_at"]),
        "counted_in_marketing_cap_at": iso(row["counted_at"]),
        "slack_thread_ts": row["parent_ts"],
    }
    return entry


def _cancelled(row: Row) -> str | None:
    if row["cancelled_at"] is None:
        return None
    return f"{iso(row['cancelled_at'])} by {row['cancelled_by'] or '?'}"


def campaign_row_entry(row: Row) -> dict[str, Any]:
    try:
        values = json.loads(row["row_values"])
    except ValueError:
        values = row["row_values"]  # kept as it is: it is what is held
    return {
        "send_id": row["send_id"],
        "recipient_id": row["recipient_id"],
        "row_number": row["row_number"],
        "values": values,
    }


def callback_entry(row: Row) -> dict[str, Any]:
    return {
        "received_at": iso(row["received_at"]),
        "outcome": row["outcome"],
        "sms_id": row["sms_id"],
        "request_id": row["request_id"],
        "query": row["query"],
    }


def event_entry(row: Row) -> dict[str, Any]:
    return {"at": iso(row["at"]), "actor": row["actor"], "action": row["action"]} | {
        key: (iso(row[key]) if key == "given_at" else row[key])
        for key in ("reason", "source", "evidence", "given_at")
        if key in row.keys()  # noqa: SIM118 (a database row, not a dict)
    }


def request_entry(request: PrivacyRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "kind": request.kind,
        "asked_by": request.asked_by,
        "asked_at": iso(request.asked_at),
        "answer_due": iso(request.answer_due),
        "done_due": iso(request.done_due),
        "state": request.state,
        "done_at": iso(request.done_at),
    }


def opt_out_entry(row: Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"since": iso(row["added_at"]), "added_by": row["added_by"], "reason": row["reason"]}


def consent_entry(row: Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "given_at": iso(row["given_at"]),
        "evidence": row["evidence"],
        "source": row["source"],
        "recorded_by": row["recorded_by"],
        "recorded_at": iso(row["recorded_at"]),
    }
