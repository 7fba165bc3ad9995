"""A campaign in Slack: the modal that starts it, its thread parent (progress bar, counts,
Start / Pause / Resume / Cancel), the preview, and the milestone replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.formatting import format_vnd
from bot.core.i18n import _
from bot.core.message import MAX_LABEL, ViberMessage
from bot.core.model import Approval, Campaign, CampaignState, Category, Send
from bot.core.slack_limits import shorten
from bot.posts.approval import approval_buttons, decision_words
from bot.posts.common import (
    INPUT_ACTION_ID,
    chunks,
    context,
    escape,
    image_upload_blocks,
    input_block,
    option,
    preview_lines,
    section,
    slack_time,
    text_input,
)
from bot.posts.pickers import picker

CAMPAIGN_CALLBACK_ID = "viber_campaign"
START_ACTION, PAUSE_ACTION = "campaign_start", "campaign_pause"
RESUME_ACTION, STOP_ACTION = "campaign_resume", "campaign_cancel"
OPEN_ACTION = "campaign_open"  # the Home tab's button
SHOWN_INVALID = 10  # rows named in the preview; all of them are in the attached file
BAR_WIDTH = 20
_DONE = ("delivered", "failed", "rejected", "refused", "cancelled", "skipped", "unavailable")


def campaign_modal(
    metadata: str,
    templates: Sequence[str],
    *,
    sms_brandname: str | None,
    ask_channel: bool,
    image_upload: bool = False,
    image_max_side: int = 800,
) -> dict[str, Any]:
    """The modal; `ask_channel` when it was opened from the Home tab (no channel yet)."""
    upload = {
        "type": "file_input",
        "action_id": INPUT_ACTION_ID,
        "filetypes": ["csv"],
        "max_files": 1,
    }
    blocks: list[dict[str, Any]] = []
    if ask_channel:
        where = {
            "type": "conversations_select",
            "action_id": INPUT_ACTION_ID,
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        }
        blocks.append(input_block("channel", _("camp.channel"), where, optional=False))
    blocks += [
        input_block("file", _("camp.file"), upload, optional=False, hint=_("camp.file_hint")),
        text_input(
            "text",
            _("composer.text"),
            placeholder="Chào {ten}, đơn {ma_don} đã sẵn sàng",
            hint=_("camp.text_hint"),
            multiline=True,
        ),
        text_input("image_url", _("composer.image_url"), placeholder="https://…/banner.png"),
        *image_upload_blocks("image_file", can_upload=image_upload, max_side=image_max_side),
        text_input(
            "button_label", _("composer.button_label"), placeholder="Xem", max_length=MAX_LABEL
        ),
        text_input(
            "button_url",
            _("composer.button_url"),
            placeholder="https://shop.example/orders/{ma_don}",
            hint=_("camp.link_hint"),
        ),
    ]
    if templates:
        names = [(name, name) for name in templates]
        select = picker(INPUT_ACTION_ID, names, _("composer.template"))
        blocks.append(
            input_block("template", _("composer.template"), select, hint=_("camp.template_hint"))
        )
    kinds = [option(c, _(f"composer.category_{c}")) for c in (Category.CARE, Category.MARKETING)]
    # No kind chosen: the template's (care without one), so a marketing template stays one.
    kind = {"type": "static_select", "action_id": INPUT_ACTION_ID, "options": kinds}
    hint = _("camp.category_hint")
    blocks.append(input_block("category", _("composer.category"), kind, hint=hint))
    blocks.append(
        input_block(
            "send_at",
            _("composer.send_at"),
            {"type": "datetimepicker", "action_id": INPUT_ACTION_ID},
            hint=_("camp.send_at_hint"),
        )
    )
    if sms_brandname:
        box = option("yes", _("composer.sms_option", brandname=sms_brandname))
        element = {"type": "checkboxes", "action_id": INPUT_ACTION_ID, "options": [box]}
        blocks.append(input_block("sms_fallback", _("composer.sms"), element))
    blocks.append(context(_("camp.note")))
    return {
        "type": "modal",
        "callback_id": CAMPAIGN_CALLBACK_ID,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": _("camp.title")},
        "submit": {"type": "plain_text", "text": _("camp.submit")},
        "close": {"type": "plain_text", "text": _("composer.close")},
        "blocks": blocks,
    }


def progress_bar(done: int, total: int) -> str:
    filled = round(BAR_WIDTH * done / total) if total else 0
    return "█" * filled + "░" * (BAR_WIDTH - filled) + f" {done}/{total}"


def campaign_status(campaign: Campaign, counts: dict[str, int]) -> str:
    viber = {k: v for k, v in counts.items() if not k.startswith("sms:")}
    total = sum(viber.values())
    submitted = total - viber.get("queued", 0) - viber.get("skipped", 0)
    submitted -= viber.get("cancelled", 0)
    done = sum(viber.get(state, 0) for state in _DONE)
    failed = sum(viber.get(s, 0) for s in ("failed", "rejected", "refused", "unavailable"))
    sms = sum(v for k, v in counts.items() if k.startswith("sms:"))
    figures = _(
        "camp.figures",
        submitted=submitted,
        delivered=viber.get("delivered", 0),
        failed=failed,
        sms=sms,
        skipped=viber.get("skipped", 0),
    )
    return f"`{progress_bar(done, total)}`\n{figures}"


def campaign_parent(
    send: Send,
    campaign: Campaign,
    counts: dict[str, int],
    approvers: Sequence[str],
    *,
    approving: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """The thread parent; `approving`: the copy posted in APPROVAL_CHANNEL, with the buttons."""
    name = escape(campaign.file_name or "?")
    headline = _("camp.headline", user=send.user_id, file=name, state=_state_words(send, campaign))
    blocks: list[dict[str, Any]] = [section(headline)]
    blocks.extend(section(part) for part in chunks(preview_lines(send.message)))  # whole
    note = _(f"category.{send.category}")
    if send.scheduled_at and campaign.state == CampaignState.PREVIEW:
        note += " · " + _("camp.starts_at", when=slack_time(send.scheduled_at))
    blocks.append(context(note))
    if campaign.state not in (CampaignState.READING, CampaignState.UNREADABLE):
        blocks.append(section(campaign_status(campaign, counts)))
    if send.awaiting_approval and (approving or not send.approval_channel):
        blocks.append(approval_buttons(send, sum(counts.values())))
    elif buttons := _buttons(send, campaign):
        blocks.append({"type": "actions", "block_id": "campaign", "elements": buttons})
    footer = _("parent.footer", brandname=escape(send.brandname), send_id=send.id)
    if send.approval == Approval.APPROVED:
        footer = f"✔️ {decision_words(send)} · {footer}"
    blocks.append(context(footer))
    return _("camp.fallback", user=send.user_id, file=name), blocks


def _state_words(send: Send, campaign: Campaign) -> str:
    if send.awaiting_approval:
        return _("camp.state_awaiting")
    if campaign.state == CampaignState.PAUSED and campaign.pause_reason == "balance":
        return _("camp.state_paused_balance")
    if campaign.state == CampaignState.RUNNING and send.held_until:
        return _("camp.state_held", when=slack_time(send.held_until))
    return _(f"camp.state_{campaign.state}")


def _buttons(send: Send, campaign: Campaign) -> list[dict[str, Any]]:
    def button(action: str, key: str, style: str | None = None) -> dict[str, Any]:
        element = {
            "type": "button",
            "action_id": action,
            "text": {"type": "plain_text", "text": _(key)},
            "value": send.id,
        }
        if style:
            element["style"] = style
        return element

    stop = button(STOP_ACTION, "camp.cancel", "danger")
    stop["confirm"] = {
        "title": {"type": "plain_text", "text": _("camp.cancel_title")},
        "text": {"type": "mrkdwn", "text": _("camp.cancel_text")},
        "confirm": {"type": "plain_text", "text": _("camp.cancel_yes")},
        "deny": {"type": "plain_text", "text": _("confirm.cancel_no")},
    }
    if campaign.state == CampaignState.PREVIEW and send.approval != Approval.PENDING:
        return [button(START_ACTION, "camp.start", "primary"), stop]
    if campaign.state == CampaignState.RUNNING:
        return [button(PAUSE_ACTION, "camp.pause"), stop]
    if campaign.state == CampaignState.PAUSED:
        return [button(RESUME_ACTION, "camp.resume", "primary"), stop]
    return []


@dataclass(frozen=True)
class Skipped:
    """A campaign's valid rows that would not be sent, as things stand at its preview."""

    opted_out: int
    no_consent: int  # marketing without consent on record
    over_cap: int  # over the daily marketing cap now

    @property
    def for_good(self) -> int:
        """Those a later hour does not change (unless consent is recorded meanwhile)."""
        return self.opted_out + self.no_consent


