"""Submitting one recipient to eSMS: a Viber message, or the SMS standing in for one.

Every rule is checked here, at the moment the message would leave, whatever path queued it
(composer, quick send, shortcut, schedule, approval, fallback): an opted-out number is
skipped, a marketing message waits for the marketing hours and respects the daily cap.
"""

from __future__ import annotations

import logging
import time

from bot.config import Settings
from bot.core.delivery import State
from bot.core.formatting import vietnam_day
from bot.core.i18n import _
from bot.core.marketing import DAILY_WINDOW_SECONDS
from bot.core.model import Category, Job, Recipient, Send
from bot.core.phones import mask_phone
from bot.core.sms_text import fallback_text, is_gsm7, strip_diacritics
from bot.esms import codes
from bot.esms.client import EsmsClient, EsmsRefused, EsmsUnavailable, SendAccepted
from bot.jobs.retry import RetryLater
from bot.store import Store

log = logging.getLogger(__name__)

TPS_PAUSE_SECONDS = 2.0  # after eSMS's 160: a pause, not a failed attempt
ESMS_PACE = "esms-pace"
MAX_PACE_WAIT_SECONDS = 2.0
FAR_FUTURE = 10 * 365 * 86400.0  # a paused campaign's rows wait until Resume moves them


class Submissions:
    """The submit job's half of `Tasks`."""

    settings: Settings
    store: Store
    esms: EsmsClient

    def mark_unconfirmed(self, job: Job, reason: str) -> None:
        if job.recipient_id is not None:
            detail = _("detail.attempts", reason=reason, attempts=job.attempts)
            self.store.deliveries.record_submission(
                job.recipient_id, State.UNCONFIRMED, error_detail=detail
            )

    def submit(self, job: Job) -> None:
        assert job.recipient_id is not None
        recipient = self.store.sends.recipient(job.recipient_id)
        if recipient is None or recipient.state != State.QUEUED:
            return
        send = self.store.sends.get(recipient.send_id)
        if send is None or not self._allowed(send, recipient):
            return
        masked = mask_phone(recipient.phone)
        self._keep_pace()
        try:
            accepted = (
                self._sms(send, recipient) if recipient.is_sms else self._viber(send, recipient)
            )
        except EsmsRefused as refusal:
            if refusal.code == codes.ResultCode.TOO_MANY_PER_SECOND:  # slow down, then again
                self.store.leases.delay_turn(ESMS_PACE, TPS_PAUSE_SECONDS)
                raise RetryLater("eSMS: too many requests per second", TPS_PAUSE_SECONDS) from None
            if send.campaign and refusal.code == codes.ResultCode.INSUFFICIENT_BALANCE:
                # Every other row would meet the same refusal: the campaign waits for a top-up.
                self.store.campaigns.pause(send.id, "balance")
                raise RetryLater("eSMS: insufficient balance", FAR_FUTURE) from None
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

    def _keep_pace(self) -> None:
        """One pace for every call that sends, shared by all processes (ESMS_MAX_PER_SECOND)."""
        interval = 1.0 / self.settings.esms_max_per_second
        booked, wait = self.store.leases.reserve_slot(ESMS_PACE, interval, MAX_PACE_WAIT_SECONDS)
        if not booked:  # a long queue: give the thread back meanwhile
            raise RetryLater("waiting for eSMS's pace", max(wait, interval))
        if wait:
            time.sleep(wait)

    def _allowed(self, send: Send, recipient: Recipient) -> bool:
        """Whether the message may leave now; a recipient that must not get it is skipped, one
        that must wait for the marketing hours raises RetryLater until they open."""
        if send.campaign and self.store.campaigns.is_paused(send.id):  # until Resume
            raise RetryLater("campaign paused", FAR_FUTURE)
        if send.cancelled_at:  # the rest of a held send was cancelled while this one ran
            self.store.deliveries.record_submission(recipient.id, State.CANCELLED)
            return False
        opt_out = self.store.optouts.get(recipient.phone)
        if opt_out is not None:
            day = vietnam_day(opt_out.added_at)
            reason = opt_out.reason or _("skip.no_reason")
            self.store.deliveries.skip(recipient.id, _("skip.opted_out", day=day, reason=reason))
            return False
        if recipient.is_sms and not self.settings.outreach.sms_available:
            self.store.deliveries.skip(recipient.id, _("skip.sms_off"))
            return False
        if send.category != Category.MARKETING:
            return True
        outreach, now = self.settings.outreach, time.time()
        if not outreach.marketing_hours.is_open(now):
            opening = outreach.marketing_hours.next_opening(now)
            self.store.sends.hold_for_hours(send.id, opening)
            raise RetryLater("outside the marketing hours", opening - now)
        if send.held_until and send.held_until <= now:  # the hours opened: the thread says so
            self.store.sends.end_hold(send.id)
        cap = outreach.marketing_daily_cap
        if not send.test_send and not self.store.marketing_cap.take_slot(
            recipient.id, recipient.phone, cap, DAILY_WINDOW_SECONDS
        ):
            self.store.deliveries.skip(recipient.id, _("skip.daily_cap", cap=cap))
            return False
        return True

    def _viber(self, send: Send, recipient: Recipient) -> SendAccepted:
        return self.esms.send_viber(
            recipient.message_in(send),
            recipient.phone,
            brandname=send.brandname,
            request_id=recipient.request_id,
            test_send=send.test_send,
            callback_url=self.settings.callback_url,
        )

    def _sms(self, send: Send, recipient: Recipient) -> SendAccepted:
        outreach = self.settings.outreach
        message = recipient.message_in(send)
        text = (None if send.campaign else send.sms_text) or fallback_text(
            message, ascii_only=outreach.sms_ascii
        )
        if outreach.sms_ascii:
            text = strip_diacritics(text)
        return self.esms.send_sms(
            recipient.phone,
            text,
            brandname=outreach.sms_brandname or "",
            request_id=recipient.request_id,
            unicode=not is_gsm7(text),
            test_send=send.test_send,
            callback_url=self.settings.callback_url,
        )
