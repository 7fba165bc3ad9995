"""Threads that run durable jobs from the store, with backoff and a bounded number of attempts.

A job's lease lives as long as its holder: a heartbeat renews it every couple of seconds while
the job runs, so a slow call never lets a second worker run the same job, and a process that
dies stops renewing, so its jobs are taken over within `JOB_LEASE_SECONDS` (8 s by default).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial

from bot.config.logs import request_id
from bot.core.i18n import _
from bot.core.model import Job, JobKind
from bot.jobs.policies import JobPolicy
from bot.jobs.retry import RetryLater
from bot.store import Store

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 0.5
# On PostgreSQL the database wakes the runners (LISTEN/NOTIFY); polling is then the safety net.
LISTENING_POLL_SECONDS = 2.0
# How often a running job's lease is renewed, at most: several beats fit in one lease.
HEARTBEAT_SECONDS = 2.0
HEARTBEATS_PER_LEASE = 4


def backoff_seconds(
    attempt: int, base: float, ceiling: float, rng: random.Random | None = None
) -> float:
    """Exponential backoff with jitter: about base, 2·base, 4·base … capped, each ×0.5–1.0."""
    longest = min(base * (2 ** max(attempt - 1, 0)), ceiling)
    return longest * (rng or random).uniform(0.5, 1.0)


Periodic = tuple[float, Callable[[], object]]  # (interval in seconds, what to run)
# A periodic duty runs in one process at a time: the one holding its lease, renewed at every
# run and by the heartbeat while it runs; when that process dies another takes over once this
# many intervals have passed.
LEASE_INTERVALS = 3


class Worker:
    def __init__(
        self,
        store: Store,
        *,
        policies: Mapping[JobKind, JobPolicy],
        threads: int = 4,
        retry_base: float = 2.0,
        periodic: Sequence[Periodic] = (),
        max_crashes: int = 3,
    ):
        self.store = store
        self.policies = policies  # what runs each kind of job, bound to its task object
        self.thread_count = threads
        self.retry_base = retry_base
        self.periodic = list(periodic)
        self.max_crashes = max_crashes
        self.holder = store.holder
        # Several beats fit in every lease held here: the jobs' and each periodic duty's.
        leases = [store.jobs.lease_seconds] + [i * LEASE_INTERVALS for i, _ in self.periodic]
        self.heartbeat_seconds = min(HEARTBEAT_SECONDS, min(leases) / HEARTBEATS_PER_LEASE)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._busy_lock = threading.Lock()
        self._running_jobs: set[int] = set()
        self._running_duties: dict[str, float] = {}  # lease name → its length in seconds

    def start(self) -> None:
        for index in range(self.thread_count):
            self._spawn(self._loop, f"worker-{index}")
        for interval, duty in self.periodic:
            self._spawn(partial(self._every, interval, duty), f"periodic-{duty.__name__}")
        if self.store.db.kind == "postgres":  # not joined on stop: it ends within a second
            listener = lambda: self.store.db.listen(self.wake, self._stop)  # noqa: E731
            threading.Thread(target=listener, name="listen", daemon=True).start()
        # Not joined on stop: it beats until the last running job or duty ends, so one still
        # finishing after the stop keeps its lease.
        threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True).start()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _heartbeat(self) -> None:
        # Until every thread has ended: one may be between claiming a job and noting it.
        while not (self._stop.is_set() and not any(t.is_alive() for t in self._threads)):
            time.sleep(self.heartbeat_seconds)
            try:
                self.beat()
            except Exception as error:  # the database is away: the next beat tries again
                log.warning("lease heartbeat failed: %s", type(error).__name__)

    def beat(self) -> None:
        """Renew the leases of the jobs and periodic duties running here now."""
        with self._busy_lock:
            jobs, duties = set(self._running_jobs), dict(self._running_duties)
        if jobs:
            self.store.jobs.renew(jobs)
        for name, seconds in duties.items():
            self.store.leases.hold(name, self.holder, seconds)

    def _every(self, interval: float, duty: Callable[[], object]) -> None:
        lease = duty.__qualname__
        seconds = interval * LEASE_INTERVALS
        while not self._stop.wait(interval):
            try:
                if not self.store.leases.hold(lease, self.holder, seconds):
                    continue  # another process runs it
                with self._busy_lock:
                    self._running_duties[lease] = seconds
                try:
                    if duty():
                        self.wake()
                finally:
                    with self._busy_lock:
                        self._running_duties.pop(lease, None)
            except Exception:
                log.exception("periodic %s failed; next try in %.0f s", duty.__name__, interval)

    def stop(self, timeout: float = 5.0) -> None:
        """Take no more jobs and give the running ones up to `timeout` seconds in all to finish:
        a job cut off mid-call runs again once its lease ends, and a Slack post would be made
        twice."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._busy_lock:
            unfinished = len(self._running_jobs)
        if unfinished:
            log.warning(
                "stopped with %d job(s) still running; they run again %.0f s after this process ends",
                unfinished,
                self.store.jobs.lease_seconds,
            )

    def wake(self) -> None:
        """New work was stored: look now instead of at the next poll."""
        self._wake.set()

    def run_once(self) -> bool:
        """Run one due job, if any; True when a job ran."""
        job = self.store.jobs.claim()
        if job is None:
            return False
        with self._busy_lock:
            self._running_jobs.add(job.id)
        try:
            self._run(job)
        finally:
            with self._busy_lock:
                self._running_jobs.discard(job.id)
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once():
                    continue
                # Sleep until the next job is due (a paced or debounced one), at most a poll
                # interval. A job already due that no thread could claim waits behind an
                # unfinished one of its thread: a finishing job wakes the threads, so polling
                # for it would only spin.
                due = self.store.jobs.next_due()
            except Exception:  # the database gone for a moment: the thread must outlive it
                log.exception("worker loop error; continuing")
                self._stop.wait(IDLE_POLL_SECONDS)
                continue
            now = time.time()
            idle = LISTENING_POLL_SECONDS if self.store.db.kind == "postgres" else IDLE_POLL_SECONDS
            pause = idle if due is None or due <= now else min(idle, max(0.02, due - now))
            self._wake.wait(pause)
            self._wake.clear()

    def _run(self, job: Job) -> None:
        request_id.set(f"job-{job.id}")
        if job.kind not in self.policies:  # written by a newer version of the app
            log.error("job %s has an unknown kind %r; left failed", job.id, job.kind)
            self.store.jobs.fail(job.id, f"unknown job kind {job.kind!r}")
            return
        if job.crashes >= self.max_crashes:  # it would only kill this process too
            self._give_up(job, _("job.crashed", count=job.crashes))
            return
        try:
            self.policies[JobKind(job.kind)].run(job)
        except RetryLater as retry:
            self._retry(job, retry.reason, retry.delay)
            return
        except Exception as error:  # a bug must not kill the worker or lose the job
            log.exception("job %s (%s) crashed", job.id, job.kind)
            self._retry(job, f"internal error ({type(error).__name__})", None)
            return
        if not self.store.jobs.finish(job.id):
            self._lost(job)
        self.wake()  # the next job of its thread may run now

    def _retry(self, job: Job, reason: str, delay: float | None) -> None:
        policy = self.policies[JobKind(job.kind)]
        # A wait that Slack asked for (429 Retry-After) is not a failed attempt.
        server_directed = delay is not None
        if not server_directed and job.attempts >= policy.attempts:
            log.error(
                "job %s (%s, send %s) gave up after %d attempts: %s",
                job.id,
                job.kind,
                job.send_id,
                job.attempts,
                reason,
            )
            self._give_up(job, reason)
            return
        wait = (
            delay
            if delay is not None
            else backoff_seconds(job.attempts, self.retry_base, policy.max_backoff_seconds)
        )
        log.info("job %s (%s) retries in %.1f s: %s", job.id, job.kind, wait, reason)
        if not self.store.jobs.retry(job.id, wait, reason, count_attempt=not server_directed):
            self._lost(job)

    def _give_up(self, job: Job, reason: str) -> None:
        """The job's kind leaves the send true and visible; the job ends failed."""
        if job.crashes >= self.max_crashes:
            log.error(
                "job %s (%s, send %s) stopped its process %d times: given up",
                job.id,
                job.kind,
                job.send_id,
                job.crashes,
            )
        try:
            self.policies[JobKind(job.kind)].give_up(job, reason)
        finally:  # whatever giving up could show, the job must not stay running
            if not self.store.jobs.fail(job.id, reason):
                self._lost(job)

    def _lost(self, job: Job) -> None:
        log.warning(
            "job %s (%s) was taken over by another worker before it ended here", job.id, job.kind
        )
