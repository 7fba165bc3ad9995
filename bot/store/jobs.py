"""Durable jobs: queued in the transaction that makes them due, claimed once, held by a lease
that the holder's heartbeat renews.

On PostgreSQL several processes claim at once with SKIP LOCKED; on SQLite write transactions run
one at a time. Either way a job runs in one process at a time, and the jobs of one thread (or
one recipient's submission) run in order.
"""

from __future__ import annotations

import time
from collections.abc import Collection

from bot.core.delivery import State
from bot.core.model import Job, JobKind, JobState
from bot.db import Connection, Database
from bot.store.rows import job_from

SYNC_DEBOUNCE_SECONDS = 0.5
# A recipient's progress on its way (waiting, sent) waits longer: it is usually followed by its
# outcome within seconds, and one refresh then shows both (every refresh is a chat.update, and
# under a burst of callbacks the refreshes, not the callbacks, were most of the app's work).
PROGRESS_DEBOUNCE_SECONDS = 3.0
_UNFINISHED = f"('{JobState.QUEUED}', '{JobState.RUNNING}')"
# The first unfinished job of its thread (or recipient). Written as a lookup per candidate,
# which both databases answer from the (order_key, state) index; PostgreSQL plans the
# equivalent NOT EXISTS as an anti join over every unfinished job, for every candidate.
_FIRST_OF_ITS_LINE = f"""j.id = (
        SELECT MIN(e.id) FROM jobs e
        WHERE e.order_key = j.order_key AND e.state IN {_UNFINISHED})"""
# Where runnable jobs are, each read from the (state, run_after) index in order, so that the
# search stops at the first one that may run. A job whose holder stopped renewing its lease
# (the process died) comes first: the rest of its thread waits for it. Leases are timed by the
# database's clock (`{clock}`), so processes on machines whose clocks disagree still agree.
_EXPIRED_LEASE = f"j.state = '{JobState.RUNNING}' AND j.lease_until < {{clock}}"
_DUE = f"j.state = '{JobState.QUEUED}' AND j.run_after <= ?"
_CLAIM = f"""UPDATE jobs SET state = '{JobState.RUNNING}', attempts = attempts + 1, holder = ?,
        lease_until = {{clock}} + ?, updated_at = ?{{crashed}} WHERE id = ({{job}}) RETURNING *"""
# Taking over a job whose holder died while running it: that counts as a crash.
_CRASHED = ", crashes = crashes + 1"


def _next_job(candidates: str, suffix: str = "") -> str:
    # Agents first: a campaign's rows that fell behind their schedule wait for any other due
    # job, whatever their times say (the (state, bulk, run_after) index reads them in order).
    return f"""SELECT j.id FROM jobs j WHERE {candidates} AND {_FIRST_OF_ITS_LINE}
        ORDER BY j.bulk, j.run_after LIMIT 1{suffix}"""


def queued_job(
    kind: JobKind,
    send_id: str,
    *,
    recipient_id: int | None = None,
    run_after: float | None = None,
    bulk: bool = False,
) -> dict[str, object]:
    """A new job's columns and values, for `enqueue` and for a send stored in one statement."""
    # Updates to one thread run strictly in order; each recipient's submit runs on its own.
    order_key = f"submit:{recipient_id}" if kind == JobKind.SUBMIT else f"thread:{send_id}"
    now = time.time()
    return {
        "kind": kind,
        "send_id": send_id,
        "recipient_id": recipient_id,
        "order_key": order_key,
        "state": JobState.QUEUED,
        "attempts": 0,
        "run_after": max(now, run_after or now),
        "created_at": now,
        "updated_at": now,
        **({"bulk": 1} if bulk else {}),  # the column's default otherwise
    }


def enqueue(
    conn: Connection,
    kind: JobKind,
    send_id: str,
    *,
    recipient_id: int | None = None,
    run_after: float | None = None,
    bulk: bool = False,
) -> None:
    """`bulk`: a campaign's row, which any other due job goes before."""
    job = queued_job(kind, send_id, recipient_id=recipient_id, run_after=run_after, bulk=bulk)
    marks = ", ".join("?" for _ in job)
    conn.execute(f"INSERT INTO jobs ({', '.join(job)}) VALUES ({marks})", tuple(job.values()))


def enqueue_sync(conn: Connection, send_id: str, *, progress: bool = False) -> None:
    """One queued refresh per thread is enough: it reads the latest state when it runs, and it
    waits a moment so that delivery statuses arriving together become one update and one reply;
    longer for `progress` only, and news that is not progress brings a refresh queued for later
    forward.

    On PostgreSQL two transactions may each add one at the same moment; that costs a refresh,
    not a duplicate reply, since a refresh tells only what was not told yet."""
    now = time.time()
    due = now + (PROGRESS_DEBOUNCE_SECONDS if progress else SYNC_DEBOUNCE_SECONDS)
    if not progress:
        conn.execute(
            """UPDATE jobs SET run_after = ?
               WHERE kind = ? AND send_id = ? AND state = ? AND run_after > ?""",
            (due, JobKind.SYNC_THREAD, send_id, JobState.QUEUED, due),
        )
    # One statement, not a look and then an insert: a callback's transaction is a few round
    # trips to PostgreSQL, and each one counts.
    conn.execute(
        """INSERT INTO jobs (kind, send_id, order_key, state, attempts, run_after, created_at,
               updated_at)
           SELECT ?, ?, ?, ?, 0, ?, ?, ?
           WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = ? AND send_id = ? AND state = ?)""",
        (
            JobKind.SYNC_THREAD,
            send_id,
            f"thread:{send_id}",
            JobState.QUEUED,
            due,
            now,
            now,
            JobKind.SYNC_THREAD,
            send_id,
            JobState.QUEUED,
        ),
    )


