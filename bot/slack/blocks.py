"""Block Kit builders: plain data in, Slack payloads out. No I/O here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.delivery import FINAL_STATES, State, summarize
from bot.core.i18n import _, plural
from bot.core.message import MAX_LABEL, MAX_TEXT, ViberMessage, allowed_shapes
from bot.core.model import Approval, Recipient, Send, ThreadState
from bot.core.phones import MAX_RECIPIENTS
from bot.esms import codes
from bot.esms.client import VIETNAM

COMPOSER_CALLBACK_ID = "viber_compose"
REJECT_CALLBACK_ID = "viber_reject"
APPROVE_ACTION = "approve_send"
REJECT_ACTION = "reject_send"
CANCEL_ACTION = "cancel_send"
FIELD_BLOCKS = (
    "recipients", "text", "image_url", "button_label", "button_url", "send_at", "brandname", "test_send",
)  # fmt: skip
PICK_TEMPLATE_ACTION = "pick_template"
INPUT_ACTION_ID = "value"
_SECTION_LIMIT = 2900  # Slack allows 3,000 characters per section text


def help_text() -> str:
    return _("help", limit=MAX_RECIPIENTS, shapes=allowed_shapes())


def escape(text: str) -> str:
    """Slack's mrkdwn needs &, < and > escaped so user text cannot forge mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class ComposerContext:
    """What the modal carries from the command (or shortcut) to its submission."""

    channel_id: str
    response_url: str | None = None
    thread_ts: str | None = None  # set when started from a message: updates go to its thread
    version: int = 0  # bumped when a template refills the form (see `field_block_id`)

    def dump(self) -> str:
        data = {
            "c": self.channel_id,
            "r": self.response_url,
            "t": self.thread_ts,
            "v": self.version,
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str) -> ComposerContext | None:
        try:
            data = json.loads(raw or "")
            channel = data["c"]
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(channel, str) or not channel:
            return None

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        version = data.get("v")
        return cls(
            channel_id=channel,
            response_url=text("r"),
            thread_ts=text("t"),
            version=version if isinstance(version, int) and 0 <= version < 10_000 else 0,
        )


@dataclass(frozen=True)
class ComposerOptions:
    """What the composer offers, from the configuration and the stored templates."""

    brandnames: Sequence[str]
    test_mode: bool = False  # ESMS_SANDBOX: every send is a test send
    allow_test_sends: bool = False
    templates: Sequence[str] = ()


def field_block_id(field: str, version: int) -> str:
    """Slack keeps what a person typed in an input whose block_id stays the same, so a form
    refilled from a template gets new block ids."""
    return field if version == 0 else f"{field}~{version}"


def field_of(block_id: str) -> str:
    return block_id.split("~", 1)[0]


def _input(
    block_id: str, label: str, *, placeholder: str, hint: str | None = None,
    multiline: bool = False, optional: bool = True, max_length: int | None = None,
    initial: str = "",
) -> dict[str, Any]:  # fmt: skip
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION_ID,
        "multiline": multiline,
        "placeholder": {"type": "plain_text", "text": placeholder},
    }
    if max_length:
        element["max_length"] = max_length
    if initial:
        element["initial_value"] = initial
    return _input_block(block_id, label, element, optional=optional, hint=hint)


def _input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = True,
    hint: str | None = None,
) -> dict[str, Any]:
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


def _option(value: str, text: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text[:75]}, "value": value[:150]}


