"""Threads that run durable jobs from the store, with backoff and a bounded number of attempts."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence

from bot.logs import request_id
from bot.store import Job, JobKind, Store
from bot.tasks import RetryLater, Tasks

log = logging.getLogger(__name__)

MAX_ATTEMPTS = {JobKind.POST_PARENT: 10, JobKind.SUBMIT: 4, JobKind.SYNC_THREAD: 12}
MAX_BACKOFF_SECONDS = 300.0
IDLE_POLL_SECONDS = 0.5


def backoff_seconds(attempt: int, base: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: about base, 2·base, 4·base … capped, each ×0.5–1.0."""
    ceiling = min(base * (2 ** max(attempt - 1, 0)), MAX_BACKOFF_SECONDS)
    return ceiling * (rng or random).uniform(0.5, 1.0)


Periodic = tuple[float, Callable[[], object]]  # (interval in seconds, what to run)
# A periodic duty runs in one process at a time: the one holding its lease, renewed at every
# run; when that process dies another takes over once this many intervals have passed.
LEASE_INTERVALS = 3


def process_name() -> str:
    """Who holds a lease: unique to this process, readable in the database."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        store: Store,
        tasks: Tasks,
        *,
        threads: int = 4,
        retry_base: float = 2.0,
        periodic: Sequence[Periodic] = (),
    ):
        self.store = store
        self.tasks = tasks
        self.thread_count = threads
        self.retry_base = retry_base
        self.periodic = list(periodic)
        self.holder = process_name()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.thread_count):
            thread = threading.Thread(target=self._loop, name=f"worker-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        for interval, duty in self.periodic:
            thread = threading.Thread(
                target=self._every,
                args=(interval, duty),
                name=f"periodic-{duty.__name__}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def _every(self, interval: float, duty: Callable[[], object]) -> None:
        lease = duty.__qualname__
        while not self._stop.wait(interval):
            try:
                if not self.store.hold_lease(lease, self.holder, interval * LEASE_INTERVALS):
                    continue  # another process runs it
                if duty():
                    self.wake()
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
        unfinished = sum(thread.is_alive() for thread in self._threads)
        if unfinished:
            log.warning("stopped with %d job thread(s) still busy; their jobs run again in %.0f s",
                        unfinished, self.store.job_lease_seconds)  # fmt: skip

    def wake(self) -> None:
        """New work was stored: look now instead of at the next poll."""
        self._wake.set()

    def run_once(self) -> bool:
        """Run one due job, if any; True when a job ran."""
        job = self.store.claim_job()
        if job is None:
            return False
        self._run(job)
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once():
                    continue
            except Exception:
                log.exception("worker loop error; continuing")
                time.sleep(IDLE_POLL_SECONDS)
                continue
            # Sleep until the next job is due (a paced or debounced one), at most a poll interval.
            # A job already due that no thread could claim waits behind an unfinished one of
            # its thread: a finishing job wakes the threads, so polling for it would only spin.
            due = self.store.next_job_due()
            now = time.time()
            pause = (
                IDLE_POLL_SECONDS
                if due is None or due <= now
                else min(IDLE_POLL_SECONDS, max(0.02, due - now))
            )
            self._wake.wait(pause)
            self._wake.clear()

    def _run(self, job: Job) -> None:
        request_id.set(f"job-{job.id}")
        try:
            self.tasks.run(job)
        except RetryLater as retry:
            self._retry(job, retry.reason, retry.delay)
            return
        except Exception as error:  # a bug must not kill the worker or lose the job
            log.exception("job %s (%s) crashed", job.id, job.kind)
            self._retry(job, f"internal error ({type(error).__name__})", None)
            return
        self.store.finish_job(job.id)
        self.wake()  # the next job of its thread may run now

    def _retry(self, job: Job, reason: str, delay: float | None) -> None:
        # A wait that Slack asked for (429 Retry-After) is not a failed attempt.
        server_directed = delay is not None
        if not server_directed and job.attempts >= MAX_ATTEMPTS[job.kind]:
            log.error("job %s (%s, send %s) gave up after %d attempts: %s",
                      job.id, job.kind, job.send_id, job.attempts, reason)  # fmt: skip
            self.tasks.give_up(job, reason)
            self.store.fail_job(job.id, reason)
            return
        wait = delay if server_directed else backoff_seconds(job.attempts, self.retry_base)
        log.info("job %s (%s) retries in %.1f s: %s", job.id, job.kind, wait, reason)
        self.store.retry_job(job.id, wait, reason, count_attempt=not server_directed)
