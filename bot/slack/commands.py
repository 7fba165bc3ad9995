"""`/viber`: open the composer, send straight away, or explain itself."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.config import Settings
from bot.core.chart_period import ChartCommand
from bot.core.command_text import (
    BalanceLookup,
    CampaignCommand,
    ExportCommand,
    HistoryLookup,
    OpenComposer,
    OptOutCommand,
    QuickSend,
    ShowHelp,
    StatusLookup,
    TemplateCommand,
    parse_command,
)
from bot.core.formatting import format_vnd
from bot.core.i18n import _, plural
from bot.core.message import ViberMessage
from bot.core.model import Approval
from bot.core.phones import normalize_phone
from bot.core.sms_text import fallback_text
from bot.esms import codes
from bot.esms.client import EsmsClient, EsmsError, EsmsRefused
from bot.intake import Draft, Intake, Refused, Surface
from bot.posts.common import escape, help_text
from bot.posts.composer import ComposerContext
from bot.posts.lookup import approval_trail, lookup_text, send_summary
from bot.slack import campaigns, charts, exports, optouts, templates
from bot.slack.binding import bind
from bot.slack.compose import open_composer
from bot.slack.people import People, PeopleList
from bot.slack.sms_choice import SmsTemplates, template_warning
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandNeeds:
    """What `/viber` uses."""

    settings: Settings
    store: Store
    esms: EsmsClient  # for the balance only
    # Answers that need eSMS are computed here, never on Slack's listener threads.
    lookups: Executor
    template_admins: PeopleList | None  # None: TEMPLATE_ADMINS is not set
    optout_admins: PeopleList | None  # None: OPTOUT_ADMINS (and TEMPLATE_ADMINS) unset
    sms: SmsTemplates  # the SMS fallback's registered templates, for the composer
    intake: Intake  # every quick send goes through it
    people: People | None = None  # the configured lists: REPORT_ADMINS, APPROVERS (trails)


def register(app: App, needs: CommandNeeds) -> None:
    app.command("/viber")(bind(viber, needs))


def viber(
    needs: CommandNeeds, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    request = parse_command(command.get("text", ""))
    if isinstance(request, OpenComposer):
        ack()
        context = ComposerContext(command["channel_id"], command.get("response_url"))
        problem = open_composer(
            needs.settings, needs.store, needs.sms, client, command["trigger_id"], context
        )
        if problem:
            respond(_("cmd.no_composer", code=escape(problem)))
        return
    if isinstance(request, TemplateCommand):
        text = templates.answer(needs.store, needs.template_admins, request, command["user_id"])
        ack(text=text, response_type="ephemeral")
        return
    if isinstance(request, CampaignCommand):
        _campaign(needs, ack, request, command, client, respond)
        return
    if isinstance(request, OptOutCommand):
        text = optouts.answer(needs.store, needs.optout_admins, request, command["user_id"])
        ack(text=text, response_type="ephemeral")
        return
    if isinstance(request, ExportCommand):
        export_args = (needs.settings, needs.store, needs.people, needs.lookups, request, command)
        exports.answer(*export_args, ack, respond, client)
        return
    if isinstance(request, ChartCommand):
        chart_args = (needs.settings, needs.store, needs.people, needs.lookups, request, command)
        charts.answer(*chart_args, ack, respond, client)
        return
    if isinstance(request, StatusLookup | HistoryLookup):
        ack(text=_look_up(needs, request, command), response_type="ephemeral")
        return
    if isinstance(request, BalanceLookup):
        ack(text=_("balance.asking"), response_type="ephemeral")
        needs.lookups.submit(_balance, needs.settings, needs.esms, respond)
        return
    if isinstance(request, ShowHelp):
        word = request.unrecognised
        prefix = _("cmd.unknown", word=_code(word)) if word else ""
        ack(text=prefix + help_text(), response_type="ephemeral")
        return
    assert isinstance(request, QuickSend)
    _quick_send(needs, ack, command, request)


def _campaign(
    needs: CommandNeeds,
    ack: Ack,
    request: CampaignCommand,
    command: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    if request.action == "results":
        text = campaigns.results_command(
            needs.store, request.send_id, command["user_id"], command["channel_id"]
        )
        ack(text=text, response_type="ephemeral")
        return
    if request.action == "help":
        ack(text=_("camp.usage"), response_type="ephemeral")
        return
    ack()
    problem = campaigns.open_modal(
        needs.settings, needs.store, client, command["trigger_id"], command["channel_id"]
    )
    if problem:
        respond(_("cmd.no_composer", code=escape(problem)))


def _code(word: str) -> str:
    """What the person typed, shown inside `…`: no markup, and no backtick to end the span."""
    return escape(word.replace("`", "'"))


def _quick_send(needs: CommandNeeds, ack: Ack, command: dict[str, Any], request: QuickSend) -> None:
    settings = needs.settings
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
    if settings.esms_sandbox:
        key = "cmd.sending_test"
    elif settings.approval_required:
        key = "cmd.awaiting"
    else:
        key = "cmd.sending"
    text = _(key, count=count, noun=plural(count, "number", "numbers"))
    outreach = settings.outreach
    if outreach.sms_fallback and outreach.sms_available:  # no composer here to warn in
        sms = fallback_text(outcome.message, ascii_only=outreach.sms_ascii)
        if warning := template_warning(sms, outreach, needs.sms.get()):
            text += _("cmd.sms_unchecked", warning=warning)
    ack(text=text, response_type="ephemeral")


STATUS_LIMIT = 5


def _look_up(
    needs: CommandNeeds, request: StatusLookup | HistoryLookup, command: dict[str, Any]
) -> str:
    store = needs.store
    # Full lines only for the asker's own sends and this channel's (Slack lets only members
    # use a command in a channel); any other send, perhaps in a private channel, is counted.
    asker = {"user_id": command["user_id"], "channel_id": command["channel_id"]}
    if isinstance(request, HistoryLookup):
        # This channel's sends only, whoever sent them.
        sends, elsewhere = store.sends.recent(command["channel_id"], request.count), 0
        title, empty = _("lookup.history_title", count=len(sends)), _("lookup.history_empty")
    elif not request.query:
        return _("lookup.which")
    else:
        phone = normalize_phone(request.query)
        if phone:
            sends, elsewhere = store.sends.to_phone(phone, STATUS_LIMIT, **asker)
            title, empty = (
                _("lookup.phone_title", phone=phone),
                _("lookup.phone_empty", phone=phone),
            )
        else:
            sends, elsewhere = store.sends.with_sms_id(request.query.strip(), **asker)
            title = _("lookup.smsid_title", sms_id=escape(request.query.strip()[:64]))
            empty = _("lookup.smsid_empty")
    lines = [send_summary(send, store.sends.recipients(send.id)) for send in sends]
    # Approvers also read each approval's trail (approval_events) under its send.
    approvals = isinstance(request, StatusLookup) and any(
        s.approval != Approval.NONE for s in sends
    )
    if approvals and exports.is_approver(needs.settings, needs.people, command["user_id"]):
        for index, send in enumerate(sends):
            if trail := approval_trail(send, store.approvals.events(send.id)):
                lines[index] += "\n" + trail
    if elsewhere:
        noun = plural(elsewhere, "lookup.send_elsewhere", "lookup.sends_elsewhere")
        key = "lookup.elsewhere_more" if lines else "lookup.elsewhere_only"
        lines.append(_(key, count=elsewhere, noun=noun))
    return lookup_text(title, lines, empty)


def _balance(settings: Settings, esms: EsmsClient, respond: Respond) -> None:
    try:
        balance = esms.balance()
    except EsmsRefused as refusal:
        problem = codes.describe(refusal.code, refusal.error_message)
    except EsmsError as error:
        problem = str(error)
    else:
        text = _("balance.value", amount=format_vnd(balance))
        low = settings.esms_low_balance
        if low is not None and balance < low:
            text += _("balance.low", amount=format_vnd(low))
        respond(text=text, response_type="ephemeral", replace_original=True)
        return
    respond(
        text=_("balance.failed", error=escape(problem)),
        response_type="ephemeral",
        replace_original=True,
    )
