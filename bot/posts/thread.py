"""The thread: its parent message (headline, preview, status line, notes, buttons), the
replies that tell outcomes, and the reply that records an approval decision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.delivery import FINAL_STATES, State, summarize
from bot.core.formatting import format_vnd
from bot.core.i18n import _, plural
from bot.core.model import Approval, Recipient, Send, ThreadState
from bot.posts.approval import approval_buttons, decision_words
from bot.posts.buttons import cancel_button
from bot.posts.common import (
    context,
    escape,
    mentions,
    section,
    send_blocks,
    sentence_case,
    slack_time,
)

_STATE_ORDER = [
    State.DELIVERED,
    State.FAILED,
    State.REJECTED,
    State.REFUSED,
    State.CANCELLED,
    State.SKIPPED,
    State.UNAVAILABLE,
    State.UNCONFIRMED,
    State.ESMS_REVIEW,
    State.SENT,
    State.SENDING,
    State.WAITING,
    State.OTHER,
    State.ACCEPTED,
    State.SUBMITTING,
    State.QUEUED,
]


def viber_recipients(recipients: Sequence[Recipient]) -> list[Recipient]:
    """The numbers a send is for, without the SMS that stood in for some of them."""
    return [recipient for recipient in recipients if not recipient.is_sms]


def is_scheduled(send: Send, recipients: Sequence[Recipient]) -> bool:
    """Held for a later time, none of it handed to eSMS yet (so it can still be cancelled)."""
    return bool(send.scheduled_at) and all(r.state == State.QUEUED for r in recipients)


def _held_rest(send: Send, recipients: Sequence[Recipient]) -> bool:
    """Part of a marketing send went out; the rest waits for the marketing hours."""
    return bool(send.held_until) and any(r.state == State.QUEUED for r in recipients)


def total_cost(recipients: Sequence[Recipient]) -> float:
    return sum(recipient.price or 0.0 for recipient in recipients)


def _counts(recipients: Sequence[Recipient]) -> str:
    counts = summarize(recipient.state for recipient in recipients)
    total = len(recipients)
    return " · ".join(
        f"{_(f'state.{state}')} {counts[state]}/{total}"
        for state in _STATE_ORDER
        if counts.get(state)
    )


def status_line(send: Send, everyone: Sequence[Recipient], approvers: Sequence[str] = ()) -> str:
    """The parent's one-line summary, e.g. `✅ Delivered 2/2` or `⏳ delivered 1/3 · queued 2/3`,
    then the SMS that stood in for some, and what it all cost."""
    recipients = viber_recipients(everyone)
    line = _viber_status(send, recipients, approvers)
    sms = [recipient for recipient in everyone if recipient.is_sms]
    if sms:
        line += _("status.sms", counts=_counts(sms))
    if cost := total_cost(everyone):
        line += _("status.cost", amount=format_vnd(cost))
    return line


def _viber_status(send: Send, recipients: Sequence[Recipient], approvers: Sequence[str]) -> str:
    if send.image_problem:
        return _("status.not_sent", reason=escape(send.image_problem))
    if send.thread_state == ThreadState.NOT_POSTED:
        return _("status.not_sent", reason=escape(send.thread_note or _("status.slack_refused")))
    if send.awaiting_approval:
        where = (
            _("status.awaiting_where", channel=send.approval_channel)
            if send.approval_channel
            else ""
        )
        expiry = slack_time(send.approval_expires_at or 0)
        return _("status.awaiting", where=where, approvers=mentions(approvers), expiry=expiry)
    if send.approval in (Approval.REJECTED, Approval.EXPIRED, Approval.WITHDRAWN):
        return _("status.not_sent", reason=decision_words(send))
    # Cancelled by nobody in particular: the workflow step that started the send ended.
    by = "" if send.cancelled_by else "_ended"
    if send.cancelled_at and all(r.state == State.CANCELLED for r in recipients):
        when = slack_time(send.cancelled_at)
        return _(f"status.cancelled{by}", user=send.cancelled_by, when=when)
    if is_scheduled(send, recipients):
        if send.held_until and send.held_until >= (send.scheduled_at or 0):
            return _("status.held", when=slack_time(send.held_until))
        return _("status.scheduled", when=slack_time(send.scheduled_at or 0))
    total = len(recipients)
    counts = summarize(recipient.state for recipient in recipients)
    if send.thread_state == ThreadState.NEW or counts.get(State.QUEUED) == total:
        if send.approval == Approval.APPROVED:
            return _(
                "status.approved_sending", count=total, noun=plural(total, "number", "numbers")
            )
        return _("status.queued", count=total, noun=plural(total, "number", "numbers"))
    if all(recipient.state in FINAL_STATES for recipient in recipients):
        icon = "✅" if counts.get(State.DELIVERED) == total else "⚠️"
    else:
        icon = "⏳"
    line = f"{icon} {sentence_case(_counts(recipients))}"
    waiting = counts.get(State.QUEUED)
    if waiting and send.held_until and not send.cancelled_at:
        line += _("status.held_rest", count=waiting, when=slack_time(send.held_until))
    if send.cancelled_at:
        line += _(f"status.rest_cancelled{by}", user=send.cancelled_by)
    return line


def parent_message(
    send: Send, recipients: Sequence[Recipient], approvers: Sequence[str] = ()
) -> tuple[str, list[dict[str, Any]]]:
    """Text fallback and blocks of the message that heads a send's thread."""
    everyone, recipients = recipients, viber_recipients(recipients)
    phones = ", ".join(recipient.phone for recipient in recipients)
    headline = _("parent.headline", user=send.user_id, phones=escape(phones))
    status = status_line(send, everyone, approvers)
    blocks = send_blocks(send, headline)
    blocks.append(section(_("parent.status", status=status)))
    if send.awaiting_approval and not send.approval_channel and not send.image_problem:
        if send.thread_note:  # why the buttons are here and not in the approval channel
            blocks.append(context(f"⚠️ {send.thread_note}"))
        blocks.append(approval_buttons(send, len(recipients)))
    elif (
        (is_scheduled(send, recipients) or _held_rest(send, recipients))
        and not send.cancelled_at
        and send.thread_state != ThreadState.NOT_POSTED
    ):
        blocks.append(cancel_button(send))
    footer = _("parent.footer", brandname=escape(send.brandname), send_id=send.id)
    if send.approval == Approval.APPROVED:
        footer = f"✔️ {sentence_case(decision_words(send))} · {footer}"
    blocks.append(context(footer))
    fallback = _("parent.fallback", user=send.user_id, count=len(recipients), status=status)
    return fallback, blocks


def decision_reply(send: Send) -> str:
    """The thread reply that records a decision."""
    when = slack_time(send.decided_at or 0)
    if send.approval == Approval.APPROVED:
        return _("reply.approved", who=send.decided_by, when=when)
    if send.approval == Approval.REJECTED:
        reason = (
            _("reply.reason", reason=escape(send.decision_reason))
            if send.decision_reason
            else _("reply.no_reason")
        )
        return _("reply.rejected", user=send.user_id, who=send.decided_by, when=when, reason=reason)
    if send.approval == Approval.WITHDRAWN:
        reason = escape(send.decision_reason or "")
        return _("reply.withdrawn", user=send.user_id, when=when, reason=reason)
    return _("reply.expired", user=send.user_id, when=when)
