"""The buttons on a thread's messages: Cancel on a send that has not gone out, and Customer asked
to stop on a recipient's reply; each asks Slack for a confirmation first."""

from __future__ import annotations

from typing import Any

from bot.core.i18n import _
from bot.core.model import Recipient, Send

CANCEL_ACTION = "cancel_send"
OPT_OUT_ACTION = "opt_out_recipient"
__all__ = ["CANCEL_ACTION", "OPT_OUT_ACTION", "cancel_button", "opt_out_button"]


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


def opt_out_button(recipient: Recipient) -> dict[str, Any]:
    phone = recipient.phone
    return {
        "type": "button",
        "action_id": OPT_OUT_ACTION,
        "text": {"type": "plain_text", "text": _("button.opt_out")},
        "value": str(recipient.id),
        "confirm": {
            "title": {"type": "plain_text", "text": _("confirm.opt_out_title")},
            "text": {"type": "mrkdwn", "text": _("confirm.opt_out_text", phone=phone)},
            "confirm": {"type": "plain_text", "text": _("confirm.opt_out_yes")},
            "deny": {"type": "plain_text", "text": _("confirm.opt_out_no")},
        },
    }
