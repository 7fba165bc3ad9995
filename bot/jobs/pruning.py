"""The one periodic duty that keeps old data out of the database, run by whichever process holds
its lease: finished jobs, expired leases and old callbacks deleted (`store.pruning`), then, with
RETENTION_DAYS set, once a Vietnam day the content and numbers of old sends purged
(`store.retention`; the first run of a setting only counts)."""

from __future__ import annotations

import logging

from bot.store import Store
from bot.store.pruning import Pruned, cutoffs
from bot.store.retention import RUN_BUDGET_SECONDS, RetentionRun

log = logging.getLogger(__name__)


class Pruner:
    def __init__(
        self, store: Store, *, job_hours: float, callback_days: float, retention_days: int
    ) -> None:
        self.store = store
        self.job_hours = job_hours
        self.callback_days = callback_days
        self.retention_days = retention_days

    def run_once(self, now: float | None = None) -> Pruned:
        """Prune, then purge what retention asks for; `now` (epoch seconds) for tests."""
        pruned = self.store.pruning.run(**cutoffs(self.job_hours, self.callback_days, now))
        self.retain(now)
        return pruned

    def retain(self, now: float | None = None) -> RetentionRun | None:
        """Today's retention run, logged; None when there was none to make."""
        run = self.store.retention.run(self.retention_days, now=now)
        if run is not None:
            log.info("%s", retention_line(run))
        return run


def retention_line(run: RetentionRun) -> str:
    """The log line of a run: counts only, never a number."""
    what = (
        f"{_count(run.sends, 'send')} ({_count(run.recipients, 'recipient')}) older than "
        f"{_count(run.days, 'day')}"
    )
    if run.dry:
        return f"retention: a dry run: {what} would be purged from tomorrow on"
    if not run.finished:
        return (
            f"retention: {what} purged so far; the run's {RUN_BUDGET_SECONDS:g} s are spent, "
            "the next pruning carries on"
        )
    return f"retention: {what} purged"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
