"""`/viber`: open the composer, send straight away, or explain itself."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.command_text import (
    BalanceLookup,
    HistoryLookup,
    OpenComposer,
    QuickSend,
    ShowHelp,
    StatusLookup,
    TemplateCommand,
    parse_command,
)
from bot.core.draft import check_draft
from bot.core.formatting import format_vnd
from bot.core.message import ViberMessage
from bot.core.phones import normalize_phone
from bot.esms.client import EsmsError
from bot.runtime import Services
from bot.slack import templates
from bot.slack.blocks import HELP_TEXT, ComposerContext, escape, lookup_text, send_summary
from bot.slack.compose import open_composer
from bot.slack.sending import Origin, accept_draft

log = logging.getLogger(__name__)

_FIELD_NAMES = {
    "recipients": "Numbers",
    "text": "Text",
    "image_url": "Image",
    "button_label": "Button",
    "button_url": "Button link",
}


def register(app: App, services: Services) -> None:
    @app.command("/viber")
    def viber(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        request = parse_command(command.get("text", ""))
        if isinstance(request, OpenComposer):
            ack()
            context = ComposerContext(command["channel_id"], command.get("response_url"))
            problem = open_composer(services, client, command["trigger_id"], context)
            if problem:
                respond(f"Sorry, Slack did not open the composer ({problem}). Run `/viber` again.")
            return
        if isinstance(request, TemplateCommand):
            ack(
                text=templates.answer(services, request, command["user_id"]),
                response_type="ephemeral",
            )
            return
        if isinstance(request, StatusLookup | HistoryLookup):
            ack(text=_look_up(request, command, services), response_type="ephemeral")
            return
        if isinstance(request, BalanceLookup):
            ack(text="Asking eSMS for the balance…", response_type="ephemeral")
            services.lookups.submit(_balance, services, respond)
            return
        if isinstance(request, ShowHelp):
            prefix = f"I don't know `{request.unrecognised}`.\n" if request.unrecognised else ""
            ack(text=prefix + HELP_TEXT, response_type="ephemeral")
            return
        assert isinstance(request, QuickSend)
        _quick_send(ack, command, request, services)


def _quick_send(ack: Ack, command: dict[str, Any], request: QuickSend, services: Services) -> None:
    if not request.text.strip():
        ack(
            text="Add the message after the numbers: `/viber 0901234567 Xin chào!`",
            response_type="ephemeral",
        )
        return
    draft = check_draft(request.recipients, ViberMessage.from_fields(text=request.text))
    if not draft.ok:
        problems = "\n".join(
            f"• {_FIELD_NAMES[field]}: {problem}" for field, problem in draft.errors.items()
        )
        ack(text=f"Nothing was sent.\n{problems}\nSee `/viber help`.", response_type="ephemeral")
        return
    origin = Origin(
        team_id=command.get("team_id", ""),
        channel_id=command["channel_id"],
        user_id=command["user_id"],
        response_url=command.get("response_url"),
    )
    accept_draft(services, draft, origin)
    count = len(draft.phones)
    noun = "number" if count == 1 else "numbers"
    if services.settings.esms_sandbox:
        reply = f"Test send to {count} {noun} (eSMS sandbox: no customer receives it); follow it in the thread here."
    elif services.settings.approval_required:
        reply = (
            f"Your message to {count} {noun} waits for an approver; follow it in the thread here."
        )
    else:
        reply = f"Sending to {count} {noun}; follow it in the thread here."
    ack(text=reply, response_type="ephemeral")


STATUS_LIMIT = 5


def _look_up(
    request: StatusLookup | HistoryLookup, command: dict[str, Any], services: Services
) -> str:
    store = services.store
    if isinstance(request, HistoryLookup):
        sends = store.recent_sends(command["channel_id"], request.count)
        title = (
            f"Last {len(sends)} Viber {'send' if len(sends) == 1 else 'sends'} from this channel"
        )
        empty = "No Viber message was sent from this channel yet."
    elif not request.query:
        return "Which number or SMSID? `/viber status 0901234567`"
    else:
        phone = normalize_phone(request.query)
        if phone:
            sends = store.sends_to_phone(phone, STATUS_LIMIT)
            title, empty = f"Latest sends to {phone}", f"Nothing was sent to {phone} yet."
        else:
            found = store.send_with_sms_id(request.query.strip())
            sends = [found] if found else []
            title = f"Send with SMSID {escape(request.query.strip()[:64])}"
            empty = "No send has that SMSID, and it is not a Vietnamese mobile number."
    lines = [send_summary(send, store.recipients(send.id)) for send in sends]
    return lookup_text(title, lines, empty)


def _balance(services: Services, respond: Respond) -> None:
    try:
        balance = services.esms.balance()
    except EsmsError as error:
        respond(
            text=f"Couldn't read the balance: {error}",
            response_type="ephemeral",
            replace_original=True,
        )
        return
    text = f"eSMS balance: *{format_vnd(balance)}*"
    low = services.settings.esms_low_balance
    if low is not None and balance < low:
        text += (
            f"\n⚠️ Below the warning level of {format_vnd(low)}: top up soon so sends don't fail."
        )
    respond(text=text, response_type="ephemeral", replace_original=True)
