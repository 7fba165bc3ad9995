"""Workflow step runs: a send started by Workflow Builder's "Send a Viber message" step, and
how that run ended (completed, failed, or the workflow stopped waiting)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.core.delivery import State
from bot.core.model import Approval
from bot.db import Database
from bot.store.approvals import settle
from bot.store.jobs import drop_queued_submits, enqueue_sync

OPEN, COMPLETED, FAILED, ABANDONED = "open", "completed", "failed", "abandoned"
GAVE_UP = "gave_up"  # Slack kept refusing the completion: tried a bounded number of times


@dataclass(frozen=True)
class StepRun:
    execution_id: str
    send_id: str | None
    token: str | None
    wait_for: str  # accepted | delivered
    timeout_at: float
    state: str
    attempts: int = 0  # completions Slack refused so far
    outcome: str | None = None  # the step's error once it failed, kept while Slack refuses it


class Steps:
    def __init__(self, db: Database) -> None:
        self.db = db

    def known(self, execution_id: str) -> bool:
        row = self.db.fetch_one("SELECT 1 FROM step_runs WHERE execution_id = ?", (execution_id,))
        return row is not None

    def open_runs(self, limit: int = 200) -> list[StepRun]:
        """Open runs due now, oldest-due first: a run whose completion Slack refused waits for
        its next try further on, so it never holds back a newer one."""
        rows = self.db.fetch_all(
            """SELECT execution_id, send_id, token, wait_for, timeout_at, state, attempts, outcome
               FROM step_runs WHERE state = ? AND due_at <= ? ORDER BY due_at LIMIT ?""",
            (OPEN, time.time(), limit),
        )
        return [StepRun(**dict(row)) for row in rows]

    def try_later(
        self, execution_id: str, seconds: float, *, forget_token: bool = False, count: bool = True
    ) -> None:
        """Slack refused the completion: one more attempt counted (unless `count` is False),
        the next in `seconds`; `forget_token` when Slack no longer takes the run's own."""
        with self.db.transaction() as conn:
            conn.execute(
                f"""UPDATE step_runs SET attempts = attempts + ?, due_at = ?
                    {", token = NULL" if forget_token else ""} WHERE execution_id = ?""",
                (int(count), time.time() + seconds, execution_id),
            )

    def look_again(self, execution_ids: list[str], seconds: float) -> None:
        """These runs wait for their sends: due again in `seconds`, behind the others."""
        if not execution_ids:
            return
        marks = ", ".join("?" for _ in execution_ids)
        with self.db.transaction() as conn:
            conn.execute(
                f"UPDATE step_runs SET due_at = ? WHERE state = ? AND execution_id IN ({marks})",
                (time.time() + seconds, OPEN, *execution_ids),
            )

    def failed(self, execution_id: str, error: str) -> None:
        """The step failed with `error`: the same error is told however late Slack takes it."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE step_runs SET outcome = ? WHERE execution_id = ? AND state = ?",
                (error[:2000], execution_id, OPEN),
            )

    def end_send(self, send_id: str, reason: str) -> bool:
        """The step ended before its send did: a pending approval is withdrawn, and every
        recipient not yet handed to eSMS (nor being handed now) is cancelled with `reason`;
        True when anything was stopped."""
        now = time.time()
        lock = self.db.row_lock
        with self.db.transaction() as conn:
            send = conn.execute("SELECT * FROM sends WHERE id = ?" + lock, (send_id,)).fetchone()
            if send is None:
                return False
            # Ended: nothing of it leaves any more, an SMS fallback included.
            conn.execute(
                "UPDATE sends SET cancelled_at = COALESCE(cancelled_at, ?), updated_at = ? "
                "WHERE id = ?",
                (now, now, send_id),
            )
            if send["approval"] == Approval.PENDING:
                settle(conn, send, Approval.WITHDRAWN, None, reason, now)
                return True
            stopped = conn.execute(  # a row being submitted is `submitting`, not queued
                """UPDATE recipients SET state = ?, error_detail = ?, updated_at = ?
                   WHERE send_id = ? AND state = ?""",
                (State.CANCELLED, reason[:300], now, send_id, State.QUEUED),
            ).rowcount
            if stopped:
                drop_queued_submits(conn, send_id)
                enqueue_sync(conn, send_id)
            return bool(stopped)

    def finish(self, execution_id: str, state: str, outcome: str) -> bool:
        """Close an open run (its short-lived token is forgotten); False when it was closed."""
        with self.db.transaction() as conn:
            return bool(
                conn.execute(
                    """UPDATE step_runs SET state = ?, outcome = ?, token = NULL, finished_at = ?
                       WHERE execution_id = ? AND state = ?""",
                    (state, outcome[:500], time.time(), execution_id, OPEN),
                ).rowcount
            )
