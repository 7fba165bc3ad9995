"""Persistence: sends, recipients, raw callbacks, durable jobs and leases.

Every change that must happen together happens in one transaction. On SQLite write transactions
run one at a time; on PostgreSQL a transaction locks the rows it reads before changing them
(`row_lock`) and workers claim jobs with SKIP LOCKED, so several processes sharing one database
never interleave half-done updates nor run a job twice.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import NamedTuple

from bot.core.delivery import State, is_final, merge, state_for_report
from bot.core.message import ViberMessage
from bot.db import Connection, Database, Row, open_database
from bot.esms.callback import Callback, parse_callback


class SendStatus:
    """Where the send's thread parent stands (recipients carry their own delivery states)."""

    NEW = "new"  # stored, parent message not posted yet
    POSTED = "posted"  # parent posted, recipients submitted or being submitted
    NOT_POSTED = "not_posted"  # Slack refused the parent; nothing was sent


class Approval:
    """Where a send stands with its approvers."""

    NONE = "none"  # the send needed no approval
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


class JobKind(StrEnum):
    POST_PARENT = "post_parent"
    POST_APPROVAL = "post_approval"
    SUBMIT = "submit"
    SYNC_THREAD = "sync_thread"


@dataclass(frozen=True)
class NewSend:
    team_id: str
    channel_id: str
    user_id: str
    message: ViberMessage
    phones: tuple[str, ...]
    brandname: str
    sandbox: bool
    response_url: str | None = None
    approval_ttl_seconds: float | None = None  # None: no approval needed
    approval_channel: str | None = None  # None: approve in the send's own thread
    scheduled_at: float | None = None  # None: send as soon as possible
    thread_ts: str | None = None  # a message whose thread the send lives in (message shortcut)


@dataclass(frozen=True)
class Recipient:
    id: int
    send_id: str
    phone: str
    request_id: str
    sms_id: str | None
    state: str
    esms_status: int | None
    error_code: int | None
    error_detail: str | None
    reported_state: str | None
    submitted_at: float | None = None
    updated_at: float | None = None


@dataclass(frozen=True)
class Send:
    id: str
    created_at: float
    team_id: str
    channel_id: str
    user_id: str
    message: ViberMessage
    brandname: str
    sandbox: bool
    status: str
    status_note: str | None
    parent_ts: str | None
    response_url: str | None
    approval: str = Approval.NONE
    approval_expires_at: float | None = None
    approval_channel: str | None = None
    approval_ts: str | None = None
    decided_by: str | None = None
    decided_at: float | None = None
    decision_reason: str | None = None
    decision_reported: bool = False
    scheduled_at: float | None = None
    thread_ts: str | None = None
    cancelled_by: str | None = None
    cancelled_at: float | None = None

    @property
    def awaiting_approval(self) -> bool:
        return self.approval == Approval.PENDING

    @property
    def reply_ts(self) -> str | None:
        """Where replies go: the thread the send was started from, or the send's own parent."""
        return self.thread_ts or self.parent_ts


@dataclass(frozen=True)
class Decision:
    """What a click or the expiry sweep achieved: `won` is True for exactly one caller."""

    won: bool
    send: Send


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    send_id: str
    recipient_id: int | None
    attempts: int


@dataclass(frozen=True)
class CallbackOutcome:
    matched: bool
    changed: bool
    send_id: str | None = None


class LookUp(NamedTuple):
    """What a look-up found: the sends the asker may read, and how many others it only counts
    (sent by someone else from a channel other than the one asked in, perhaps a private one)."""

    sends: list[Send]
    elsewhere: int = 0


SYNC_DEBOUNCE_SECONDS = 0.5
# The first unfinished job of its thread (or recipient). Written as a lookup per candidate,
# which both databases answer from the (order_key, status) index; PostgreSQL plans the
# equivalent NOT EXISTS as an anti join over every unfinished job, for every candidate.
_FIRST_OF_ITS_LINE = """j.id = (
        SELECT MIN(e.id) FROM jobs e
        WHERE e.order_key = j.order_key AND e.status IN ('queued', 'running'))"""
