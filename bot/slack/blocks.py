"""Block Kit builders: plain data in, Slack payloads out. No I/O here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.delivery import FINAL_STATES, State, summarize
from bot.core.message import ALLOWED_SHAPES, MAX_LABEL, MAX_TEXT, ViberMessage
from bot.core.phones import MAX_RECIPIENTS
from bot.esms import codes
from bot.store import Recipient, Send, SendStatus

COMPOSER_CALLBACK_ID = "viber_compose"
FIELD_BLOCKS = ("recipients", "text", "image_url", "button_label", "button_url")
INPUT_ACTION_ID = "value"
_SECTION_LIMIT = 2900  # Slack allows 3,000 characters per section text

HELP_TEXT = (
    "*Send a Viber message with `/viber`*\n"
    "• `/viber` opens the composer: numbers, text, an image and a button.\n"
    "• `/viber 0901234567 Xin chào!` sends a text message straight away. Separate several "
    "numbers with commas, no spaces: `/viber 0901234567,0912345678 Xin chào!`\n"
    "• `/viber help` shows this help.\n"
    f"Numbers are Vietnamese mobiles (0901234567, +84 901 234 567 …), at most {MAX_RECIPIENTS} "
    f"per send. Viber allows {ALLOWED_SHAPES}. Every send gets a thread in this channel with its "
    "delivery status."
)


def escape(text: str) -> str:
    """Slack's mrkdwn needs &, < and > escaped so user text cannot forge mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class ComposerContext:
    """What the modal carries from the slash command to its submission."""

    channel_id: str
    response_url: str | None = None

    def dump(self) -> str:
        return json.dumps({"c": self.channel_id, "r": self.response_url}, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str) -> ComposerContext | None:
        try:
            data = json.loads(raw or "")
            channel = data["c"]
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(channel, str) or not channel:
            return None
        response_url = data.get("r")
        return cls(
            channel_id=channel, response_url=response_url if isinstance(response_url, str) else None
        )


