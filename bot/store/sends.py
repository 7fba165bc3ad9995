"""Sends and their recipients: stored with their RequestIds before Slack hears back, posted as
a thread, cancelled while still held for later."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from bot.core.delivery import State
from bot.core.model import (
    Approval,
    JobKind,
    JobState,
    LookUp,
    NewSend,
    Recipient,
    Send,
    ThreadState,
)
from bot.db import Connection, Database
from bot.store.jobs import drop_queued_submits, enqueue, enqueue_sync
from bot.store.new_sends import store_send
from bot.store.rows import recipient_from, reload_send, send_from


def release_recipients(conn: Connection, send_id: str) -> None:
    """Queue each recipient's submission, at the send's scheduled time if it has one; a
    campaign's rows one `spacing` apart (its pace), so that nothing else waits behind them."""
    scheduled_at = conn.execute(
        "SELECT scheduled_at FROM sends WHERE id = ?", (send_id,)
    ).fetchone()["scheduled_at"]
    pace = conn.execute("SELECT spacing FROM campaigns WHERE send_id = ?", (send_id,)).fetchone()
    spacing = (pace["spacing"] or 0.0) if pace else 0.0
    start = max(scheduled_at or 0.0, time.time())
    rows = conn.execute(
        "SELECT id FROM recipients WHERE send_id = ? AND state = ? ORDER BY position",
        (send_id, State.QUEUED),
    ).fetchall()
    for index, row in enumerate(rows):
        at = start + index * spacing
        enqueue(
            conn, JobKind.SUBMIT, send_id, recipient_id=row["id"], run_after=at, bulk=bool(pace)
        )


# What follows a stored fact, as the job that stored it decides (`Sends.mark_parent_posted`).
FollowUps = Callable[[Send], Collection[JobKind]]

PARKED_AFTER_SECONDS = 365 * 86400.0  # a paused campaign's rows wait further away than this


def _keep_pace_from(conn: Connection, send_id: str, opening: float) -> None:
    """A campaign held for the marketing hours goes on at its own pace from their opening:
    its rows spaced as when it started, never all at the opening, where they would take every
    job thread while other sends wait. The job that asked goes first, at the opening."""
    pace = conn.execute("SELECT spacing FROM campaigns WHERE send_id = ?", (send_id,)).fetchone()
    spacing = (pace["spacing"] or 0.0) if pace else 0.0
    if not spacing:
        return
    waiting = conn.execute(
        """SELECT id FROM jobs WHERE send_id = ? AND kind = ? AND state = ? AND run_after < ?
           ORDER BY run_after, id""",
        (send_id, JobKind.SUBMIT, JobState.QUEUED, time.time() + PARKED_AFTER_SECONDS),
    ).fetchall()
    conn.executemany(
        "UPDATE jobs SET run_after = ? WHERE id = ?",
        [(opening + index * spacing, job["id"]) for index, job in enumerate(waiting, start=1)],
    )


