"""Delayed actions for the stand-ins: one scheduler thread, each action on a daemon thread.

The eSMS stand-in calls back with delivery statuses through it. An action that blocks (a
callback to an app that is slow or down) holds up only itself, and `stop()` drops whatever has not started yet.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Timers:
    def __init__(self, name: str = "stand-in-timers") -> None:
        self.name = name
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def call_later(self, delay: float, action: Callable[[], None]) -> bool:
        """Run `action` after `delay` seconds; False once stopped (nothing is scheduled)."""
        with self._condition:
            if self._stopped:
                return False
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._order), action))
            if self._thread is None:  # started on first use: most stand-ins never need it
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._condition.notify()
        return True

    def pending(self) -> int:
        with self._condition:
            return len(self._due)

    def stop(self, timeout: float = 1.0) -> None:
        with self._condition:
            self._stopped = True
            self._due.clear()
            self._condition.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopped and (not self._due or self._due[0][0] > time.monotonic()):
                    wait = self._due[0][0] - time.monotonic() if self._due else None
                    self._condition.wait(wait)
                if self._stopped:
                    return
                _at, _order, action = heapq.heappop(self._due)
            threading.Thread(target=self._guarded, args=(action,), daemon=True).start()

    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception:  # one broken action must not take the others down
            log.exception("%s: a delayed action failed", self.name)
