"""The replies that tell a send's outcomes in its thread: one line per recipient, as many
messages as Slack needs to carry them all, each within its limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.delivery import FINAL_STATES, State
from bot.core.fallback import LATE
from bot.core.formatting import format_vnd
from bot.core.i18n import _
from bot.core.model import Recipient
from bot.core.networks import network_name
from bot.core.slack_limits import MESSAGE_BLOCKS, MESSAGE_BLOCKS_TEXT, blocks_text, shorten
from bot.esms import codes
from bot.posts.buttons import opt_out_button
from bot.posts.common import chunks, context, escape, section

# A reply carries a "Customer asked to stop" button per recipient when this many or fewer
# outcomes arrive together; a larger batch names them all, in lines.
OPT_OUT_BUTTONS = 20
# What a part keeps free of the blocks' text for the test-send note and the lines' joins.
_TEXT_ROOM = 300

_OUTCOME_KEYS = {
    State.DELIVERED: "outcome.delivered",
    State.FAILED: "outcome.failed",
    State.REJECTED: "outcome.rejected",
    State.ESMS_REVIEW: "outcome.esms_review",
    State.UNAVAILABLE: "outcome.unavailable",
}


def _detail(recipient: Recipient) -> str:
    """` · Mobifone · 470 ₫`: the network and the price, when eSMS gave them."""
    parts = [network_name(recipient.telco_id)]
    if recipient.price is not None and recipient.state in FINAL_STATES:
        parts.append(format_vnd(recipient.price))
    return "".join(f" · {part}" for part in parts if part)


def _refusal(recipient: Recipient) -> str:
    """eSMS's refusal in words; for 99 (a blocked number, or an unknown error) eSMS's own
    message too, since only it tells the two apart."""
    reason = codes.describe(recipient.error_code, recipient.error_detail)
    if recipient.error_code == codes.ResultCode.BLOCKED_OR_UNKNOWN and recipient.error_detail:
        reason += _("outcome.esms_said", message=shorten(recipient.error_detail, 200))
    return escape(reason)


def _state_words(recipient: Recipient) -> str:
    """What became of one message, without the number."""
    state = recipient.state
    if state == State.REFUSED:
        return _("outcome.refused_words", reason=_refusal(recipient))
    if state == State.UNCONFIRMED:
        return _(
            "outcome.unconfirmed_words",
            detail=escape(recipient.error_detail or _("outcome.no_answer")),
        )
    if state == State.SKIPPED:
        return escape(recipient.error_detail or _("state.skipped"))
    return _(f"state.{state}")


def outcome_line(recipient: Recipient, everyone: Sequence[Recipient] = ()) -> str:
    """One recipient's story: `0901…: Viber failed · Viettel → SMS delivered · Mobifone · 470 ₫`."""
    phone = recipient.phone
    if recipient.is_sms:
        viber = next((r for r in everyone if r.id == recipient.fallback_for), None)
        story = _("outcome.viber_then", viber=_state_words(viber) + _detail(viber)) if viber else ""
        line = _(
            "outcome.sms",
            phone=phone,
            story=story,
            sms=_state_words(recipient) + _detail(recipient),
        )
        if recipient.fallback_reason == LATE:
            line += _("outcome.may_get_both")
        return line
    if recipient.state in _OUTCOME_KEYS:
        line = _(_OUTCOME_KEYS[State(recipient.state)], phone=phone)
    elif recipient.state == State.REFUSED:
        line = _("outcome.refused", phone=phone, reason=_refusal(recipient))
    elif recipient.state == State.UNCONFIRMED:
        detail = escape(recipient.error_detail or _("outcome.no_answer"))
        line = _("outcome.unconfirmed", phone=phone, detail=detail)
    elif recipient.state == State.SKIPPED:
        line = _("outcome.skipped", phone=phone, detail=_state_words(recipient))
    else:
        line = f"{phone}: {_state_words(recipient)}"
    if any(r.fallback_for == recipient.id for r in everyone):
        line += _("outcome.sms_follows")
    return line


Part = tuple[str, list[dict[str, Any]]]  # a message: its text and its blocks


def outcome_replies(
    recipients: Sequence[Recipient],
    *,
    test_send: bool = False,
    everyone: Sequence[Recipient] = (),
) -> list[Part]:
    """The replies for every outcome that arrived together, in order, each within Slack's
    limits (blocks and their text): a few outcomes each offer "Customer asked to stop"; more
    are told in lines. Every recipient's line is in one of them, whole."""
    lines = [outcome_line(recipient, everyone) for recipient in recipients]
    details = [
        "" if recipient.is_sms else _detail(recipient).removeprefix(" · ")
        for recipient in recipients
    ]
    if len(recipients) <= OPT_OUT_BUTTONS:
        units = []
        for line, detail, recipient in zip(lines, details, recipients, strict=True):
            unit = [{**section(line), "accessory": opt_out_button(recipient)}]
            if detail:  # the network and the price, under the line they belong to
                unit.append(context(detail))
            units.append(unit)
        groups = _packed(units)
    else:
        lines = [f"{line} · {d}" if d else line for line, d in zip(lines, details, strict=True)]
        groups = [
            ([section(chunk) for chunk in chunks([b["text"]["text"] for b in blocks])], count)
            for blocks, count in _packed([[section(line)] for line in lines])
        ]
    note = [context(_("test_note"))] if test_send else []
    one = len(recipients) == 1
    return [
        (lines[0] if one else _("outcome.many", count=count), blocks + note)
        for blocks, count in groups
    ]


def _packed(units: Sequence[list[dict[str, Any]]]) -> list[tuple[list[dict[str, Any]], int]]:
    """Units of blocks (each kept whole) gathered in order into messages within Slack's
    limits, room kept for the test-send note; each with how many units it holds."""
    groups: list[tuple[list[dict[str, Any]], int]] = []
    current: list[dict[str, Any]] = []
    used = count = 0
    for unit in units:
        cost = blocks_text(unit) + len(unit)  # a line break between sections when joined
        full = len(current) + len(unit) > MESSAGE_BLOCKS - 1
        if current and (full or used + cost > MESSAGE_BLOCKS_TEXT - _TEXT_ROOM):
            groups.append((current, count))
            current, used, count = [], 0, 0
        current, used, count = current + unit, used + cost, count + 1
    if current:
        groups.append((current, count))
    return groups