# Where runnable jobs are, each read from the (status, run_after) index in order, so that the
# search stops at the first one that may run. A job whose holder stopped renewing its lease
# (the process died) comes first: the rest of its thread waits for it. Leases are timed by the
# database's clock (`{clock}`), so processes on machines whose clocks disagree still agree.
_EXPIRED_LEASE = "j.status = 'running' AND j.lease_until < {clock}"
_DUE = "j.status = 'queued' AND j.run_after <= ?"


def _next_job(candidates: str, suffix: str = "") -> str:
    return f"""SELECT j.id FROM jobs j WHERE {candidates} AND {_FIRST_OF_ITS_LINE}
        ORDER BY j.run_after LIMIT 1{suffix}"""


_CLAIM = """UPDATE jobs SET status = 'running', attempts = attempts + 1, holder = ?,
        lease_until = {clock} + ?, updated_at = ? WHERE id = ({job}) RETURNING *"""


def process_name() -> str:
    """Who holds a job or a lease: unique to this process, readable in the database."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Store:
    def __init__(self, database: Database, *, job_lease_seconds: float = 8.0) -> None:
        self.db = database
        # A job whose holder has not renewed its lease for this long is taken over.
        self.job_lease_seconds = job_lease_seconds
        self.holder = process_name()
        self._lock = database.row_lock
        self._clock = database.clock

    @classmethod
    def open(cls, url: str, *, job_lease_seconds: float = 8.0, pool_size: int = 5) -> Store:
        """The store at DATABASE_URL (sqlite:///… or postgres://…)."""
        return cls(open_database(url, pool_size=pool_size), job_lease_seconds=job_lease_seconds)

    def close(self) -> None:
        self.db.close()

    def ping(self) -> bool:
        return self.db.ping()

    def migrate(self) -> int:
        """Create or upgrade the schema; returns the version now in force."""
        return self.db.migrate()

    # -- sends -------------------------------------------------------------------------------

    def create_send(self, new: NewSend) -> str:
        """Store a send, its recipients (each with its RequestId) and the job that posts its thread."""
        send_id = uuid.uuid4().hex[:16]
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute(
                """INSERT INTO sends (id, created_at, updated_at, team_id, channel_id, user_id,
                       response_url, text, image_url, button_label, button_url, brandname, sandbox,
                       status, approval, approval_expires_at, approval_channel, scheduled_at,
                       thread_ts)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    send_id, now, now, new.team_id, new.channel_id, new.user_id, new.response_url,
                    new.message.text, new.message.image_url, new.message.button_label,
                    new.message.button_url, new.brandname, int(new.sandbox), SendStatus.NEW,
                    Approval.NONE if new.approval_ttl_seconds is None else Approval.PENDING,
                    None if new.approval_ttl_seconds is None else now + new.approval_ttl_seconds,
                    new.approval_channel if new.approval_ttl_seconds is not None else None,
                    new.scheduled_at, new.thread_ts,
                ),
            )  # fmt: skip
            conn.executemany(
                """INSERT INTO recipients (send_id, position, phone, request_id, state, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [
                    (send_id, position, phone, str(uuid.uuid4()), State.QUEUED, now)
                    for position, phone in enumerate(new.phones)
                ],
            )
            _enqueue(conn, JobKind.POST_PARENT, send_id)
        return send_id

    def get_send(self, send_id: str) -> Send | None:
        row = self.db.fetch_one("SELECT * FROM sends WHERE id = ?", (send_id,))
        return _send(row) if row else None

    def recipients(self, send_id: str) -> list[Recipient]:
        rows = self.db.fetch_all(
            "SELECT * FROM recipients WHERE send_id = ? ORDER BY position", (send_id,)
        )
        return [_recipient(row) for row in rows]

    def sends_to_phone(self, phone: str, limit: int, *, user_id: str, channel_id: str) -> LookUp:
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
        )["n"]
        return LookUp([_send(row) for row in rows], hidden)

    def send_with_sms_id(self, sms_id: str, *, user_id: str, channel_id: str) -> LookUp:
        """The send with that SMSID, if `user_id` sent it or it came from `channel_id`."""
        row = self.db.fetch_one(
            "SELECT s.* FROM sends s JOIN recipients r ON r.send_id = s.id WHERE r.sms_id = ?",
            (sms_id,),
        )
        if row is None:
            return LookUp([])
        if row["user_id"] == user_id or row["channel_id"] == channel_id:
            return LookUp([_send(row)])
        return LookUp([], 1)

    def sends_by_user(self, user_id: str, limit: int) -> list[Send]:
        rows = self.db.fetch_all(
            "SELECT * FROM sends WHERE user_id = ? ORDER BY created_at DESC LIMIT ?",
            (user_id, limit),
        )
        return [_send(row) for row in rows]

    def recent_sends(self, channel_id: str, limit: int) -> list[Send]:
        rows = self.db.fetch_all(
            "SELECT * FROM sends WHERE channel_id = ? ORDER BY created_at DESC LIMIT ?",
            (channel_id, limit),
        )
        return [_send(row) for row in rows]

    def get_recipient(self, recipient_id: int) -> Recipient | None:
        row = self.db.fetch_one("SELECT * FROM recipients WHERE id = ?", (recipient_id,))
        return _recipient(row) if row else None

    def mark_parent_posted(self, send_id: str, parent_ts: str) -> None:
        """Record the thread; release the recipients to eSMS unless an approval must come first."""
        with self.db.transaction() as conn:
            updated = conn.execute(
                "UPDATE sends SET parent_ts = ?, status = ?, updated_at = ? WHERE id = ? AND status = ?",
                (parent_ts, SendStatus.POSTED, time.time(), send_id, SendStatus.NEW),
            ).rowcount
            if not updated:
                return
            send = conn.execute("SELECT * FROM sends WHERE id = ?", (send_id,)).fetchone()
            if send["approval"] == Approval.PENDING:
                if send["approval_channel"]:
                    _enqueue(conn, JobKind.POST_APPROVAL, send_id)
            elif send["approval"] in (Approval.NONE, Approval.APPROVED):
                _release_recipients(conn, send_id)

    def approve_in_thread(self, send_id: str, note: str) -> None:
        """The approval channel is out of reach: show the buttons on the thread parent instead,
        with `note` saying why."""
        with self.db.transaction() as conn:
            conn.execute(
                """UPDATE sends SET approval_channel = NULL, status_note = ?, updated_at = ?
                   WHERE id = ?""",
                (note, time.time(), send_id),
            )
            _enqueue_sync(conn, send_id)

    def mark_approval_posted(self, send_id: str, approval_ts: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE sends SET approval_ts = ?, updated_at = ? WHERE id = ?",
                (approval_ts, time.time(), send_id),
            )

    def decide(
        self, send_id: str, approval: str, actor: str, reason: str | None = None
    ) -> Decision | None:
        """Approve or reject a pending send; only the first decision counts."""
        now = time.time()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM sends WHERE id = ?" + self._lock, (send_id,)
            ).fetchone()
            if row is None:
                return None
            if row["approval"] != Approval.PENDING:
                return Decision(won=False, send=_send(row))
            if row["approval_expires_at"] <= now:
                _settle_approval(conn, row, Approval.EXPIRED, None, None, now)
                return Decision(won=False, send=self._reload(conn, send_id))
            _settle_approval(conn, row, approval, actor, reason, now)
            return Decision(won=True, send=self._reload(conn, send_id))

    def expire_approvals(self) -> list[str]:
        """Settle every pending approval whose time ran out; returns their send ids."""
        now = time.time()
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM sends WHERE approval = ? AND approval_expires_at <= ? ORDER BY id"
                + self._lock,
                (Approval.PENDING, now),
            ).fetchall()
            for row in rows:
                _settle_approval(conn, row, Approval.EXPIRED, None, None, now)
            return [row["id"] for row in rows]

    def cancel_scheduled(self, send_id: str, actor: str) -> Send | None:
        """Cancel a send none of whose recipients has gone to eSMS yet; None when too late."""
        now = time.time()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM sends WHERE id = ?" + self._lock, (send_id,)
            ).fetchone()
            # Locked, so that a worker cannot claim one of them while this decides.
            submits = conn.execute(
                "SELECT status FROM jobs WHERE send_id = ? AND kind = ? ORDER BY id" + self._lock,
                (send_id, JobKind.SUBMIT),
            ).fetchall()
            started = any(job["status"] in ("running", "done") for job in submits)
            if row is None or started or row["cancelled_at"] is not None:
                return None
            if row["approval"] == Approval.PENDING:  # withdrawing a request is a rejection
                return None
            moved = conn.execute(
                "SELECT 1 FROM recipients WHERE send_id = ? AND state != ? LIMIT 1",
                (send_id, State.QUEUED),
            ).fetchone()
            if moved:
                return None
            conn.execute(
                "UPDATE sends SET cancelled_by = ?, cancelled_at = ?, updated_at = ? WHERE id = ?",
                (actor, now, now, send_id),
            )
            conn.execute(
                "UPDATE recipients SET state = ?, updated_at = ? WHERE send_id = ?",
                (State.CANCELLED, now, send_id),
            )
            conn.execute(
                "UPDATE jobs SET status = 'done', last_error = 'cancelled' WHERE send_id = ? AND kind = ? "
                "AND status = 'queued'",
                (send_id, JobKind.SUBMIT),
            )
            _enqueue_sync(conn, send_id)
            return self._reload(conn, send_id)

    # -- templates ---------------------------------------------------------------------------

    def save_template(self, name: str, message: ViberMessage, created_by: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                """INSERT INTO templates (name, text, image_url, button_label, button_url, created_by,
                       created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(name) DO UPDATE SET text = excluded.text, image_url = excluded.image_url,
                       button_label = excluded.button_label, button_url = excluded.button_url,
                       created_by = excluded.created_by, created_at = excluded.created_at""",
                (name, message.text, message.image_url, message.button_label, message.button_url,
                 created_by, time.time()),
            )  # fmt: skip

    def templates(self) -> dict[str, ViberMessage]:
        rows = self.db.fetch_all("SELECT * FROM templates ORDER BY name")
        return {
            row["name"]: ViberMessage(
                row["text"], row["image_url"], row["button_label"], row["button_url"]
            )
            for row in rows
        }

    def remove_template(self, name: str) -> bool:
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM templates WHERE name = ?", (name,)).rowcount > 0

    def mark_decision_reported(self, send_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE sends SET decision_reported = 1 WHERE id = ?", (send_id,))

    def approval_events(self, send_id: str) -> list[dict[str, object]]:
        rows = self.db.fetch_all(
            "SELECT at, actor, action, reason FROM approval_events WHERE send_id = ? ORDER BY id",
            (send_id,),
        )
        return [dict(row) for row in rows]

    @staticmethod
    def _reload(conn: Connection, send_id: str) -> Send:
        return _send(conn.execute("SELECT * FROM sends WHERE id = ?", (send_id,)).fetchone())

    def mark_not_posted(self, send_id: str, note: str) -> None:
        """Slack would not take the thread parent: nothing goes to any customer."""
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE sends SET status = ?, status_note = ?, updated_at = ? WHERE id = ? AND status = ?",
                (SendStatus.NOT_POSTED, note, now, send_id, SendStatus.NEW),
            )
            conn.execute(
                "UPDATE recipients SET state = ?, updated_at = ? WHERE send_id = ? AND state = ?",
                (State.CANCELLED, now, send_id, State.QUEUED),
            )

    def record_submission(
        self,
        recipient_id: int,
        state: State,
        *,
        sms_id: str | None = None,
        error_code: int | None = None,
        error_detail: str | None = None,
    ) -> None:
        """Store what eSMS answered to a submit, then replay callbacks that came before it."""
        with self.db.transaction() as conn:
            row = _recipient_row(conn, recipient_id, self._lock)
            if row is None:
                return
            new_state = merge(row["state"], state)
            now = time.time()
            conn.execute(
                """UPDATE recipients SET state = ?, sms_id = COALESCE(sms_id, ?), error_code = ?,
                       error_detail = ?, updated_at = ?, submitted_at = COALESCE(submitted_at, ?)
                   WHERE id = ?""",
                (new_state, sms_id, error_code, error_detail, now, now, recipient_id),
            )
            if sms_id:
                orphans = conn.execute(
                    "SELECT id, query FROM callbacks WHERE outcome = 'unmatched' AND sms_id = ?",
                    (sms_id,),
                ).fetchall()
                for orphan in orphans:
                    _replay_orphan(conn, orphan["id"], orphan["query"], self._lock)
            _enqueue_sync(conn, row["send_id"])

    def apply_callback(self, callback: Callback, raw_query: str) -> CallbackOutcome:
        """Store the raw callback and merge its status into the recipient it names."""
        with self.db.transaction() as conn:
            row, changed = _match_and_merge(conn, callback, self._lock)
            conn.execute(
                """INSERT INTO callbacks (received_at, sms_id, request_id, query, outcome,
                       recipient_id) VALUES (?, ?, ?, ?, ?, ?)""",
                (time.time(), callback.sms_id, callback.request_id, raw_query,
                 _outcome(row, changed), row and row["id"]),
            )  # fmt: skip
        if row is None:
            return CallbackOutcome(matched=False, changed=False)
        return CallbackOutcome(matched=True, changed=changed, send_id=row["send_id"])

    def recipients_to_reconcile(
        self, *, settled_before: float, polled_before: float, limit: int
    ) -> list[Recipient]:
        """Recipients eSMS has not settled, quiet since `settled_before`, least recently polled first."""
        waiting = [state.value for state in State if not is_final(state) and state != State.QUEUED]
        marks = ", ".join("?" for _ in waiting)
        rows = self.db.fetch_all(
            f"""SELECT r.* FROM recipients r JOIN sends s ON s.id = r.send_id
                WHERE r.state IN ({marks}) AND s.sandbox = 0 AND r.updated_at < ?
                  AND (r.last_polled_at IS NULL OR r.last_polled_at < ?)
                ORDER BY COALESCE(r.last_polled_at, 0), r.id LIMIT ?""",
            (*waiting, settled_before, polled_before, limit),
        )
        return [_recipient(row) for row in rows]

    def apply_report(
        self, recipient_id: int, send_status: int, success: int | None, failed: int | None
    ) -> bool:
        """Merge a polled status exactly as a callback would be merged."""
        with self.db.transaction() as conn:
            row = _recipient_row(conn, recipient_id, self._lock)
            return row is not None and _merge_report(conn, row, send_status, success, failed)

    def mark_polled(self, recipient_id: int, at: float) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE recipients SET last_polled_at = ? WHERE id = ?", (at, recipient_id)
            )

    def settle_unavailable(self, recipient_id: int) -> None:
        """eSMS no longer answers for this recipient (7 days): say so, and stop asking."""
        with self.db.transaction() as conn:
            row = _recipient_row(conn, recipient_id, self._lock)
            if row is None or is_final(row["state"]):
                return
            conn.execute(
                "UPDATE recipients SET state = ?, updated_at = ? WHERE id = ?",
                (State.UNAVAILABLE, time.time(), recipient_id),
            )
            _enqueue_sync(conn, row["send_id"])

    def sms_id_taken(self, sms_id: str) -> bool:
        return (
            self.db.fetch_one("SELECT 1 FROM recipients WHERE sms_id = ? LIMIT 1", (sms_id,))
            is not None
        )

    def mark_reported(self, reported: dict[int, str]) -> None:
        with self.db.transaction() as conn:
            conn.executemany(
                "UPDATE recipients SET reported_state = ? WHERE id = ?",
                [(state, recipient_id) for recipient_id, state in sorted(reported.items())],
            )

    def purge_content(self, older_than_seconds: float) -> int:
        """Forget what was sent, and to whom, for sends older than the cut-off: settled sends,
        and test sends whatever their recipients' states (the sandbox never settles them) once
        none of them still waits to go to eSMS. Returns how many sends were purged.

        Message text, image, button, the command's response URL, decision reasons and the raw
        callbacks are erased and phone numbers masked; states, counts, prices and times stay
        for statistics. Unmatched callbacks received before the cut-off lose their raw query,
        which holds the full phone number.
        """
        cutoff = time.time() - older_than_seconds
        open_states = [state.value for state in State if not is_final(state)]
        marks = ", ".join("?" for _ in open_states)
        with self.db.transaction() as conn:
            # A queued recipient is still to be submitted: purged, it would go out masked.
            send_ids = [
                row["id"]
                for row in conn.execute(
                    f"""SELECT id FROM sends s WHERE created_at < ? AND purged_at IS NULL
                          AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.send_id = s.id
                              AND ((r.state IN ({marks}) AND s.sandbox = 0) OR r.state = ?))""",
                    (cutoff, *open_states, State.QUEUED),
                )
            ]
            for send_id in send_ids:
                conn.execute(
                    """UPDATE sends SET text = '', image_url = '', button_label = '', button_url = '',
                           response_url = NULL, decision_reason = NULL, purged_at = ? WHERE id = ?""",
                    (time.time(), send_id),
                )
                conn.execute(
                    "UPDATE approval_events SET reason = NULL WHERE send_id = ?", (send_id,)
                )
                conn.execute(
                    """UPDATE recipients SET phone = '•••••••' || substr(phone, length(phone) - 2)
                       WHERE send_id = ?""",
                    (send_id,),
                )
                conn.execute(
                    """UPDATE callbacks SET query = '' WHERE recipient_id IN
                           (SELECT id FROM recipients WHERE send_id = ?)""",
                    (send_id,),
                )
            # Without its SMSID an erased callback is never replayed: its query cannot be parsed.
            conn.execute(
                """UPDATE callbacks SET query = '', sms_id = NULL
                   WHERE outcome = 'unmatched' AND received_at < ?""",
                (cutoff,),
            )
            return len(send_ids)

    def count_callbacks(self, outcome: str | None = None) -> int:
        sql, args = "SELECT COUNT(*) AS n FROM callbacks", ()
        if outcome:
            sql, args = sql + " WHERE outcome = ?", (outcome,)
        return self.db.fetch_one(sql, args)["n"]

    # -- jobs --------------------------------------------------------------------------------

    def claim_job(self) -> Job | None:
        """Take the next runnable job whose predecessors on the same thread are done."""
        now = time.time()
        expired = _EXPIRED_LEASE.format(clock=self._clock)
        for candidates, params in ((expired, ()), (_DUE, (now,))):
            # Look first without a write transaction: most polls find nothing.
            if self.db.fetch_one(_next_job(candidates), params) is None:
                continue
            # PostgreSQL: several processes claim at once; a job another one is taking is
            # skipped, not waited for, and never taken twice. SQLite: one writer at a time.
            skip_locked = " FOR UPDATE OF j SKIP LOCKED" if self.db.kind == "postgres" else ""
            claim = _CLAIM.format(clock=self._clock, job=_next_job(candidates, skip_locked))
            with self.db.transaction() as conn:
                row = conn.execute(
                    claim, (self.holder, self.job_lease_seconds, now, *params)
                ).fetchone()
            if row:
                return _job(row)
        return None

    def renew_jobs(self) -> int:
        """Extend the lease of every job this store's process is running (its heartbeat);
        returns how many it still holds."""
        with self.db.transaction() as conn:
            # Locked in id order, as every other transaction that locks several jobs does.
            return conn.execute(
                f"""UPDATE jobs SET lease_until = {self._clock} + ? WHERE id IN (
                        SELECT id FROM jobs WHERE holder = ? AND status = 'running'
                        ORDER BY id{self._lock})""",
                (self.job_lease_seconds, self.holder),
            ).rowcount

    def finish_job(self, job_id: int) -> bool:
        """False when this process no longer held the job (another took it over)."""
        return self._set_job(job_id, "done", None, None)

    def retry_job(
        self, job_id: int, delay_seconds: float, error: str, *, count_attempt: bool = True
    ) -> bool:
        refund = 0 if count_attempt else 1
        return self._set_job(job_id, "queued", time.time() + delay_seconds, error, refund=refund)

    def fail_job(self, job_id: int, error: str) -> bool:
        return self._set_job(job_id, "failed", None, error)

    def next_job_due(self) -> float | None:
        return self.db.fetch_one("SELECT MIN(run_after) AS due FROM jobs WHERE status = 'queued'")[
            "due"
        ]

    def pending_jobs(self) -> int:
        return self.db.fetch_one(
            "SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')"
        )["n"]

    # -- leases ------------------------------------------------------------------------------

    def hold_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Take or renew the lease called `name`; False while another holder's lease runs."""
        with self.db.transaction() as conn:
            row = conn.execute(
                f"""INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, {self._clock} + ?)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
                        expires_at = excluded.expires_at
                    WHERE leases.holder = excluded.holder OR leases.expires_at < {self._clock}
                    RETURNING holder""",
                (name, holder, seconds),
            ).fetchone()
        return row is not None

    def take_turn(self, name: str, interval: float) -> float:
        """0.0 when the turn called `name` is taken (the next comes `interval` later);
        otherwise the seconds until the next turn. Shared by every process on the database."""
        with self.db.transaction() as conn:
            taken = conn.execute(
                f"""INSERT INTO leases (name, holder, expires_at) VALUES (?, '', {self._clock} + ?)
                    ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at
                    WHERE leases.expires_at <= {self._clock}
                    RETURNING expires_at""",
                (name, interval),
            ).fetchone()
            if taken:
                return 0.0
            row = conn.execute(
                f"SELECT expires_at - {self._clock} AS wait FROM leases WHERE name = ?", (name,)
            ).fetchone()
        return max(row["wait"], 0.0)

    def delay_turn(self, name: str, seconds: float) -> None:
        """No turn called `name` before `seconds` from now (a 429's Retry-After)."""
        with self.db.transaction() as conn:
            conn.execute(
                f"""INSERT INTO leases (name, holder, expires_at) VALUES (?, '', {self._clock} + ?)
                    ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at
                    WHERE leases.expires_at < excluded.expires_at""",
                (name, seconds),
            )

    def _set_job(
        self, job_id: int, status: str, run_after: float | None, error: str | None, refund: int = 0
    ) -> bool:
        with self.db.transaction() as conn:
            return (
                conn.execute(
                    """UPDATE jobs SET status = ?, run_after = COALESCE(?, run_after),
                           last_error = ?, attempts = attempts - ?, lease_until = NULL,
                           holder = NULL, updated_at = ?
                       WHERE id = ? AND holder = ? AND status = 'running'""",
                    (status, run_after, error, refund, time.time(), job_id, self.holder),
                ).rowcount
                > 0
            )


