"""Ask eSMS about recipients whose callbacks never came, and merge the answers like callbacks.

Callbacks get lost (eSMS retries only on timeouts; the app may be down or have no public URL),
so every poll takes the least recently asked recipients that have been quiet for a while, one
eSMS call at a time with a pause between calls, never a burst.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.core.delivery import State, is_final, state_for_status
from bot.core.model import Recipient
from bot.core.phones import mask_phone
from bot.esms import codes
from bot.esms.client import (
    SMS_CARE_TYPE,
    VIBER_SMS_TYPE,
    EsmsClient,
    EsmsRefused,
    EsmsUnavailable,
    SentRecord,
)
from bot.jobs.submit import content_sent
from bot.store import Store

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
        sms_ascii: bool = False,
        public_url: str | None = None,
    ) -> None:
        """`sms_ascii`: SMS_ASCII, as the SMS texts went out; `public_url`: PUBLIC_URL, as the
        advertisements' stop links went out."""
        self.store = store
        self.esms = esms
        self.sms_ascii = sms_ascii
        self.public_url = public_url
        self.poll_seconds = poll_seconds
        self.grace_seconds = grace_seconds
        self.clock = clock
        self.pause = pause

    def run_once(self) -> int:
        """One poll; returns how many recipients changed state."""
        now = self.clock()
        due = self.store.deliveries.to_reconcile(
            settled_before=now - self.grace_seconds,
            polled_before=now - self.poll_seconds,
            limit=BATCH,
        )
        # Spread the calls over at most half the interval so a poll never floods eSMS.
        spacing = min(1.0, self.poll_seconds / 2 / max(len(due), 1))
        lost = [_started(r, now) for r in due if r.sms_id is None]
        since = max(min(lost, default=now), now - ESMS_HORIZON_SECONDS)
        sent = _SentData(self.esms, since - RECOVERY_WINDOW.total_seconds(), now)
        changed = 0
        for index, recipient in enumerate(due):
            if index:
                self.pause(spacing)
            try:
                changed += self._reconcile(recipient, now, sent)
            except EsmsUnavailable as error:
                log.warning("reconciliation paused: %s", error)
                break
        return changed

    def _reconcile(self, recipient: Recipient, now: float, sent: _SentData) -> int:
        started = _started(recipient, now)
        if now - started > ESMS_HORIZON_SECONDS:
            self.store.deliveries.settle_unavailable(recipient.id)
            return 1
        self.store.deliveries.mark_polled(recipient.id, now)
        if recipient.sms_id is None:
            kind = SMS_CARE_TYPE if recipient.is_sms else VIBER_SMS_TYPE
            return self._recover(recipient, started, now, sent.records(kind))
        try:
            status = self.esms.send_status(recipient.sms_id)
        except EsmsRefused as refusal:
            if refusal.code != codes.NOT_FOUND:  # 105: not queryable yet; ask again next poll
                log.warning("status of %s: %s", mask_phone(recipient.phone), refusal)
            return 0
        return int(
            self.store.deliveries.apply_status(
                recipient.id, status.send_status, status.success, status.failed
            )
        )

    def _recover(
        self, recipient: Recipient, started: float, now: float, records: list[SentRecord]
    ) -> int:
        """A send whose answer was lost (timeout, 124): find its SMSID in eSMS's sent data."""
        send = self.store.sends.get(recipient.send_id)
        # Compared with what this recipient was sent: a campaign row's own text, the SMS's.
        sent = (
            content_sent(send, recipient, sms_ascii=self.sms_ascii, public_url=self.public_url)
            if send
            else ""
        )
        text = _comparable(sent)
        earliest = started - RECOVERY_WINDOW.total_seconds()
        fitting = {
            record.sms_id: record
            for record in records
            if record.phone == recipient.phone
            and record.sent_at is not None
            and earliest <= record.sent_at <= now
            and (not text or not record.content or _comparable(record.content) == text)
        }
        free = [sms_id for sms_id in fitting if not self.store.deliveries.sms_id_taken(sms_id)]
        masked = mask_phone(recipient.phone)
        if len(free) != 1:
            if free:
                log.warning(
                    "%d sends to %s in eSMS's sent data fit: left unmatched", len(free), masked
                )
            return 0
        record = fitting[free[0]]
        log.info("recovered the SMSID of %s from eSMS's sent data", masked)
        self.store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id=record.sms_id)
        if record.send_result in (0, 1):
            success = record.send_result
            self.store.deliveries.apply_status(
                recipient.id, record.send_status, success, 1 - success
            )
        elif not is_final(state_for_status(record.send_status)):
            # SendResult 2 (unknown) is not a failure: GetSendStatus settles it on a later poll.
            self.store.deliveries.apply_status(recipient.id, record.send_status, None, None)
        return 1


class _SentData:
    """eSMS's sent data, read at most once a poll per type, for every recipient whose SMSID
    was lost."""

    def __init__(self, esms: EsmsClient, since: float, until: float) -> None:
        self._esms = esms
        self._since = datetime.fromtimestamp(since, UTC)
        self._until = datetime.fromtimestamp(until, UTC)
        self._records: dict[str, list[SentRecord]] = {}

    def records(self, sms_type: str) -> list[SentRecord]:
        """The Viber messages (type 23) or the customer-care SMS (type 2) of the window."""
        if sms_type not in self._records:
            try:
                found = self._esms.sent_data(self._since, self._until, sms_type=sms_type)
            except EsmsRefused as refusal:
                log.warning("eSMS's sent data: %s", refusal)
                found = []
            self._records[sms_type] = found
        return self._records[sms_type]


def _started(recipient: Recipient, now: float) -> float:
    return recipient.submitted_at or recipient.updated_at or now


def _comparable(text: str) -> str:
    """A text as eSMS's Content and the app's own copy can both be compared."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
