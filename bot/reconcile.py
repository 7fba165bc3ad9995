"""Ask eSMS about recipients whose callbacks never came, and merge the answers like callbacks.

Callbacks get lost (eSMS retries only on timeouts; the app may be down or have no public URL),
so every poll takes the least recently asked recipients that have been quiet for a while, one
eSMS call at a time with a pause between calls, never a burst.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.core.delivery import State
from bot.core.phones import mask_phone
from bot.esms import codes
from bot.esms.client import EsmsClient, EsmsRefused, EsmsUnavailable
from bot.store import Recipient, Store

log = logging.getLogger(__name__)

ESMS_HORIZON_SECONDS = 7 * 24 * 3600  # eSMS answers status queries for the last 7 days only
BATCH = 50  # recipients asked about in one poll at most
RECOVERY_WINDOW = timedelta(minutes=10)  # how far before our first attempt to look for a send


class Reconciler:
    def __init__(
        self,
        store: Store,
        esms: EsmsClient,
        *,
        poll_seconds: float,
        grace_seconds: float,
        clock: Callable[[], float] = time.time,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.esms = esms
        self.poll_seconds = poll_seconds
        self.grace_seconds = grace_seconds
        self.clock = clock
        self.pause = pause

    def run_once(self) -> int:
        """One poll; returns how many recipients changed state."""
        now = self.clock()
        due = self.store.recipients_to_reconcile(
            settled_before=now - self.grace_seconds,
            polled_before=now - self.poll_seconds,
            limit=BATCH,
        )
        # Spread the calls over at most half the interval so a poll never floods eSMS.
        spacing = min(1.0, self.poll_seconds / 2 / max(len(due), 1))
        changed = 0
        for index, recipient in enumerate(due):
            if index:
                self.pause(spacing)
            try:
                changed += self._reconcile(recipient, now)
            except EsmsUnavailable as error:
                log.warning("reconciliation paused: %s", error)
                break
        return changed

    def _reconcile(self, recipient: Recipient, now: float) -> int:
        started = recipient.submitted_at or recipient.updated_at or now
        if now - started > ESMS_HORIZON_SECONDS:
            self.store.settle_unavailable(recipient.id)
            return 1
        self.store.mark_polled(recipient.id, now)
        if recipient.sms_id is None:
            return self._recover(recipient, started, now)
        try:
            status = self.esms.send_status(recipient.sms_id)
        except EsmsRefused as refusal:
            if refusal.code != codes.NOT_FOUND:  # 105: not queryable yet; ask again next poll
                log.warning("status of %s: %s", mask_phone(recipient.phone), refusal)
            return 0
        return int(
            self.store.apply_report(recipient.id, status.send_status, status.success, status.failed)
        )

    def _recover(self, recipient: Recipient, started: float, now: float) -> int:
        """A send whose answer was lost (timeout, 124): find its SMSID in eSMS's sent data."""
        since = datetime.fromtimestamp(started, UTC) - RECOVERY_WINDOW
        try:
            records = self.esms.sent_data(since, datetime.fromtimestamp(now, UTC))
        except EsmsRefused as refusal:
            log.warning("sent data for %s: %s", mask_phone(recipient.phone), refusal)
            return 0
        for record in records:
            if record.phone == recipient.phone and not self.store.sms_id_taken(record.sms_id):
                log.info(
                    "recovered the SMSID of %s from eSMS's sent data", mask_phone(recipient.phone)
                )
                self.store.record_submission(recipient.id, State.ACCEPTED, sms_id=record.sms_id)
                success = 1 if record.send_result == 1 else 0
                failed = 1 if record.send_result == 0 else 0
                self.store.apply_report(recipient.id, record.send_status, success, failed)
                return 1
        return 0