# -- helpers that run inside a caller's transaction -----------------------------------------


def _enqueue(
    conn: Connection,
    kind: str,
    send_id: str,
    *,
    recipient_id: int | None = None,
    run_after: float | None = None,
) -> None:
    # Updates to one thread run strictly in order; each recipient's submit runs on its own.
    order_key = f"submit:{recipient_id}" if kind == JobKind.SUBMIT else f"thread:{send_id}"
    now = time.time()
    conn.execute(
        """INSERT INTO jobs (kind, send_id, recipient_id, order_key, status, attempts, run_after,
               created_at, updated_at)
           VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?)""",
        (kind, send_id, recipient_id, order_key, max(now, run_after or now), now, now),
    )


def _release_recipients(conn: Connection, send_id: str) -> None:
    """Queue each recipient's submission, at the send's scheduled time if it has one."""
    scheduled_at = conn.execute(
        "SELECT scheduled_at FROM sends WHERE id = ?", (send_id,)
    ).fetchone()["scheduled_at"]
    rows = conn.execute(
        "SELECT id FROM recipients WHERE send_id = ? AND state = ? ORDER BY position",
        (send_id, State.QUEUED),
    ).fetchall()
    for row in rows:
        _enqueue(conn, JobKind.SUBMIT, send_id, recipient_id=row["id"], run_after=scheduled_at)


