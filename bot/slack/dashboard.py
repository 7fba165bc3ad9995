"""The Home tab's team figures: this week's sends from the database, and the eSMS balance
kept in memory and read again in the background, so opening the tab never waits on eSMS.
Each process keeps its own balance; the figures are the database's, the same in all.

When someone opens the tab while the balance is unknown or older than BALANCE_SECONDS, the
view goes out at once with what is known ("being checked…" the first time), one balance
look-up runs on the look-ups executor, and each person who opened the tab meanwhile gets the
view again with the new figure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.chart import Tally
from bot.core.formatting import VIETNAM
from bot.esms import codes
from bot.esms.client import EsmsClient, EsmsError, EsmsRefused
from bot.store import Store
from bot.store.charts import Charts

log = logging.getLogger(__name__)

BALANCE_SECONDS = 300.0  # a balance older than this is read again when someone looks
RETRY_SECONDS = 60.0  # after a failed look-up: an eSMS outage must not hold the look-ups busy


@dataclass(frozen=True)
class Balance:
    amount: int | None  # VND; None while unknown
    read_at: float | None  # when eSMS answered
    problem: str | None = None  # why the last look-up failed, in words
    failed_at: float | None = None  # when it failed


def week_start(now: float) -> float:
    """Monday 00:00 of this week, Vietnamese time."""
    today = datetime.fromtimestamp(now, VIETNAM).date()
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, datetime.min.time(), VIETNAM).timestamp()


def week_tally(store: Store, now: float | None = None) -> Tally:
    """Every channel's sends since Monday (test sends left out), as the database adds them up."""
    moment = time.time() if now is None else now
    # The range's end is exclusive: a second past now takes in a send stored this very moment.
    return Charts(store.db).tally(week_start(moment), moment + 1)


class BalanceCache:
    """The eSMS balance as last read, and its look-up in the background."""

    def __init__(self, esms: EsmsClient, executor: Executor, seconds: float = BALANCE_SECONDS):
        self.esms = esms
        self.executor = executor
        self.seconds = seconds
        self._balance = Balance(None, None)
        self._lock = threading.Lock()
        self._reading = False
        self._waiting: list[Callable[[Balance], None]] = []

    def current(self) -> Balance:
        """The balance as last read (never a call to eSMS)."""
        with self._lock:
            return self._balance

    def refresh_if_stale(self, then: Callable[[Balance], None], shown: Balance) -> None:
        """When the balance is unknown or stale, read it in the background (one look-up at a
        time, none for a minute after one failed) and give the new one to `then`, and to
        every `then` that asked meanwhile; `shown` is what the caller showed, and `then` gets
        at once a balance read since."""
        newer, start = None, False
        with self._lock:
            balance, now = self._balance, time.time()
            if balance != shown:  # read while the caller was showing the older one
                newer = balance
            elif (balance.failed_at is not None and now - balance.failed_at < RETRY_SECONDS) or (
                balance.read_at is not None and now - balance.read_at < self.seconds
            ):
                return
            else:
                self._waiting.append(then)
                start, self._reading = not self._reading, True
        if newer is not None:
            then(newer)
        elif start:
            self.executor.submit(self._read)

    def _read(self) -> None:
        try:
            amount = self.esms.balance()
            balance = Balance(amount, time.time())
        except EsmsRefused as refusal:
            balance = self._failed(codes.describe(refusal.code, refusal.error_message))
        except EsmsError as error:
            balance = self._failed(str(error))
        except Exception as error:  # never leave the look-up marked as running
            balance = self._failed(type(error).__name__)
        with self._lock:
            self._balance, self._reading = balance, False
            waiting, self._waiting = self._waiting, []
        for then in waiting:
            try:
                then(balance)
            except Exception as error:
                log.warning("Home tab not refreshed with the balance: %s", type(error).__name__)

    def _failed(self, problem: str) -> Balance:
        log.info("balance look-up for the Home tab failed: %s", problem)
        known = self._balance  # the last amount read stays shown, with the problem beside it
        return Balance(known.amount, known.read_at, problem, time.time())
