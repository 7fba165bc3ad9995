"""The thread: its parent message (headline, preview, status line, notes, buttons), the
replies that report outcomes, and the reply that records an approval decision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.delivery import FINAL_STATES, State, summarize
from bot.core.i18n import _, plural
from bot.core.model import Approval, Recipient, Send, ThreadState
from bot.esms import codes
from bot.slack.blocks.approval import approval_buttons, decision_words
from bot.slack.blocks.common import (
    chunks,
    context,
    escape,
    mentions,
    section,
    send_blocks,
    sentence_case,
    slack_time,
)

CANCEL_ACTION = "cancel_send"

_STATE_ORDER = [
    State.DELIVERED,
    State.FAILED,
    State.REJECTED,
    State.REFUSED,
    State.CANCELLED,
    State.UNAVAILABLE,
    State.UNCONFIRMED,
    State.ESMS_REVIEW,
    State.SENT,
    State.SENDING,
    State.WAITING,
    State.OTHER,
    State.ACCEPTED,
    State.QUEUED,
]
_OUTCOME_KEYS = {
    State.DELIVERED: "outcome.delivered",
    State.FAILED: "outcome.failed",
    State.REJECTED: "outcome.rejected",
    State.ESMS_REVIEW: "outcome.esms_review",
    State.UNAVAILABLE: "outcome.unavailable",
}


def is_scheduled(send: Send, recipients: Sequence[Recipient]) -> bool:
    """Held for a later time, none of it handed to eSMS yet (so it can still be cancelled)."""
    return bool(send.scheduled_at) and all(r.state == State.QUEUED for r in recipients)


def status_line(send: Send, recipients: Sequence[Recipient], approvers: Sequence[str] = ()) -> str:
    """The parent's one-line summary, e.g. `✅ Delivered 2/2` or `⏳ delivered 1/3 · queued 2/3`."""
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
    if send.approval in (Approval.REJECTED, Approval.EXPIRED):
        return _("status.not_sent", reason=decision_words(send))
    if send.cancelled_at:
        return _("status.cancelled", user=send.cancelled_by, when=slack_time(send.cancelled_at))
    if is_scheduled(send, recipients):
        return _("status.scheduled", when=slack_time(send.scheduled_at or 0))
    total = len(recipients)
    counts = summarize(recipient.state for recipient in recipients)
    if send.thread_state == ThreadState.NEW or counts.get(State.QUEUED) == total:
        if send.approval == Approval.APPROVED:
            return _(
                "status.approved_sending", count=total, noun=plural(total, "number", "numbers")
            )
        return _("status.queued", count=total, noun=plural(total, "number", "numbers"))
    parts = [
        f"{_(f'state.{state}')} {counts[state]}/{total}"
        for state in _STATE_ORDER
        if counts.get(state)
    ]
    if all(recipient.state in FINAL_STATES for recipient in recipients):
        icon = "✅" if counts.get(State.DELIVERED) == total else "⚠️"
    else:
        icon = "⏳"
    summary = " · ".join(parts)
    return f"{icon} {sentence_case(summary)}"


def cancel_button(send: Send) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "schedule",
        "elements": [
            {
                "type": "button",
                "action_id": CANCEL_ACTION,
                "text": {"type": "plain_text", "text": _("button.cancel_send")},
                "value": send.id,
                "confirm": {
                    "title": {"type": "plain_text", "text": _("confirm.cancel_title")},
                    "text": {"type": "mrkdwn", "text": _("confirm.cancel_text")},
                    "confirm": {"type": "plain_text", "text": _("confirm.cancel_yes")},
                    "deny": {"type": "plain_text", "text": _("confirm.cancel_no")},
                },
            }
        ],
    }


def parent_message(
    send: Send, recipients: Sequence[Recipient], approvers: Sequence[str] = ()
) -> tuple[str, list[dict[str, Any]]]:
    """Text fallback and blocks of the message that heads a send's thread."""
    phones = ", ".join(recipient.phone for recipient in recipients)
    headline = _("parent.headline", user=send.user_id, phones=escape(phones))
    status = status_line(send, recipients, approvers)
    blocks = send_blocks(send, headline)
    blocks.append(section(_("parent.status", status=status)))
    if send.awaiting_approval and not send.approval_channel:
        if send.thread_note:  # why the buttons are here and not in the approval channel
            blocks.append(context(f"⚠️ {send.thread_note}"))
        blocks.append(approval_buttons(send, len(recipients)))
    elif (
        is_scheduled(send, recipients)
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
    return _("reply.expired", user=send.user_id, when=when)


def outcome_line(recipient: Recipient) -> str:
    phone = recipient.phone
    if recipient.state in _OUTCOME_KEYS:
        return _(_OUTCOME_KEYS[State(recipient.state)], phone=phone)
    if recipient.state == State.REFUSED:
        reason = codes.describe(recipient.error_code, recipient.error_detail)
        return _("outcome.refused", phone=phone, reason=escape(reason))
    if recipient.state == State.UNCONFIRMED:
        detail = escape(recipient.error_detail or _("outcome.no_answer"))
        return _("outcome.unconfirmed", phone=phone, detail=detail)
    return f"{phone}: {_(f'state.{recipient.state}')}"


def outcome_reply(
    recipients: Sequence[Recipient], *, test_send: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """One reply for every outcome that arrived together."""
    lines = [outcome_line(recipient) for recipient in recipients]
    blocks = [section(chunk) for chunk in chunks(lines)]
    if test_send:
        blocks.append(context(_("test_note")))
    fallback = lines[0] if len(lines) == 1 else _("outcome.many", count=len(lines))
    return fallback, blocks
