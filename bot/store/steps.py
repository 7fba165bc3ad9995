"""Workflow step runs: a send started by Workflow Builder's "Send a Viber message" step, and
how that run ended (completed, failed, or the workflow stopped waiting)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.db import Database

OPEN, COMPLETED, FAILED, ABANDONED = "open", "completed", "failed", "abandoned"


@dataclass(frozen=True)
class StepRun:
    execution_id: str
    send_id: str | None
    token: str | None
    wait_for: str  # accepted | delivered
    timeout_at: float
    state: str


class Steps:
    def __init__(self, db: Database) -> None:
        self.db = db

    def start(
        self, execution_id: str, send_id: str, token: str, wait_for: str, timeout_at: float
    ) -> bool:
        """Record a run; False when Slack delivered the same event twice (kept as it was)."""
        with self.db.transaction() as conn:
            return bool(
                conn.execute(
                    """INSERT INTO step_runs (execution_id, send_id, token, wait_for,
                           timeout_at, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (execution_id) DO NOTHING""",
                    (execution_id, send_id, token, wait_for, timeout_at, OPEN, time.time()),
                ).rowcount
            )

    def known(self, execution_id: str) -> bool:
        row = self.db.fetch_one("SELECT 1 FROM step_runs WHERE execution_id = ?", (execution_id,))
        return row is not None

    def open_runs(self, limit: int = 200) -> list[StepRun]:
        rows = self.db.fetch_all(
            """SELECT execution_id, send_id, token, wait_for, timeout_at, state FROM step_runs
               WHERE state = ? ORDER BY created_at LIMIT ?""",
            (OPEN, limit),
        )
        return [StepRun(**dict(row)) for row in rows]

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