def composer_view(
    context: ComposerContext,
    options: ComposerOptions,
    *,
    recipients: str = "",
    prefill: ViberMessage | None = None,
) -> dict[str, Any]:
    message = prefill or ViberMessage()

    def block_id(field: str) -> str:
        return field_block_id(field, context.version)

    blocks: list[dict[str, Any]] = []
    if options.templates:
        blocks.append({
            "type": "actions",
            "block_id": "templates",
            "elements": [{
                "type": "static_select",
                "action_id": PICK_TEMPLATE_ACTION,
                "placeholder": {"type": "plain_text", "text": _("composer.template")},
                "options": [_option(name, name) for name in list(options.templates)[:100]],
            }],
        })  # fmt: skip
    blocks += [
        _input(
            block_id("recipients"), _("composer.recipients"), placeholder="0901234567, 0912 345 678",
            hint=_("composer.recipients_hint", limit=MAX_RECIPIENTS),
            multiline=True, optional=False, initial=recipients,
        ),
        _input(block_id("text"), _("composer.text"), placeholder="Xin chào …", multiline=True,
               max_length=MAX_TEXT, initial=message.text),
        _input(block_id("image_url"), _("composer.image_url"), placeholder="https://example.com/banner.png",
               hint=_("composer.image_hint"), initial=message.image_url),
        _input(block_id("button_label"), _("composer.button_label"), placeholder="Xem ngay", max_length=MAX_LABEL,
               initial=message.button_label),
        _input(block_id("button_url"), _("composer.button_url"), placeholder="https://example.com/offer",
               initial=message.button_url),
        _input_block(block_id("send_at"), _("composer.send_at"),
                     {"type": "datetimepicker", "action_id": INPUT_ACTION_ID},
                     hint=_("composer.send_at_hint")),
    ]  # fmt: skip
    if len(options.brandnames) > 1:
        choices = [_option(name, name) for name in options.brandnames]
        element = {"type": "static_select", "action_id": INPUT_ACTION_ID, "options": choices,
                   "initial_option": choices[0]}  # fmt: skip
        blocks.append(
            _input_block(block_id("brandname"), _("composer.brandname"), element, optional=False)
        )
    if options.allow_test_sends and not options.test_mode:
        choice = _option("yes", _("composer.test_option"))
        element = {"type": "checkboxes", "action_id": INPUT_ACTION_ID, "options": [choice]}
        blocks.append(_input_block(block_id("test_send"), _("composer.test"), element))
    note = _("composer.note", shapes=allowed_shapes())
    if len(options.brandnames) == 1:
        note += _("composer.sent_as", brandname=escape(options.brandnames[0]))
    if options.test_mode:
        note += _("composer.test_mode")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return {
        "type": "modal",
        "callback_id": COMPOSER_CALLBACK_ID,
        "private_metadata": context.dump(),
        "title": {"type": "plain_text", "text": _("composer.title")},
        "submit": {"type": "plain_text", "text": _("composer.submit")},
        "close": {"type": "plain_text", "text": _("composer.close")},
        "blocks": blocks,
    }