def _settle_approval(
    conn: Connection,
    send: Row,
    approval: str,
    actor: str | None,
    reason: str | None,
    now: float,
) -> None:
    conn.execute(
        """UPDATE sends SET approval = ?, decided_by = ?, decided_at = ?, decision_reason = ?,
               updated_at = ? WHERE id = ?""",
        (approval, actor, now, reason, now, send["id"]),
    )
    conn.execute(
        "INSERT INTO approval_events (send_id, at, actor, action, reason) VALUES (?, ?, ?, ?, ?)",
        (send["id"], now, actor, approval, reason),
    )
    if approval == Approval.APPROVED:
        if send["status"] == SendStatus.POSTED:
            _release_recipients(conn, send["id"])
    else:
        conn.execute(
            "UPDATE recipients SET state = ?, updated_at = ? WHERE send_id = ? AND state = ?",
            (State.CANCELLED, now, send["id"], State.QUEUED),
        )
    _enqueue_sync(conn, send["id"])


def _enqueue_sync(conn: Connection, send_id: str) -> None:
    """One queued refresh per thread is enough: it reads the latest state when it runs, and it
    waits a moment so that reports arriving together become one update and one reply.

    On PostgreSQL two transactions may each add one at the same moment; that costs a refresh,
    not a duplicate reply, since a refresh reports only what was not reported yet."""
    now = time.time()
    # One statement, not a look and then an insert: a callback's transaction is a few round
    # trips to PostgreSQL, and each one counts.
    conn.execute(
        """INSERT INTO jobs (kind, send_id, order_key, status, attempts, run_after, created_at,
               updated_at)
           SELECT ?, ?, ?, 'queued', 0, ?, ?, ?
           WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = ? AND send_id = ? AND status = 'queued')""",
        (JobKind.SYNC_THREAD, send_id, f"thread:{send_id}", now + SYNC_DEBOUNCE_SECONDS, now, now,
         JobKind.SYNC_THREAD, send_id),
    )  # fmt: skip


