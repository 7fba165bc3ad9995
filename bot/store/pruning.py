"""Tables that stay small: finished jobs, leases long expired and old callbacks are deleted in
bounded batches, once what the metrics count from them is added to counters that outlive them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.model import JobState
from bot.db import Connection, Database

BATCH_ROWS = 2000  # rows deleted per transaction
MAX_BATCHES = 50  # per table and run: a backlog is worked through over several runs
# Counters that carry what deleted rows counted (see bot.store.metrics).
RETRIES_PRUNED = "job_retries_pruned:"  # + kind
GIVE_UPS_PRUNED = "job_give_ups_pruned:"  # + kind
CALLBACKS_PRUNED = "callbacks_pruned:"  # + outcome
_FINISHED = (JobState.DONE, JobState.FAILED)


@dataclass(frozen=True)
class Pruned:
    jobs: int = 0
    leases: int = 0
    callbacks: int = 0


class Pruning:
    def __init__(self, db: Database) -> None:
        self.db = db

    def run(self, *, jobs_before: float, callbacks_before: float) -> Pruned:
        """Delete jobs that ended before `jobs_before`, leases that expired before it, and
        callbacks received before `callbacks_before` (never the latest one, which health
        reads). Epoch seconds."""
        return Pruned(
            jobs=self._batches(lambda conn: self._jobs(conn, jobs_before)),
            leases=self._batches(lambda conn: self._leases(conn, jobs_before)),
            callbacks=self._batches(lambda conn: self._callbacks(conn, callbacks_before)),
        )

    def _batches(self, batch: Callable[[Connection], int]) -> int:
        deleted = 0
        for _ in range(MAX_BATCHES):
            with self.db.transaction() as conn:
                count = batch(conn)
            deleted += count
            if count < BATCH_ROWS:
                break
        return deleted

    def _jobs(self, conn: Connection, before: float) -> int:
        ids = [
            row["id"]
            for row in conn.execute(
                f"""SELECT id FROM jobs WHERE state IN (?, ?) AND updated_at < ?
                    ORDER BY id LIMIT {BATCH_ROWS}{self.db.row_lock}""",
                (*_FINISHED, before),
            ).fetchall()
        ]
        if not ids:
            return 0
        marks = ", ".join("?" for _ in ids)
        # What /metrics counted from these rows: a retry is an attempt after a job's first.
        for row in conn.execute(
            f"""SELECT kind, SUM(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END) AS retries,
                    SUM(CASE WHEN state = ? THEN 1 ELSE 0 END) AS give_ups
                FROM jobs WHERE id IN ({marks}) GROUP BY kind""",
            (JobState.FAILED, *ids),
        ).fetchall():
            _add(conn, RETRIES_PRUNED + row["kind"], int(row["retries"] or 0))
            _add(conn, GIVE_UPS_PRUNED + row["kind"], int(row["give_ups"] or 0))
        return conn.execute(f"DELETE FROM jobs WHERE id IN ({marks})", tuple(ids)).rowcount

    def _leases(self, conn: Connection, before: float) -> int:
        # A lease's expiry is on the database's clock; `before` is this process's: an hour
        # or more apart either way, a skew of seconds does not matter.
        names = [
            row["name"]
            for row in conn.execute(
                f"SELECT name FROM leases WHERE expires_at < ? LIMIT {BATCH_ROWS}",
                (before,),
            ).fetchall()
        ]
        if not names:
            return 0
        marks = ", ".join("?" for _ in names)
        return conn.execute(
            f"DELETE FROM leases WHERE name IN ({marks}) AND expires_at < ?", (*names, before)
        ).rowcount

    def _callbacks(self, conn: Connection, before: float) -> int:
        rows = conn.execute(
            f"""SELECT id, outcome FROM callbacks WHERE received_at < ?
                  AND id < (SELECT MAX(id) FROM callbacks)
                ORDER BY id LIMIT {BATCH_ROWS}{self.db.row_lock}""",
            (before,),
        ).fetchall()
        if not rows:
            return 0
        counts: dict[str, int] = {}
        for row in rows:
            counts[str(row["outcome"])] = counts.get(str(row["outcome"]), 0) + 1
        for outcome, count in counts.items():
            _add(conn, CALLBACKS_PRUNED + outcome, count)
        marks = ", ".join("?" for _ in rows)
        return conn.execute(
            f"DELETE FROM callbacks WHERE id IN ({marks})", tuple(row["id"] for row in rows)
        ).rowcount


def _add(conn: Connection, name: str, amount: int) -> None:
    if amount:
        conn.execute(
            """INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name)
               DO UPDATE SET value = counters.value + excluded.value""",
            (name, amount),
        )


def cutoffs(job_hours: float, callback_days: float, now: float | None = None) -> dict[str, float]:
    """The `run` arguments for retention windows in hours (jobs, leases) and days (callbacks)."""
    now = time.time() if now is None else now
    return {"jobs_before": now - job_hours * 3600, "callbacks_before": now - callback_days * 86400}