def submitted_values(state_values: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The composer's fields out of `view.state.values` (absent or odd values become ''),
    and the block id each field has in this view (for errors keyed to it)."""
    values = dict.fromkeys(FIELD_BLOCKS, "")
    block_ids = {field: field for field in FIELD_BLOCKS}
    if not isinstance(state_values, dict):
        return values, block_ids
    for block_id, block in state_values.items():
        field = field_of(str(block_id))
        element = block.get(INPUT_ACTION_ID) if isinstance(block, dict) else None
        if field not in values or not isinstance(element, dict):
            continue
        block_ids[field] = str(block_id)
        values[field] = _element_value(element)
    return values, block_ids


def _element_value(element: dict[str, Any]) -> str:
    if isinstance(element.get("value"), str):
        return element["value"]
    selected = element.get("selected_option")
    if isinstance(selected, dict) and isinstance(selected.get("value"), str):
        return selected["value"]
    many = element.get("selected_options")
    if isinstance(many, list):
        return ",".join(
            o["value"] for o in many if isinstance(o, dict) and isinstance(o.get("value"), str)
        )
    moment = element.get("selected_date_time")
    if isinstance(moment, int) and not isinstance(moment, bool):
        return str(moment)
    return ""


# -- the thread parent -------------------------------------------------------------------------

_STATE_ORDER = [
    State.DELIVERED, State.FAILED, State.REJECTED, State.REFUSED, State.CANCELLED, State.UNAVAILABLE,
    State.UNCONFIRMED, State.ESMS_REVIEW, State.SENT, State.SENDING, State.WAITING, State.OTHER,
    State.ACCEPTED, State.QUEUED,
]  # fmt: skip


def vietnam_time(epoch: float) -> str:
    """The default time zone (Asia/Ho_Chi_Minh, GMT+7, no daylight saving)."""
    return datetime.fromtimestamp(epoch, VIETNAM).strftime("%Y-%m-%d %H:%M (GMT+7)")


def slack_time(epoch: float) -> str:
    """A time every reader sees in their own Slack time zone (Vietnam time where Slack cannot)."""
    fallback = vietnam_time(epoch)
    return f"<!date^{int(epoch)}^{{date_short_pretty}} {_('date_at')} {{time}}|{fallback}>"


def is_scheduled(send: Send, recipients: Sequence[Recipient]) -> bool:
    """Held for a later time, none of it handed to eSMS yet (so it can still be cancelled)."""
    return bool(send.scheduled_at) and all(r.state == State.QUEUED for r in recipients)


def mentions(approvers: Sequence[str]) -> str:
    return ", ".join(f"<!subteam^{a}>" if a.startswith("S") else f"<@{a}>" for a in approvers)


def decision_words(send: Send, *, plain: bool = False) -> str:
    """`approved by @x at 10:32`, `rejected by …`, `expired at …` (plain: for modal errors)."""
    if plain:
        when = f"{_('date_at')} {vietnam_time(send.decided_at or 0)}"
        who = _("decision.someone")
    else:
        when, who = slack_time(send.decided_at or 0), f"<@{send.decided_by}>"
    if send.approval == Approval.EXPIRED:
        return _("decision.expired", when=when)
    return _(f"decision.{send.approval}", who=who, when=when)


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
    return f"{icon} {_sentence_case(summary)}"


def _sentence_case(text: str) -> str:
    """Capitalise the first word unless it is a name with capitals of its own (eSMS)."""
    first_word = text.split(" ", 1)[0]
    return text if any(c.isupper() for c in first_word) else text[:1].upper() + text[1:]


def preview_lines(message: ViberMessage) -> list[str]:
    lines = []
    if message.text:
        lines.append(
            "\n".join(f"> {escape(line)}" if line else ">" for line in message.text.split("\n"))
        )
    if message.image_url:
        lines.append(_("preview.image", url=_link_target(message.image_url)))
    if message.button_label:
        label, url = escape(message.button_label), _link_target(message.button_url)
        lines.append(_("preview.button", label=label, url=url))
    return lines


def _link_target(url: str) -> str:
    """In `<url>` a `|` starts a label: one stored before links were checked stays part of it."""
    return escape(url).replace("|", "%7C")


def _send_blocks(send: Send, headline: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [_section(headline)]
    if send.test_send:
        blocks.append(_context(_("test_note")))
    blocks.extend(_section(part) for part in _chunks(preview_lines(send.message)))
    return blocks


def parent_message(
    send: Send, recipients: Sequence[Recipient], approvers: Sequence[str] = ()
) -> tuple[str, list[dict[str, Any]]]:
    """Text fallback and blocks of the message that heads a send's thread."""
    phones = ", ".join(recipient.phone for recipient in recipients)
    headline = _("parent.headline", user=send.user_id, phones=escape(phones))
    status = status_line(send, recipients, approvers)
    blocks = _send_blocks(send, headline)
    blocks.append(_section(_("parent.status", status=status)))
    if send.awaiting_approval and not send.approval_channel:
        if send.thread_note:  # why the buttons are here and not in the approval channel
            blocks.append(_context(f"⚠️ {send.thread_note}"))
        blocks.append(approval_buttons(send, len(recipients)))
    elif (
        is_scheduled(send, recipients)
        and not send.cancelled_at
        and send.thread_state != ThreadState.NOT_POSTED
    ):
        blocks.append(cancel_button(send))
    footer = _("parent.footer", brandname=escape(send.brandname), send_id=send.id)
    if send.approval == Approval.APPROVED:
        footer = f"✔️ {_sentence_case(decision_words(send))} · {footer}"
    blocks.append(_context(footer))
    fallback = _("parent.fallback", user=send.user_id, count=len(recipients), status=status)
    return fallback, blocks


# -- approvals ---------------------------------------------------------------------------------


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


def approval_request(
    send: Send, recipients: Sequence[Recipient], approvers: Sequence[str]
) -> tuple[str, list[dict[str, Any]]]:
    """The request posted in APPROVAL_CHANNEL, with the buttons while it is pending."""
    phones = ", ".join(recipient.phone for recipient in recipients)
    headline = _(
        "approval.headline", user=send.user_id, phones=escape(phones), channel=send.channel_id
    )
    blocks = _send_blocks(send, headline)
    if send.awaiting_approval:
        expiry = slack_time(send.approval_expires_at or 0)
        blocks.append(_section(_("approval.ask", approvers=mentions(approvers), expiry=expiry)))
        blocks.append(approval_buttons(send, len(recipients)))
    else:
        blocks.append(_section(_("approval.decision", decision=decision_words(send))))
    return _("approval.fallback", user=send.user_id), blocks


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


def already_decided(send: Send, *, plain: bool = False) -> str:
    return _("already_decided", decision=decision_words(send, plain=plain))


def reject_view(send_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REJECT_CALLBACK_ID,
        "private_metadata": send_id,
        "title": {"type": "plain_text", "text": _("reject.title")},
        "submit": {"type": "plain_text", "text": _("reject.submit")},
        "close": {"type": "plain_text", "text": _("composer.close")},
        "blocks": [
            _input("reason", _("reject.reason"), placeholder=_("reject.placeholder"),
                   multiline=True, max_length=500),
        ],
    }  # fmt: skip


# -- look-ups ----------------------------------------------------------------------------------


def thread_link(send: Send) -> str:
    if not send.parent_ts:
        return _("lookup.no_thread")
    link = f"https://slack.com/archives/{send.channel_id}/p{send.parent_ts.replace('.', '')}"
    return f"<{link}|{_('lookup.thread')}>"


def send_summary(send: Send, recipients: Sequence[Recipient]) -> str:
    """One look-up line, short enough for a phone screen."""
    phones = ", ".join(recipient.phone for recipient in recipients[:3])
    if len(recipients) > 3:
        phones += f" +{len(recipients) - 3}"
    when = slack_time(send.created_at)
    return (
        f"• {when} · <@{send.user_id}> → {escape(phones)}\n"
        f"   {status_line(send, recipients)} · {thread_link(send)}"
    )


def lookup_text(title: str, lines: Sequence[str], empty: str) -> str:
    return f"*{title}*\n" + ("\n".join(lines) if lines else empty)


def home_view(lines: Sequence[str]) -> dict[str, Any]:
    """The app's Home tab: the viewer's latest sends and the short help."""
    recent = "\n".join(lines) if lines else _("home.empty")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _("home.title")}},
        *[_section(chunk) for chunk in _chunks(recent.split("\n"))],
        {"type": "divider"},
        _section(help_text()),
    ]
    return {"type": "home", "blocks": blocks[:100]}


# -- thread replies ----------------------------------------------------------------------------

_OUTCOME_KEYS = {
    State.DELIVERED: "outcome.delivered",
    State.FAILED: "outcome.failed",
    State.REJECTED: "outcome.rejected",
    State.ESMS_REVIEW: "outcome.esms_review",
    State.UNAVAILABLE: "outcome.unavailable",
}


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
    blocks = [_section(chunk) for chunk in _chunks(lines)]
    if test_send:
        blocks.append(_context(_("test_note")))
    fallback = lines[0] if len(lines) == 1 else _("outcome.many", count=len(lines))
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
