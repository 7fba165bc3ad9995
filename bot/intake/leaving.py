"""The one submit check: whether a message may leave for eSMS now, asked as it is about to
leave, whatever queued it (first submit, retry, approval, schedule, marketing hold, fallback).

A recipient that must never get the message is recorded here (skipped or cancelled, with the
reason the thread shows); one that must wait comes back with how long."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.config import Settings
from bot.core.delivery import State
from bot.core.fallback import FAILED, needs_fallback
from bot.core.formatting import vietnam_day
from bot.core.i18n import _
from bot.core.marketing import DAILY_WINDOW_SECONDS
from bot.core.model import Approval, Category, Recipient, Send
from bot.core.phones import is_masked
from bot.store import Store

# A row that met its campaign paused looks again this often: Pause parks the queued rows and
# Resume brings them back, but a row running meanwhile is in neither, and must not be lost.
PAUSED_RECHECK_SECONDS = 300.0


@dataclass(frozen=True)
class Verdict:
    go: bool
    wait_seconds: float = 0.0  # > 0: not now; ask again then (not a failed attempt)
    why: str = ""  # for the log, when it waits
    test_send: bool = False  # goes with eSMS's Sandbox: accepted, never delivered or charged


STOP = Verdict(go=False)


def check(settings: Settings, store: Store, send: Send, recipient: Recipient) -> Verdict:
    """Every rule a message obeys as it leaves, in one place; see the module's docstring."""
    # ESMS_SANDBOX switched on after a send was stored: nothing is delivered from then on.
    test_send = send.test_send or settings.esms_sandbox
    if recipient.state == State.SUBMITTING:  # it left already: eSMS's answer settles it
        return Verdict(go=True, test_send=test_send)
    if send.campaign and store.campaigns.is_paused(send.id):  # until Resume
        return Verdict(go=False, wait_seconds=PAUSED_RECHECK_SECONDS, why="campaign paused")
    if send.approval == Approval.PENDING:  # the decision queues the submission again
        return STOP
    # An erased (or purged) number is only its last digits: nothing can go to it any more (an
    # SMS fallback of a message that failed after its number was erased, say).
    if (
        send.cancelled_at
        or is_masked(recipient.phone)
        or send.approval
        in (
            Approval.REJECTED,
            Approval.EXPIRED,
            Approval.WITHDRAWN,
        )
    ):
        store.deliveries.record_submission(recipient.id, State.CANCELLED)
        return STOP
    opt_out = store.optouts.get(recipient.phone)
    if opt_out is not None:
        day, reason = vietnam_day(opt_out.added_at), opt_out.reason or _("skip.no_reason")
        store.deliveries.skip(recipient.id, _("skip.opted_out", day=day, reason=reason))
        return STOP
    if problem := _marketing_problem(settings, store, send, recipient):
        store.deliveries.skip(recipient.id, problem)
        return STOP
    if recipient.is_sms and (problem := _fallback_problem(settings, store, send, recipient)):
        store.deliveries.skip(recipient.id, problem)
        return STOP
    if send.category != Category.MARKETING:
        return Verdict(go=True, test_send=test_send)
    outreach, now = settings.outreach, time.time()
    if not outreach.marketing_hours.is_open(now):
        opening = outreach.marketing_hours.next_opening(now)
        store.sends.hold_for_hours(send.id, opening)
        return Verdict(go=False, wait_seconds=opening - now, why="outside the marketing hours")
    if send.held_until and send.held_until <= now:  # the hours opened: the thread says so
        store.sends.end_hold(send.id)
    cap = outreach.marketing_daily_cap
    if not test_send and not store.marketing_cap.take_slot(
        recipient.id, recipient.phone, cap, DAILY_WINDOW_SECONDS
    ):
        store.deliveries.skip(recipient.id, _("skip.daily_cap", cap=cap))
        return STOP
    return Verdict(go=True, test_send=test_send)


def _marketing_problem(
    settings: Settings, store: Store, send: Send, recipient: Recipient
) -> str | None:
    """Why this advertisement must never reach this number: no consent on record (for a send
    stored under that rule), or no stop link to end it with."""
    if send.consent_required and store.consents.get(recipient.phone) is None:
        return _("skip.no_consent")
    if recipient.stop_token and not settings.public_url:
        return _("skip.no_stop_link")
    return None


def _fallback_problem(
    settings: Settings, store: Store, send: Send, recipient: Recipient
) -> str | None:
    """Why this SMS must not stand in for its Viber message (any more), if it must not."""
    if not settings.outreach.sms_available:
        return _("skip.sms_off")
    if send.category == Category.MARKETING:
        return _("skip.sms_marketing")
    if recipient.fallback_for is None:
        return None
    viber = store.sends.recipient(recipient.fallback_for)
    if viber is None:
        return None
    if viber.state == State.DELIVERED:
        return _("skip.viber_delivered")
    if recipient.fallback_reason == FAILED and not needs_fallback(viber.state, viber.error_code):
        return _("skip.viber_not_failed")
    return None
