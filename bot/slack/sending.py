"""Turn a validated draft into a stored send and wake the worker that posts it."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.config import Settings
from bot.core.draft import Draft
from bot.core.formatting import vietnam_day
from bot.core.i18n import _
from bot.core.marketing import with_prefix
from bot.core.model import Category, NewSend
from bot.core.sms_text import SmsTemplate, fallback_text
from bot.slack.blocks.composer import ComposerOptions
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """Where and by whom a send was started."""

    team_id: str
    channel_id: str
    user_id: str
    response_url: str | None = None
    thread_ts: str | None = None


def composer_options(
    settings: Settings, store: Store, sms_templates: Sequence[SmsTemplate] | None = ()
) -> ComposerOptions:
    outreach = settings.outreach
    return ComposerOptions(
        brandnames=settings.esms_brandnames,
        test_mode=settings.esms_sandbox,
        allow_test_sends=settings.esms_allow_test_sends,
        templates=tuple(store.templates.all()),
        sms_brandname=outreach.sms_brandname,
        sms_default=outreach.sms_fallback,
        sms_templates=tuple(sms_templates or ()),
    )


def opted_out_error(store: Store, phones: Sequence[str]) -> str | None:
    """The composer's error naming the numbers that asked to be left alone, if any."""
    found = store.optouts.among(phones)
    if not found:
        return None
    listed = ", ".join(
        _("err.opted_out_one", phone=phone, day=vietnam_day(found[phone].added_at))
        for phone in phones
        if phone in found
    )
    return _("err.opted_out", numbers=listed)


def marketing_schedule(settings: Settings, scheduled_at: float | None) -> float | None:
    """A marketing send goes out within the marketing hours: at the next opening when it was
    composed (or scheduled) outside them."""
    hours = settings.outreach.marketing_hours
    moment = scheduled_at or time.time()
    opening = hours.next_opening(moment)
    return opening if opening != moment else scheduled_at


def accept_draft(
    settings: Settings,
    store: Store,
    draft: Draft,
    origin: Origin,
    *,
    brandname: str | None = None,
    test_send: bool = False,
    scheduled_at: float | None = None,
    category: str = Category.CARE,
    sms_fallback: bool | None = None,
    sms_text: str | None = None,
    unless_opted_out: bool = False,
) -> str | None:
    """Store the send; the caller checked the draft (`check_draft`, and `opted_out_error`
    unless it asks for `unless_opted_out`: then the opt-outs are checked in the transaction
    that stores the send, and None says one of the numbers opted out and nothing was stored)."""
    outreach = settings.outreach
    message = draft.message
    held_until = None
    if category == Category.MARKETING:
        message = replace(message, text=with_prefix(message.text, outreach.marketing_prefix))
        held = marketing_schedule(settings, scheduled_at)
        held_until = held if held != scheduled_at else None
        scheduled_at = held
        sms_fallback = False  # never over a customer-care brandname
    elif sms_fallback is None:
        sms_fallback = outreach.sms_fallback
    sms_fallback = bool(sms_fallback and outreach.sms_available)
    if sms_fallback and not sms_text:
        sms_text = fallback_text(message, ascii_only=outreach.sms_ascii)
    new = NewSend(
        team_id=origin.team_id,
        channel_id=origin.channel_id,
        user_id=origin.user_id,
        message=message,
        phones=draft.phones,
        brandname=brandname or settings.esms_brandname,
        test_send=settings.esms_sandbox or (test_send and settings.esms_allow_test_sends),
        response_url=origin.response_url,
        approval_ttl_seconds=settings.approval_ttl_hours * 3600
        if settings.approval_required
        else None,
        approval_channel=settings.approval_channel,
        scheduled_at=scheduled_at,
        thread_ts=origin.thread_ts,
        category=category,
        sms_fallback=sms_fallback,
        sms_text=sms_text if sms_fallback else None,
        held_until=held_until,
    )
    send_id = (
        store.sends.create_unless_opted_out(new) if unless_opted_out else store.sends.create(new)
    )
    if send_id is None:
        return None
    log.info(
        "send %s stored: %d recipient(s) by %s in %s",
        send_id,
        len(draft.phones),
        origin.user_id,
        origin.channel_id,
    )
    return send_id