class Jobs:
    def __init__(self, db: Database, holder: str, lease_seconds: float) -> None:
        self.db = db
        self.holder = holder  # this process, in the jobs it holds
        # A job whose holder has not renewed its lease for this long is taken over.
        self.lease_seconds = lease_seconds

    def claim(self) -> Job | None:
        """Take the next runnable job whose predecessors on the same line are done."""
        now = time.time()
        clock = self.db.clock
        for candidates, params, crashed in (
            (_EXPIRED_LEASE.format(clock=clock), (), _CRASHED),
            (_DUE, (now,), ""),
        ):
            # Look first without a write transaction: most polls find nothing.
            if self.db.fetch_one(_next_job(candidates), params) is None:
                continue
            # PostgreSQL: several processes claim at once; a job another one is taking is
            # skipped, not waited for, and never taken twice. SQLite: one writer at a time.
            skip_locked = " FOR UPDATE OF j SKIP LOCKED" if self.db.kind == "postgres" else ""
            claim = _CLAIM.format(
                clock=clock, job=_next_job(candidates, skip_locked), crashed=crashed
            )
            with self.db.transaction() as conn:
                row = conn.execute(
                    claim, (self.holder, self.lease_seconds, now, *params)
                ).fetchone()
            if row:
                return job_from(row)
        return None

    def renew(self, job_ids: Collection[int]) -> int:
        """Extend the leases of the jobs this process's threads are running now (its
        heartbeat); returns how many it still holds. A job left running by a failed finish is
        not among them, so its lease runs out and another worker takes it over."""
        if not job_ids:
            return 0
        marks = ", ".join("?" for _ in job_ids)
        with self.db.transaction() as conn:
            # Locked in id order, as every other transaction that locks several jobs does.
            return conn.execute(
                f"""UPDATE jobs SET lease_until = {self.db.clock} + ? WHERE id IN (
                        SELECT id FROM jobs WHERE id IN ({marks}) AND holder = ? AND state = ?
                        ORDER BY id{self.db.row_lock})""",
                (self.lease_seconds, *sorted(job_ids), self.holder, JobState.RUNNING),
            ).rowcount

    def finish(self, job_id: int) -> bool:
        """False when this process no longer held the job (another took it over)."""
        return self._settle(job_id, JobState.DONE, None, None)

    def retry(
        self, job_id: int, delay_seconds: float, error: str, *, count_attempt: bool = True
    ) -> bool:
        refund = 0 if count_attempt else 1
        return self._settle(job_id, JobState.QUEUED, time.time() + delay_seconds, error, refund)

    def fail(self, job_id: int, error: str) -> bool:
        return self._settle(job_id, JobState.FAILED, None, error)

    def next_due(self) -> float | None:
        row = self.db.fetch_one(
            "SELECT MIN(run_after) AS due FROM jobs WHERE state = ?", (JobState.QUEUED,)
        )
        return row["due"] if row else None

    def pending(self) -> int:
        row = self.db.fetch_one(f"SELECT COUNT(*) AS n FROM jobs WHERE state IN {_UNFINISHED}")
        assert row is not None  # a count has its row
        return row["n"]

    def _settle(
        self,
        job_id: int,
        state: JobState,
        run_after: float | None,
        error: str | None,
        refund: int = 0,
    ) -> bool:
        with self.db.transaction() as conn:
            changed = conn.execute(
                """UPDATE jobs SET state = ?, run_after = COALESCE(?, run_after), last_error = ?,
                       attempts = attempts - ?, lease_until = NULL, holder = NULL, updated_at = ?
                   WHERE id = ? AND holder = ? AND state = ?""",
                (
                    state,
                    run_after,
                    error,
                    refund,
                    time.time(),
                    job_id,
                    self.holder,
                    JobState.RUNNING,
                ),
            ).rowcount
        return changed > 0


# A submit job whose row is not being handed to eSMS (`send_id` bound as its last parameter).
NOT_SUBMITTING = (
    f"recipient_id NOT IN (SELECT id FROM recipients WHERE send_id = ? AND state = "
    f"'{State.SUBMITTING}')"
)


def drop_queued_submits(conn: Connection, send_id: str) -> None:
    """A cancelled send's queued submissions are done, except the retry of a row already
    handed to eSMS (`submitting`): that one still settles the row with eSMS's answer."""
    conn.execute(
        f"""UPDATE jobs SET state = ?, last_error = 'cancelled'
            WHERE send_id = ? AND kind = ? AND state = ? AND {NOT_SUBMITTING}""",
        (JobState.DONE, send_id, JobKind.SUBMIT, JobState.QUEUED, send_id),
    )
