"""Keep to Slack's pace for posting: about one message per second per channel.

Asking anyway only earns a 429, so a message for a channel that is not due yet waits (its job
is rescheduled) without a call. A 429's Retry-After moves the channel's next turn."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.store import Store

# A little over a second: our turns are timed on sending, Slack counts on arrival.
POST_INTERVAL_SECONDS = 1.1


class Pacer(Protocol):
    def reserve(self, channel: str) -> float:
        """0 and the turn is taken; otherwise how many seconds until the channel's next turn."""
        ...

    def back_off(self, channel: str, seconds: float) -> None: ...


class ChannelPacer:
    """Turns kept in this process: right for one process (SQLite)."""

    def __init__(
        self, interval: float = POST_INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic
    ):
        self.interval = interval
        self.clock = clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, channel: str) -> float:
        """0 and the turn is taken; otherwise how many seconds until the channel's next turn."""
        now = self.clock()
        with self._lock:
            due = self._next.get(channel, 0.0)
            if due > now:
                return due - now
            self._next[channel] = now + self.interval
            return 0.0

    def back_off(self, channel: str, seconds: float) -> None:
        with self._lock:
            self._next[channel] = max(self._next.get(channel, 0.0), self.clock() + seconds)


class SharedPacer:
    """Turns kept in the database, so that several processes posting to one channel keep one
    pace between them rather than one each (PostgreSQL)."""

    def __init__(self, store: Store, interval: float = POST_INTERVAL_SECONDS) -> None:
        self.store = store
        self.interval = interval

    def reserve(self, channel: str) -> float:
        return self.store.leases.take_turn(f"slack-pace:{channel}", self.interval)

    def back_off(self, channel: str, seconds: float) -> None:
        self.store.leases.delay_turn(f"slack-pace:{channel}", seconds)