class Sends:
    def __init__(self, db: Database, wake: Callable[[], None], data_key: str | None = None) -> None:
        self.db = db
        self._wake = wake  # new work was queued: the job runner looks now
        self._key = data_key  # DATA_KEY: an erased, opted-out number is refused too

    def create(self, new: NewSend) -> str:
        """Store a send, its recipients (each with its RequestId) and the job that posts its
        thread."""
        send_id = store_send(self.db, new)
        assert send_id is not None  # only a check for opt-outs stops a send
        self._wake()
        return send_id

    def create_unless_opted_out(self, new: NewSend) -> str | None:
        """As `create`, in the same transaction as the check that none of its numbers opted
        out; None, and nothing stored, when one did."""
        send_id = store_send(self.db, new, unless_opted_out=True, data_key=self._key)
        if send_id is not None:
            self._wake()
        return send_id

    def get(self, send_id: str) -> Send | None:
        row = self.db.fetch_one("SELECT * FROM sends WHERE id = ?", (send_id,))
        return send_from(row) if row else None

    def recipients(self, send_id: str) -> list[Recipient]:
        rows = self.db.fetch_all(
            "SELECT * FROM recipients WHERE send_id = ? ORDER BY position, id", (send_id,)
        )
        return [recipient_from(row) for row in rows]

    def recipient(self, recipient_id: int) -> Recipient | None:
        row = self.db.fetch_one("SELECT * FROM recipients WHERE id = ?", (recipient_id,))
        return recipient_from(row) if row else None

    def to_phone(self, phone: str, limit: int, *, user_id: str, channel_id: str) -> LookUp:
        """The latest sends to `phone` that `user_id` sent or that came from `channel_id`; the
        others are counted."""
        to_phone = "EXISTS (SELECT 1 FROM recipients r WHERE r.send_id = s.id AND r.phone = ?)"
        rows = self.db.fetch_all(
            f"""SELECT s.* FROM sends s WHERE {to_phone} AND (s.user_id = ? OR s.channel_id = ?)
               ORDER BY s.created_at DESC LIMIT ?""",
            (phone, user_id, channel_id, limit),
        )
        hidden = self.db.fetch_one(
            f"""SELECT COUNT(*) AS n FROM sends s
                WHERE {to_phone} AND s.user_id != ? AND s.channel_id != ?""",
            (phone, user_id, channel_id),
        )
        assert hidden is not None  # a count has its row
        return LookUp([send_from(row) for row in rows], hidden["n"])

    def with_sms_id(self, sms_id: str, *, user_id: str, channel_id: str) -> LookUp:
        """The send with that SMSID, if `user_id` sent it or it came from `channel_id`."""
        row = self.db.fetch_one(
            "SELECT s.* FROM sends s JOIN recipients r ON r.send_id = s.id WHERE r.sms_id = ?",
            (sms_id,),
        )
        if row is None:
            return LookUp([])
        if row["user_id"] == user_id or row["channel_id"] == channel_id:
            return LookUp([send_from(row)])
        return LookUp([], 1)

    def by_user(self, user_id: str, limit: int) -> list[Send]:
        rows = self.db.fetch_all(
            "SELECT * FROM sends WHERE user_id = ? ORDER BY created_at DESC LIMIT ?",
            (user_id, limit),
        )
        return [send_from(row) for row in rows]

    def recent(self, channel_id: str, limit: int) -> list[Send]:
        rows = self.db.fetch_all(
            "SELECT * FROM sends WHERE channel_id = ? ORDER BY created_at DESC LIMIT ?",
            (channel_id, limit),
        )
        return [send_from(row) for row in rows]

    def mark_parent_posted(self, send_id: str, parent_ts: str, *, then: FollowUps) -> None:
        """Record the thread and queue, in the same transaction, the jobs `then` names for the
        send as it now stands: `SUBMIT` stands for one submission per queued recipient
        (`release_recipients`), any other kind for one job on the thread's line. Asked inside
        the transaction, so a decision taken while Slack was being asked (an approval that
        expired, a step that withdrew it) is seen, and a crash loses the thread and its
        follow-ups together or neither. A repeat changes nothing."""
        with self.db.transaction() as conn:
            updated = conn.execute(
                """UPDATE sends SET parent_ts = ?, thread_state = ?, updated_at = ?
                   WHERE id = ? AND thread_state = ?""",
                (parent_ts, ThreadState.POSTED, time.time(), send_id, ThreadState.NEW),
            ).rowcount
            if not updated:
                return
            for kind in then(reload_send(conn, send_id)):
                if kind == JobKind.SUBMIT:
                    release_recipients(conn, send_id)
                else:
                    enqueue(conn, kind, send_id)

    def mark_not_posted(self, send_id: str, note: str) -> None:
        """Slack would not take the thread parent: nothing goes to any customer."""
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute(
                """UPDATE sends SET thread_state = ?, thread_note = ?, updated_at = ?
                   WHERE id = ? AND thread_state = ?""",
                (ThreadState.NOT_POSTED, note, now, send_id, ThreadState.NEW),
            )
            conn.execute(
                "UPDATE recipients SET state = ?, updated_at = ? WHERE send_id = ? AND state = ?",
                (State.CANCELLED, now, send_id, State.QUEUED),
            )

    def hold_for_hours(self, send_id: str, until: float) -> None:
        """A marketing send waits for the marketing hours: while none of it has gone out it is
        scheduled for their opening (and can be cancelled until then), and the thread says so."""
        with self.db.transaction() as conn:
            held = conn.execute(
                """UPDATE sends SET held_until = ?, updated_at = ?,
                       scheduled_at = CASE WHEN EXISTS (SELECT 1 FROM recipients r
                           WHERE r.send_id = sends.id AND r.state != ?)
                           THEN scheduled_at ELSE ? END
                   WHERE id = ? AND (held_until IS NULL OR held_until < ?)""",
                (until, time.time(), State.QUEUED, until, send_id, until),
            ).rowcount
            # Again whenever rows wait due before the opening (resumed at night, say): each
            # would otherwise come back at the opening itself, all at once.
            early = conn.execute(
                "SELECT 1 FROM jobs WHERE send_id = ? AND kind = ? AND state = ? AND run_after < ?"
                " LIMIT 1",
                (send_id, JobKind.SUBMIT, JobState.QUEUED, until),
            ).fetchone()
            if held or early:
                _keep_pace_from(conn, send_id, until)
            if held:
                enqueue_sync(conn, send_id)

    def end_hold(self, send_id: str) -> None:
        with self.db.transaction() as conn:
            ended = conn.execute(
                "UPDATE sends SET held_until = NULL, updated_at = ? WHERE id = ? AND held_until <= ?",
                (time.time(), send_id, time.time()),
            ).rowcount
            if ended:
                enqueue_sync(conn, send_id)

    def cancel_scheduled(self, send_id: str, actor: str) -> Send | None:
        """Cancel a send none of whose recipients has gone to eSMS yet, or the rest of one that
        waits for the marketing hours; None when too late."""
        now = time.time()
        lock = self.db.row_lock
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM sends WHERE id = ?" + lock, (send_id,)).fetchone()
            # Locked, so that a worker cannot claim one of them while this decides.
            submits = conn.execute(
                "SELECT state FROM jobs WHERE send_id = ? AND kind = ? ORDER BY id" + lock,
                (send_id, JobKind.SUBMIT),
            ).fetchall()
            started = any(job["state"] in (JobState.RUNNING, JobState.DONE) for job in submits)
            if row is None or row["cancelled_at"] is not None:
                return None
            if row["approval"] == Approval.PENDING:  # withdrawing a request is a rejection
                return None
            moved = conn.execute(
                "SELECT 1 FROM recipients WHERE send_id = ? AND state != ? LIMIT 1",
                (send_id, State.QUEUED),
            ).fetchone()
            # A send waiting for the marketing hours after part of it went out: the rest may
            # still be cancelled (what is running now goes out).
            if (started or moved) and row["held_until"] is None:
                return None
            dropped = conn.execute(  # a row being submitted is `submitting`, not queued
                "UPDATE recipients SET state = ?, updated_at = ? WHERE send_id = ? AND state = ?",
                (State.CANCELLED, now, send_id, State.QUEUED),
            ).rowcount
            if not dropped:
                return None
            conn.execute(
                "UPDATE sends SET cancelled_by = ?, cancelled_at = ?, updated_at = ? WHERE id = ?",
                (actor, now, now, send_id),
            )
            drop_queued_submits(conn, send_id)
            enqueue_sync(conn, send_id)
            cancelled = reload_send(conn, send_id)
        self._wake()
        return cancelled
