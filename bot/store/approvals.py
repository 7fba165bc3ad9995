"""Approvals: one decision per request, taken in one transaction, with an audit trail."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.core.delivery import State
from bot.core.model import Approval, CampaignState, Decision, ThreadState
from bot.db import Connection, Database, Row
from bot.store.jobs import enqueue_sync
from bot.store.rows import reload_send, send_from
from bot.store.sends import release_recipients


def settle(
    conn: Connection,
    send: Row,
    approval: Approval,
    actor: str | None,
    reason: str | None,
    now: float,
) -> None:
    """Record the decision (or its absence) with its event; approved releases the recipients,
    anything else cancels those still queued. The thread is refreshed."""
    conn.execute(
        """UPDATE sends SET approval = ?, decided_by = ?, decided_at = ?, decision_reason = ?,
               updated_at = ? WHERE id = ?""",
        (approval, actor, now, reason, now, send["id"]),
    )
    conn.execute(
        "INSERT INTO approval_events (send_id, at, actor, action, reason) VALUES (?, ?, ?, ?, ?)",
        (send["id"], now, actor, approval, reason),
    )
    if send["campaign"]:  # a campaign's approver decided on its preview
        state = CampaignState.RUNNING if approval == Approval.APPROVED else CampaignState.CANCELLED
        conn.execute(
            "UPDATE campaigns SET state = ?, started_by = ?, started_at = ?, updated_at = ? "
            "WHERE send_id = ? AND state = ?",
            (state, actor, now, now, send["id"], CampaignState.PREVIEW),
        )
    if approval == Approval.APPROVED:
        if send["thread_state"] == ThreadState.POSTED:
            release_recipients(conn, send["id"])
    else:
        conn.execute(
            "UPDATE recipients SET state = ?, updated_at = ? WHERE send_id = ? AND state = ?",
            (State.CANCELLED, now, send["id"], State.QUEUED),
        )
    enqueue_sync(conn, send["id"])


class Approvals:
    def __init__(self, db: Database, wake: Callable[[], None]) -> None:
        self.db = db
        self._wake = wake  # a decision queues work: the job runner looks now

    def decide(
        self, send_id: str, approval: Approval, actor: str, reason: str | None = None
    ) -> Decision | None:
        """Approve or reject a pending send; only the first decision counts."""
        now = time.time()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM sends WHERE id = ?" + self.db.row_lock, (send_id,)
            ).fetchone()
            if row is None:
                return None
            if row["approval"] != Approval.PENDING:
                return Decision(won=False, send=send_from(row))
            if row["approval_expires_at"] <= now:
                settle(conn, row, Approval.EXPIRED, None, None, now)
                decision = Decision(won=False, send=reload_send(conn, send_id))
            else:
                settle(conn, row, approval, actor, reason, now)
                decision = Decision(won=True, send=reload_send(conn, send_id))
        self._wake()
        return decision

    def expire(self) -> list[str]:
        """Settle every pending approval whose time ran out; returns their send ids."""
        now = time.time()
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM sends WHERE approval = ? AND approval_expires_at <= ? ORDER BY id"
                + self.db.row_lock,
                (Approval.PENDING, now),
            ).fetchall()
            for row in rows:
                settle(conn, row, Approval.EXPIRED, None, None, now)
        return [row["id"] for row in rows]

    def move_to_thread(self, send_id: str, note: str) -> None:
        """The approval channel is out of reach: show the buttons on the thread parent instead,
        with `note` saying why."""
        with self.db.transaction() as conn:
            conn.execute(
                """UPDATE sends SET approval_channel = NULL, thread_note = ?, updated_at = ?
                   WHERE id = ?""",
                (note, time.time(), send_id),
            )
            enqueue_sync(conn, send_id)

    def mark_posted(self, send_id: str, approval_ts: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE sends SET approval_ts = ?, updated_at = ? WHERE id = ?",
                (approval_ts, time.time(), send_id),
            )

    def mark_reported(self, send_id: str) -> None:
        """The decision's reply is in the thread."""
        with self.db.transaction() as conn:
            conn.execute("UPDATE sends SET decision_reported = 1 WHERE id = ?", (send_id,))

    def events(self, send_id: str) -> list[dict[str, object]]:
        """The audit trail of a send: every decision, who took it, when and why."""
        rows = self.db.fetch_all(
            "SELECT at, actor, action, reason FROM approval_events WHERE send_id = ? ORDER BY id",
            (send_id,),
        )
        return [dict(row) for row in rows]
