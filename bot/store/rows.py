"""Rows as the domain's records: one place that knows the columns' names."""

from __future__ import annotations

import json
from dataclasses import fields

from bot.core.message import ViberMessage
from bot.core.model import Campaign, Job, Recipient, Send
from bot.db import Connection, Row


def send_from(row: Row) -> Send:
    return Send(
        id=row["id"],
        created_at=row["created_at"],
        team_id=row["team_id"],
        channel_id=row["channel_id"],
        user_id=row["user_id"],
        message=ViberMessage(
            text=row["text"],
            image_url=row["image_url"],
            button_label=row["button_label"],
            button_url=row["button_url"],
        ),
        brandname=row["brandname"],
        test_send=bool(row["test_send"]),
        thread_state=row["thread_state"],
        thread_note=row["thread_note"],
        parent_ts=row["parent_ts"],
        response_url=row["response_url"],
        approval=row["approval"],
        approval_expires_at=row["approval_expires_at"],
        approval_channel=row["approval_channel"],
        approval_ts=row["approval_ts"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decision_reason=row["decision_reason"],
        decision_reported=bool(row["decision_reported"]),
        scheduled_at=row["scheduled_at"],
        thread_ts=row["thread_ts"],
        cancelled_by=row["cancelled_by"],
        cancelled_at=row["cancelled_at"],
        category=row["category"],
        sms_fallback=bool(row["sms_fallback"]),
        sms_text=row["sms_text"],
        held_until=row["held_until"],
        campaign=bool(row["campaign"]),
        image_file=row["image_file"],
        image_token=row["image_token"],
        image_problem=row["image_problem"],
        image_first_frame=bool(row["image_first_frame"]),
        consent_required=bool(row["consent_required"]),
    )


def job_from(row: Row) -> Job:
    return Job(**{field.name: row[field.name] for field in fields(Job)})


def recipient_from(row: Row) -> Recipient:
    return Recipient(**{field.name: row[field.name] for field in fields(Recipient)})


def reload_send(conn: Connection, send_id: str) -> Send:
    """The send as the running transaction sees it now."""
    return send_from(conn.execute("SELECT * FROM sends WHERE id = ?", (send_id,)).fetchone())


def campaign_from(row: Row) -> Campaign:
    return Campaign(
        send_id=row["send_id"],
        state=row["state"],
        file_name=row["file_name"],
        file_url=row["file_url"],
        rows_read=row["rows_read"],
        invalid=[tuple(item) for item in json.loads(row["invalid"] or "[]")],
        duplicates=row["duplicates"],
        unknown=json.loads(row["unknown"] or "[]"),
        columns=json.loads(row["columns"] or "[]"),
        problem=row["problem"],
        pause_reason=row["pause_reason"],
        started_by=row["started_by"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        results_file_id=row["report_file_id"],  # the column keeps its first name: no migration
        reported=row["reported"],
    )