def _recipient_row(conn: Connection, recipient_id: int, lock: str) -> Row | None:
    return conn.execute("SELECT * FROM recipients WHERE id = ?" + lock, (recipient_id,)).fetchone()


def _outcome(row: Row | None, changed: bool) -> str:
    """What a callback did, as the callbacks table records it."""
    if row is None:
        return "unmatched"
    return "applied" if changed else "no_change"


def _match_and_merge(conn: Connection, callback: Callback, lock: str) -> tuple[Row | None, bool]:
    """The recipient a callback names (locked), and whether its report moved it."""
    row = None
    if callback.sms_id:
        row = conn.execute(
            "SELECT * FROM recipients WHERE sms_id = ? ORDER BY id LIMIT 1" + lock,
            (callback.sms_id,),
        ).fetchone()
    if row is None and callback.request_id:
        row = conn.execute(
            "SELECT * FROM recipients WHERE request_id = ?" + lock, (callback.request_id,)
        ).fetchone()
    if row is None:
        return None, False
    changed = _merge_report(
        conn, row, callback.send_status, callback.success, callback.failed,
        sms_id=callback.sms_id, telco_id=callback.telco_id, price=callback.total_price,
    )  # fmt: skip
    return row, changed


def _merge_report(
    conn: Connection,
    row: Row,
    send_status: int,
    success: int | None,
    failed: int | None,
    *,
    sms_id: str | None = None,
    telco_id: int | None = None,
    price: float | None = None,
) -> bool:
    """Merge one eSMS status report (callback or poll) into a recipient; True when it moved."""
    new_state = merge(row["state"], state_for_report(send_status, success, failed))
    if new_state == row["state"]:
        return False
    conn.execute(
        """UPDATE recipients SET state = ?, esms_status = ?, sms_id = COALESCE(sms_id, ?),
               telco_id = COALESCE(?, telco_id), price = COALESCE(?, price), updated_at = ?
           WHERE id = ?""",
        (new_state, send_status, sms_id, telco_id, price, time.time(), row["id"]),
    )
    _enqueue_sync(conn, row["send_id"])
    return True


def _replay_orphan(conn: Connection, callback_id: int, raw_query: str, lock: str) -> None:
    # Parsed again: the raw query is what the callbacks table keeps.
    row, changed = _match_and_merge(conn, parse_callback(raw_query), lock)
    if row is not None:
        conn.execute(
            "UPDATE callbacks SET recipient_id = ?, outcome = ? WHERE id = ?",
            (row["id"], _outcome(row, changed), callback_id),
        )


def _send(row: Row) -> Send:
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
        sandbox=bool(row["sandbox"]),
        status=row["status"],
        status_note=row["status_note"],
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
    )


def _job(row: Row) -> Job:
    return Job(**{field.name: row[field.name] for field in fields(Job)})


def _recipient(row: Row) -> Recipient:
    return Recipient(**{field.name: row[field.name] for field in fields(Recipient)})