def preview_reply(
    campaign: Campaign,
    valid: int,
    skipped: Skipped,
    samples: Sequence[tuple[str, ViberMessage]],
    price: float | None,
) -> str:
    """What the file holds and what would happen, before anything is sent."""
    lines = [
        _(
            "camp.preview",
            read=campaign.rows_read or 0,
            valid=valid,
            invalid=len(campaign.invalid),
            duplicates=campaign.duplicates or 0,
            to_send=max(valid - skipped.for_good, 0),
        )
    ]
    if skipped.for_good or skipped.over_cap:
        lines.append(
            _(
                "camp.preview_skipped",
                opted_out=skipped.opted_out,
                no_consent=skipped.no_consent,
                over_cap=skipped.over_cap,
            )
        )
    for number, reason in campaign.invalid[:SHOWN_INVALID]:
        # Within Slack's 4,000 for the whole reply: ten of these, three samples and the rest.
        lines.append(_("camp.invalid_row", row=number, reason=shorten(escape(reason), 200)))
    if len(campaign.invalid) > SHOWN_INVALID:
        lines.append(_("camp.invalid_more", count=len(campaign.invalid) - SHOWN_INVALID))
    for phone, message in samples:
        lines.append(f"> *{phone}*: " + shorten(escape(message.text or message.image_url), 300))
    to_send = valid - skipped.for_good
    if price is not None and to_send:
        lines.append(_("camp.cost", amount=format_vnd(price * to_send), count=to_send))
    else:
        lines.append(_("camp.cost_unknown"))
    lines.append(_("camp.preview_next"))
    return "\n".join(lines)


def milestone_text(send: Send, campaign: Campaign, counts: dict[str, int]) -> str | None:
    """The reply for a campaign's milestone (started, paused …), or None for no reply."""
    state = campaign.state
    if state == CampaignState.RUNNING and send.held_until:
        return _("camp.m_held", when=slack_time(send.held_until))
    if state == CampaignState.RUNNING:
        return _("camp.m_running", user=campaign.started_by or send.user_id)
    if state == CampaignState.PAUSED:
        key = "camp.m_paused_balance" if campaign.pause_reason == "balance" else "camp.m_paused"
        return _(key)
    if state == CampaignState.CANCELLED and campaign.pause_reason == "expired":
        return _("camp.m_expired")
    if state == CampaignState.CANCELLED:
        return _("camp.m_cancelled", user=send.cancelled_by or send.decided_by or send.user_id)
    if state == CampaignState.FINISHED:
        return _("camp.m_finished", status=campaign_status(campaign, counts))
    if state == CampaignState.UNREADABLE:
        return _("camp.m_unreadable", problem=escape(campaign.problem or ""))
    return None
