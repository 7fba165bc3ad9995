"""Approvals: the Approve / Reject buttons, the request posted in APPROVAL_CHANNEL, the reject
form and the words that describe a decision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.i18n import _, plural
from bot.core.model import Approval, Recipient, Send
from bot.posts.common import (
    escape,
    mentions,
    section,
    send_blocks,
    slack_time,
    text_input,
    vietnam_time,
)

REJECT_CALLBACK_ID = "viber_reject"
APPROVE_ACTION = "approve_send"
REJECT_ACTION = "reject_send"


def decision_words(send: Send, *, plain: bool = False) -> str:
    """`approved by @x at 10:32`, `rejected by …`, `expired at …` (plain: for modal errors)."""
    if plain:
        when = f"{_('date_at')} {vietnam_time(send.decided_at or 0)}"
        who = _("decision.someone")
    else:
        when, who = slack_time(send.decided_at or 0), f"<@{send.decided_by}>"
    if send.approval in (Approval.EXPIRED, Approval.WITHDRAWN):
        return _(f"decision.{send.approval}", when=when)
    return _(f"decision.{send.approval}", who=who, when=when)


def already_decided(send: Send, *, plain: bool = False) -> str:
    return _("already_decided", decision=decision_words(send, plain=plain))


def approval_buttons(send: Send, count: int) -> dict[str, Any]:
    noun = plural(count, "number", "numbers")
    return {
        "type": "actions",
        "block_id": "approval",
        "elements": [
            {
                "type": "button",
                "action_id": APPROVE_ACTION,
                "style": "primary",
                "text": {"type": "plain_text", "text": _("button.approve")},
                "value": send.id,
                "confirm": {
                    "title": {"type": "plain_text", "text": _("confirm.approve_title")},
                    "text": {
                        "type": "mrkdwn",
                        "text": _("confirm.approve_text", count=count, noun=noun),
                    },
                    "confirm": {"type": "plain_text", "text": _("confirm.approve_yes")},
                    "deny": {"type": "plain_text", "text": _("confirm.approve_no")},
                },
            },
            {
                "type": "button",
                "action_id": REJECT_ACTION,
                "style": "danger",
                "text": {"type": "plain_text", "text": _("button.reject")},
                "value": send.id,
            },
        ],
    }


def approval_request(
    send: Send, recipients: Sequence[Recipient], approvers: Sequence[str]
) -> tuple[str, list[dict[str, Any]]]:
    """The request posted in APPROVAL_CHANNEL, with the buttons while it is pending."""
    recipients = [recipient for recipient in recipients if not recipient.is_sms]
    phones = ", ".join(recipient.phone for recipient in recipients)
    headline = _(
        "approval.headline", user=send.user_id, phones=escape(phones), channel=send.channel_id
    )
    blocks = send_blocks(send, headline)
    if send.awaiting_approval:
        expiry = slack_time(send.approval_expires_at or 0)
        blocks.append(section(_("approval.ask", approvers=mentions(approvers), expiry=expiry)))
        blocks.append(approval_buttons(send, len(recipients)))
    else:
        blocks.append(section(_("approval.decision", decision=decision_words(send))))
    return _("approval.fallback", user=send.user_id), blocks


def reject_view(send_id: str) -> dict[str, Any]:
    reason = text_input(
        "reason",
        _("reject.reason"),
        placeholder=_("reject.placeholder"),
        multiline=True,
        max_length=500,
    )
    return {
        "type": "modal",
        "callback_id": REJECT_CALLBACK_ID,
        "private_metadata": send_id,
        "title": {"type": "plain_text", "text": _("reject.title")},
        "submit": {"type": "plain_text", "text": _("reject.submit")},
        "close": {"type": "plain_text", "text": _("composer.close")},
        "blocks": [reason],
    }
