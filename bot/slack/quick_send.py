"""`/viber NUMBERS TEXT`: a care message sent straight away, without the composer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack

from bot.core.command_text import QuickSend
from bot.core.i18n import _, plural
from bot.core.message import ViberMessage
from bot.core.sms_text import fallback_text
from bot.intake import Draft, Intake, Refused, Surface
from bot.posts.common import escape
from bot.slack.sms_choice import SmsFallback, SmsTemplates, template_warning


@dataclass(frozen=True)
class QuickSendNeeds:
    """What a quick send reads."""

    intake: Intake  # every quick send goes through it
    sms_templates: SmsTemplates  # checked here, as there is no composer to warn in
    sms: SmsFallback
    test_mode: bool  # ESMS_SANDBOX: every send is a test send
    approval_required: bool  # APPROVAL_REQUIRED: the send waits for the approvers


def answer(needs: QuickSendNeeds, request: QuickSend, command: dict[str, Any], ack: Ack) -> None:
    if not request.text.strip():
        ack(text=_("cmd.no_text"), response_type="ephemeral")
        return
    draft = Draft(
        surface=Surface.QUICK_SEND,
        team_id=command.get("team_id", ""),
        channel_id=command["channel_id"],
        user_id=command["user_id"],
        recipients=request.recipients,
        message=ViberMessage.from_fields(text=request.text),
        response_url=command.get("response_url"),
    )
    outcome = needs.intake.accept(draft)
    if isinstance(outcome, Refused):
        problems = escape(outcome.sentence())
        ack(text=_("cmd.nothing_sent", problems=problems), response_type="ephemeral")
        return
    count = len(outcome.phones)
    if needs.test_mode:
        key = "cmd.sending_test"
    elif needs.approval_required:
        key = "cmd.awaiting"
    else:
        key = "cmd.sending"
    text = _(key, count=count, noun=plural(count, "number", "numbers"))
    sms = needs.sms
    if sms.ticked and sms.available:  # no composer here to warn in
        sms_text = fallback_text(outcome.message, ascii_only=sms.ascii_only)
        if warning := template_warning(sms_text, sms, needs.sms_templates.get()):
            text += _("cmd.sms_unchecked", warning=warning)
    ack(text=text, response_type="ephemeral")
