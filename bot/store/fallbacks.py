"""Fallbacks: the customer-care SMS that stands in for a Viber message that did not arrive,
queued in the transaction that decides it, one per Viber recipient at most."""

from __future__ import annotations

import time
import uuid

from bot.core import fallback
from bot.core.delivery import State, is_final
from bot.core.model import Category, Channel, JobKind
from bot.db import Connection, Database, Row
from bot.store.jobs import enqueue, enqueue_sync

ESMS_HORIZON_SECONDS = 7 * 86400  # eSMS keeps statuses that long; older ones are settled


def queue_fallback(conn: Connection, row: Row, reason: str) -> bool:
    """Queue the one SMS that stands in for a Viber recipient, when its send asked for one:
    stored with its own RequestId in the transaction that decides it, so it goes out exactly
    once whatever happens next. True when it was queued now."""
    if row["channel"] != Channel.VIBER:
        return False
    send = conn.execute(
        "SELECT sms_fallback, category, cancelled_at FROM sends WHERE id = ?", (row["send_id"],)
    ).fetchone()
    if send is None or not send["sms_fallback"] or send["category"] != Category.CARE:
        return False
    if send["cancelled_at"] is not None:  # cancelled, or its workflow step ended
        return False
    # A campaign row's SMS says what its own row said, not the campaign's {placeholders}.
    added = conn.execute(
        """INSERT INTO recipients (send_id, position, phone, request_id, state, updated_at,
               channel, fallback_for, fallback_reason, row_number, text, image_url,
               button_label, button_url)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (fallback_for) DO NOTHING RETURNING id""",
        (
            row["send_id"],
            row["position"],
            row["phone"],
            str(uuid.uuid4()),
            State.QUEUED,
            time.time(),
            Channel.SMS,
            row["id"],
            reason,
            row["row_number"],
            row["text"],
            row["image_url"],
            row["button_label"],
            row["button_url"],
        ),
    ).fetchone()
    if added is None:
        if reason == fallback.FAILED:  # sent as "late" already: it now stands in for a failure
            conn.execute(
                "UPDATE recipients SET fallback_reason = ? WHERE fallback_for = ?",
                (reason, row["id"]),
            )
        return False
    enqueue(conn, JobKind.SUBMIT, row["send_id"], recipient_id=added["id"])
    return True


class Fallbacks:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = db.row_lock

    def queue_late(self, submitted_before: float, limit: int = 200) -> int:
        """SMS for Viber recipients still undelivered since `submitted_before` (the customer
        may then receive both), within eSMS's 7 days and never for test sends (eSMS gives
        no status for them); returns how many were queued."""
        waiting = [s.value for s in State if not is_final(s) and s != State.QUEUED]
        marks = ", ".join("?" for _ in waiting)
        candidates = self.db.fetch_all(
            f"""SELECT r.id FROM recipients r JOIN sends s ON s.id = r.send_id
                WHERE r.state IN ({marks}) AND r.channel = ? AND r.submitted_at < ?
                  AND r.submitted_at > ? AND s.sms_fallback = 1 AND s.category = ?
                  AND s.test_send = 0
                  AND NOT EXISTS (SELECT 1 FROM recipients f WHERE f.fallback_for = r.id)
                ORDER BY r.id LIMIT ?""",
            (
                *waiting,
                Channel.VIBER,
                submitted_before,
                submitted_before - ESMS_HORIZON_SECONDS,
                Category.CARE,
                limit,
            ),
        )
        queued = 0
        for candidate in candidates:
            with self.db.transaction() as conn:
                row = conn.execute(
                    "SELECT * FROM recipients WHERE id = ?" + self._lock, (candidate["id"],)
                ).fetchone()
                late = row is not None and not is_final(row["state"])
                if late and queue_fallback(conn, row, fallback.LATE):
                    enqueue_sync(conn, row["send_id"])
                    queued += 1
        return queued
