"""Submitting one recipient to eSMS: a Viber message, or the SMS standing in for one.

Whether it may leave now is asked of the one submit check (`bot.intake.leaving`) at the
moment it would leave, whatever path queued it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from bot.config import Settings
from bot.core.consent import with_stop_line
from bot.core.delivery import State
from bot.core.i18n import _
from bot.core.message import ViberMessage
from bot.core.model import Job, Recipient, Send
from bot.core.phones import mask_phone
from bot.core.sms_text import is_gsm7, sms_content
from bot.esms import codes
from bot.esms.client import EsmsClient, EsmsRefused, EsmsUnavailable, SendAccepted
from bot.intake import leaving
from bot.intake.leaving import PAUSED_RECHECK_SECONDS
from bot.jobs.retry import RetryLater
from bot.store import Store

log = logging.getLogger(__name__)

TPS_PAUSE_SECONDS = 2.0  # after eSMS's 160: a pause, not a failed attempt
ESMS_PACE = "esms-pace"
MAX_PACE_WAIT_SECONDS = 2.0
BULK_PACE_WAIT_SECONDS = 0.1  # how far ahead a campaign's row may book


class Submissions:
    """The submit job. It hands the settings to the one submit check, and reads eSMS's pace
    (ESMS_MAX_PER_SECOND), the callback URL and the SMS fallback's brandname and alphabet."""

    def __init__(self, settings: Settings, store: Store, esms: EsmsClient) -> None:
        self.settings, self.store, self.esms = settings, store, esms

    def mark_unconfirmed(self, job: Job, reason: str) -> None:
        if job.recipient_id is not None:
            detail = _("detail.attempts", reason=reason, attempts=job.attempts)
            self.store.deliveries.record_submission(
                job.recipient_id, State.UNCONFIRMED, error_detail=detail
            )

    def submit(self, job: Job) -> None:
        assert job.recipient_id is not None
        recipient = self.store.sends.recipient(job.recipient_id)
        if recipient is None or recipient.state not in (State.QUEUED, State.SUBMITTING):
            return
        send = self.store.sends.get(recipient.send_id)
        if send is None:
            return
        verdict = leaving.check(self.settings, self.store, send, recipient)
        if verdict.wait_seconds:
            raise RetryLater(verdict.why, verdict.wait_seconds)
        if not verdict.go:
            return
        send = replace(send, test_send=verdict.test_send)
        masked = mask_phone(recipient.phone)
        self._keep_pace(bulk=send.campaign)
        # Committed before the call: a Cancel from now on leaves this row to eSMS's answer,
        # and a Cancel that came first leaves nothing to send.
        if recipient.state == State.QUEUED and not self.store.deliveries.start_submitting(
            recipient.id
        ):
            return
        try:
            accepted = (
                self._sms(send, recipient) if recipient.is_sms else self._viber(send, recipient)
            )
        except EsmsRefused as refusal:
            if refusal.code == codes.ResultCode.TOO_MANY_PER_SECOND:  # slow down, then again
                self._unsent(recipient)
                self.store.leases.delay_turn(ESMS_PACE, TPS_PAUSE_SECONDS)
                raise RetryLater("eSMS: too many requests per second", TPS_PAUSE_SECONDS) from None
            if send.campaign and refusal.code == codes.ResultCode.INSUFFICIENT_BALANCE:
                # Every other row would meet the same refusal: the campaign waits for a top-up.
                self._unsent(recipient)
                self.store.campaigns.pause(send.id, "balance")
                raise RetryLater("eSMS: insufficient balance", PAUSED_RECHECK_SECONDS) from None
            log.warning("send %s to %s refused: %s", send.id, masked, refusal)
            self.store.deliveries.record_submission(
                recipient.id,
                State.REFUSED,
                error_code=refusal.code,
                error_detail=refusal.error_message,
            )
            return
        except EsmsUnavailable as error:
            log.warning("send %s to %s: %s (attempt %d)", send.id, masked, error, job.attempts)
            raise RetryLater(str(error)) from None
        log.info(
            "send %s to %s accepted by eSMS%s%s",
            send.id,
            masked,
            " as an SMS" if recipient.is_sms else "",
            " (earlier attempt)" if accepted.duplicate else "",
        )
        self.store.deliveries.record_submission(
            recipient.id, State.ACCEPTED, sms_id=accepted.sms_id
        )

    def _unsent(self, recipient: Recipient) -> None:
        """eSMS refused this attempt without taking it (160, 103): the row waits queued again,
        so a Cancel holds for it — unless an earlier attempt may have reached eSMS (the row was
        `submitting` already as this attempt began), when only eSMS's answer may settle it."""
        if recipient.state == State.QUEUED:  # as loaded: this was the row's first attempt
            self.store.deliveries.back_to_queued(recipient.id)

    def _keep_pace(self, *, bulk: bool) -> None:
        """One pace for every call that sends, shared by all processes (ESMS_MAX_PER_SECOND).
        A campaign's row books a slot only a moment ahead, never the seconds ahead it could: an
        agent's send queued meanwhile finds a slot within that moment instead of behind every
        row in flight."""
        interval = 1.0 / self.settings.esms_max_per_second
        longest = max(interval, BULK_PACE_WAIT_SECONDS) if bulk else MAX_PACE_WAIT_SECONDS
        booked, wait = self.store.leases.reserve_slot(ESMS_PACE, interval, longest)
        if not booked:  # a long queue: give the thread back meanwhile
            raise RetryLater("waiting for eSMS's pace", max(wait, interval))
        if wait:
            time.sleep(wait)

    def _viber(self, send: Send, recipient: Recipient) -> SendAccepted:
        return self.esms.send_viber(
            viber_sent(send, recipient, self.settings.public_url),
            recipient.phone,
            brandname=send.brandname,
            request_id=recipient.request_id,
            test_send=send.test_send,
            callback_url=self.settings.callback_url,
        )

    def _sms(self, send: Send, recipient: Recipient) -> SendAccepted:
        outreach = self.settings.outreach
        text = content_sent(send, recipient, sms_ascii=outreach.sms_ascii, public_url=None)
        return self.esms.send_sms(
            recipient.phone,
            text,
            brandname=outreach.sms_brandname or "",
            request_id=recipient.request_id,
            unicode=not is_gsm7(text),
            test_send=send.test_send,
            callback_url=self.settings.callback_url,
        )


def viber_sent(send: Send, recipient: Recipient, public_url: str | None) -> ViberMessage:
    """The Viber message eSMS is given for this recipient: a campaign row's own message, an
    advertisement's ending with the recipient's stop link (the submit check skips one that
    would go without it)."""
    message = recipient.message_in(send)
    if recipient.stop_token and public_url:
        message = with_stop_line(message, public_url, recipient.stop_token)
    return message


def content_sent(
    send: Send, recipient: Recipient, *, sms_ascii: bool, public_url: str | None
) -> str:
    """The text eSMS is given for this recipient (its Content): the Viber message's, or the
    SMS as it goes out. Reconciliation finds a lost answer by it."""
    if not recipient.is_sms:
        return viber_sent(send, recipient, public_url).text
    message = recipient.message_in(send)
    typed = None if send.campaign else send.sms_text  # a campaign's SMS follows its row
    return sms_content(message, typed, ascii_only=sms_ascii)
