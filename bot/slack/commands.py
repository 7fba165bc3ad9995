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
from bot.esms import codes
from bot.esms.client import EsmsError, EsmsRefused
from bot.i18n import _, plural
from bot.runtime import Services
from bot.slack import templates
from bot.slack.blocks import ComposerContext, escape, help_text, lookup_text, send_summary
from bot.slack.compose import open_composer
from bot.slack.sending import Origin, accept_draft

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.command("/viber")
    def viber(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        request = parse_command(command.get("text", ""))
        if isinstance(request, OpenComposer):
            ack()
            context = ComposerContext(command["channel_id"], command.get("response_url"))
            problem = open_composer(services, client, command["trigger_id"], context)
            if problem:
                respond(_("cmd.no_composer", code=problem))
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
            ack(text=_("balance.asking"), response_type="ephemeral")
            services.lookups.submit(_balance, services, respond)
            return
        if isinstance(request, ShowHelp):
            prefix = _("cmd.unknown", word=request.unrecognised) if request.unrecognised else ""
            ack(text=prefix + help_text(), response_type="ephemeral")
            return
        assert isinstance(request, QuickSend)
        _quick_send(ack, command, request, services)


def _quick_send(ack: Ack, command: dict[str, Any], request: QuickSend, services: Services) -> None:
    if not request.text.strip():
        ack(text=_("cmd.no_text"), response_type="ephemeral")
        return
    draft = check_draft(request.recipients, ViberMessage.from_fields(text=request.text))
    if not draft.ok:
        problems = "\n".join(
            f"• {_(f'field.{field}')}: {problem}" for field, problem in draft.errors.items()
        )
        ack(text=_("cmd.nothing_sent", problems=problems), response_type="ephemeral")
        return
    origin = Origin(
        team_id=command.get("team_id", ""),
        channel_id=command["channel_id"],
        user_id=command["user_id"],
        response_url=command.get("response_url"),
    )
    accept_draft(services, draft, origin)
    count = len(draft.phones)
    if services.settings.esms_sandbox:
        key = "cmd.sending_test"
    elif services.settings.approval_required:
        key = "cmd.awaiting"
    else:
        key = "cmd.sending"
    ack(
        text=_(key, count=count, noun=plural(count, "number", "numbers")), response_type="ephemeral"
    )


STATUS_LIMIT = 5


def _look_up(
    request: StatusLookup | HistoryLookup, command: dict[str, Any], services: Services
) -> str:
    store = services.store
    if isinstance(request, HistoryLookup):
        sends = store.recent_sends(command["channel_id"], request.count)
        title, empty = _("lookup.history_title", count=len(sends)), _("lookup.history_empty")
    elif not request.query:
        return _("lookup.which")
    else:
        phone = normalize_phone(request.query)
        if phone:
            sends = store.sends_to_phone(phone, STATUS_LIMIT)
            title, empty = (
                _("lookup.phone_title", phone=phone),
                _("lookup.phone_empty", phone=phone),
            )
        else:
            found = store.send_with_sms_id(request.query.strip())
            sends = [found] if found else []
            title = _("lookup.smsid_title", sms_id=escape(request.query.strip()[:64]))
            empty = _("lookup.smsid_empty")
    lines = [send_summary(send, store.recipients(send.id)) for send in sends]
    return lookup_text(title, lines, empty)


def _balance(services: Services, respond: Respond) -> None:
    try:
        balance = services.esms.balance()
    except EsmsRefused as refusal:
        problem = codes.describe(refusal.code, refusal.error_message)
    except EsmsError as error:
        problem = str(error)
    else:
        text = _("balance.value", amount=format_vnd(balance))
        low = services.settings.esms_low_balance
        if low is not None and balance < low:
            text += _("balance.low", amount=format_vnd(low))
        respond(text=text, response_type="ephemeral", replace_original=True)
        return
    respond(
        text=_("balance.failed", error=problem), response_type="ephemeral", replace_original=True
    )