def _input(
    block_id: str, label: str, *, placeholder: str, hint: str | None = None,
    multiline: bool = False, optional: bool = True, max_length: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION_ID,
        "multiline": multiline,
        "placeholder": {"type": "plain_text", "text": placeholder},
    }
    if max_length:
        element["max_length"] = max_length
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def composer_view(context: ComposerContext, *, brandname: str, sandbox: bool) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        _input(
            "recipients", "Phone numbers", placeholder="0901234567, 0912 345 678",
            hint=f"Vietnamese mobiles, one per line or separated by commas; at most {MAX_RECIPIENTS}.",
            multiline=True, optional=False,
        ),
        _input("text", "Message", placeholder="Xin chào …", multiline=True, max_length=MAX_TEXT),
        _input("image_url", "Image URL", placeholder="https://example.com/banner.png",
               hint="https only; JPG or PNG."),
        _input("button_label", "Button label", placeholder="Xem ngay", max_length=MAX_LABEL),
        _input("button_url", "Button link", placeholder="https://example.com/offer"),
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Viber allows {ALLOWED_SHAPES}. "
                          f"Sent as *{escape(brandname)}*."
                          + (" *Test mode:* no customer receives it." if sandbox else "")}],
        },
    ]  # fmt: skip
    return {
        "type": "modal",
        "callback_id": COMPOSER_CALLBACK_ID,
        "private_metadata": context.dump(),
        "title": {"type": "plain_text", "text": "Viber message"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def submitted_values(state_values: dict[str, Any]) -> dict[str, str]:
    """Read the composer's fields out of `view.state.values`; absent or odd values become ''."""
    values: dict[str, str] = {}
    for block_id in FIELD_BLOCKS:
        block = state_values.get(block_id) if isinstance(state_values, dict) else None
        element = block.get(INPUT_ACTION_ID) if isinstance(block, dict) else None
        value = element.get("value") if isinstance(element, dict) else None
        values[block_id] = value if isinstance(value, str) else ""
    return values


# -- the thread parent -------------------------------------------------------------------------

_STATE_WORDS = [
    (State.DELIVERED, "delivered"),
    (State.FAILED, "failed"),
    (State.REJECTED, "rejected by eSMS"),
    (State.REFUSED, "refused by eSMS"),
    (State.CANCELLED, "cancelled"),
    (State.UNCONFIRMED, "not confirmed by eSMS"),
    (State.ESMS_REVIEW, "waiting for eSMS's approval"),
    (State.SENT, "sent, awaiting the operator's report"),
    (State.SENDING, "sending"),
    (State.WAITING, "waiting to send"),
    (State.OTHER, "in progress at eSMS"),
    (State.ACCEPTED, "accepted by eSMS"),
    (State.QUEUED, "queued"),
]


def status_line(send: Send, recipients: Sequence[Recipient]) -> str:
    """The parent's one-line summary, e.g. `✅ Delivered 2/2` or `⏳ delivered 1/3 · queued 2/3`."""
    if send.status == SendStatus.NOT_POSTED:
        return "🚫 Not sent: " + (send.status_note or "Slack refused the message")
    total = len(recipients)
    counts = summarize(recipient.state for recipient in recipients)
    if send.status == SendStatus.NEW or counts.get(State.QUEUED) == total:
        return f"⏳ Queued ({total} {'number' if total == 1 else 'numbers'})"
    parts = [f"{word} {counts[state]}/{total}" for state, word in _STATE_WORDS if counts.get(state)]
    if all(recipient.state in FINAL_STATES for recipient in recipients):
        icon = "✅" if counts.get(State.DELIVERED) == total else "⚠️"
    else:
        icon = "⏳"
    summary = " · ".join(parts)
    return f"{icon} {summary[0].upper()}{summary[1:]}"


def preview_lines(message: ViberMessage) -> list[str]:
    lines = []
    if message.text:
        lines.append(
            "\n".join(f"> {escape(line)}" if line else ">" for line in message.text.split("\n"))
        )
    if message.image_url:
        lines.append(f"🖼️ Image: <{escape(message.image_url)}>")
    if message.button_label:
        lines.append(f"🔘 Button *{escape(message.button_label)}* → <{escape(message.button_url)}>")
    return lines


def parent_message(send: Send, recipients: Sequence[Recipient]) -> tuple[str, list[dict[str, Any]]]:
    """Text fallback and blocks of the message that heads a send's thread."""
    phones = ", ".join(recipient.phone for recipient in recipients)
    headline = f"*Viber message* from <@{send.user_id}> to {escape(phones)}"
    status = status_line(send, recipients)
    blocks: list[dict[str, Any]] = [_section(headline)]
    if send.sandbox:
        blocks.append(_context("🧪 *Test send* (eSMS sandbox): no customer receives this message."))
    blocks.extend(_section(part) for part in _chunks(preview_lines(send.message)))
    blocks.append(_section(f"*Status:* {status}"))
    blocks.append(_context(f"Brandname {escape(send.brandname)} · send {send.id}"))
    fallback = f"Viber message from <@{send.user_id}> to {len(recipients)} number(s): {status}"
    return fallback, blocks


# -- thread replies ----------------------------------------------------------------------------


def outcome_line(recipient: Recipient) -> str:
    phone = recipient.phone
    state = recipient.state
    if state == State.DELIVERED:
        return f"✅ {phone}: delivered"
    if state == State.FAILED:
        return f"❌ {phone}: not delivered (eSMS reports the delivery failed)"
    if state == State.REJECTED:
        return f"⛔ {phone}: rejected by eSMS"
    if state == State.REFUSED:
        reason = codes.describe(recipient.error_code, recipient.error_detail)
        return f"⛔ {phone}: eSMS refused the message: {escape(reason)}"
    if state == State.ESMS_REVIEW:
        return f"🕒 {phone}: waiting for eSMS's own approval before sending"
    if state == State.UNCONFIRMED:
        detail = escape(recipient.error_detail or "eSMS did not answer")
        return (
            f"⚠️ {phone}: not confirmed: {detail}. The message may not have been sent; "
            "a later report from eSMS will update this thread."
        )
    return f"{phone}: {state}"


def outcome_reply(recipients: Sequence[Recipient]) -> tuple[str, list[dict[str, Any]]]:
    """One reply for every outcome that arrived together."""
    lines = [outcome_line(recipient) for recipient in recipients]
    blocks = [_section(chunk) for chunk in _chunks(lines)]
    fallback = lines[0] if len(lines) == 1 else f"{len(lines)} delivery updates"
    return fallback, blocks


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def _chunks(lines: Sequence[str]) -> list[str]:
    """Group lines into section-sized texts."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:_SECTION_LIMIT]
        if current and len(current) + 1 + len(line) > _SECTION_LIMIT:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks
