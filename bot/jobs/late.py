"""SMS_FALLBACK_AFTER_MINUTES: an SMS for a Viber message still undelivered that long after
eSMS accepted it, queued by whichever process holds the duty's lease."""

from __future__ import annotations

import logging
import time

from bot.store import Store

log = logging.getLogger(__name__)


class LateFallbacks:
    def __init__(self, store: Store, after_seconds: float) -> None:
        self.store = store
        self.after_seconds = after_seconds

    def queue(self) -> int:
        """Queue the SMS now due; returns how many (the runner looks for work when any)."""
        queued = self.store.fallbacks.queue_late(time.time() - self.after_seconds)
        if queued:
            log.info("%d SMS queued for Viber messages still undelivered", queued)
        return queued
