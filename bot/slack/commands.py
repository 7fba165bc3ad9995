"""`/viber`: open the composer, send straight away, or hand the words to the module that
answers them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.chart_period import ChartCommand
from bot.core.command_text import (
    BalanceLookup,
    CampaignCommand,
    ConsentCommand,
    ExportCommand,
    HistoryLookup,
    OpenComposer,
    OptOutCommand,
    PrivacyCommand,
    QuickSend,
    ShowHelp,
    StatusLookup,
    TemplateCommand,
    parse_command,
)
from bot.core.i18n import _
from bot.posts.common import escape, help_text
from bot.posts.composer import ComposerContext
from bot.slack import (
    campaigns,
    charts,
    compose,
    consents,
    exports,
    lookup,
    optouts,
    privacy,
    quick_send,
    templates,
)
from bot.slack.binding import bind
from bot.slack.campaigns import CampaignNeeds
from bot.slack.charts import ChartNeeds
from bot.slack.compose import ComposeNeeds
from bot.slack.consents import ConsentNeeds
from bot.slack.exports import ExportNeeds
from bot.slack.lookup import LookupNeeds
from bot.slack.optouts import OptOutNeeds
from bot.slack.privacy import PrivacyNeeds
from bot.slack.quick_send import QuickSendNeeds
from bot.slack.templates import TemplateNeeds


@dataclass(frozen=True)
class CommandNeeds:
    """What `/viber` reads: the needs of each module it hands a request to, nothing of its own."""

    composer: ComposeNeeds  # `/viber` alone opens the composer
    quick_send: QuickSendNeeds  # `/viber NUMBERS TEXT`
    lookup: LookupNeeds  # status, history, balance
    templates: TemplateNeeds
    optouts: OptOutNeeds
    consents: ConsentNeeds
    privacy: PrivacyNeeds
    campaigns: CampaignNeeds
    exports: ExportNeeds
    charts: ChartNeeds


def register(app: App, needs: CommandNeeds) -> None:
    app.command("/viber")(bind(viber, needs))


def viber(
    needs: CommandNeeds, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    request = parse_command(command.get("text", ""))
    if isinstance(request, OpenComposer):
        ack()
        context = ComposerContext(command["channel_id"], command.get("response_url"))
        problem = compose.open_composer(needs.composer, client, command["trigger_id"], context)
        if problem:
            respond(_("cmd.no_composer", code=escape(problem)))
        return
    if isinstance(request, TemplateCommand):
        text = templates.answer(needs.templates, request, command["user_id"])
        ack(text=text, response_type="ephemeral")
        return
    if isinstance(request, CampaignCommand):
        _campaign(needs.campaigns, ack, request, command, client, respond)
        return
    if isinstance(request, OptOutCommand):
        text = optouts.answer(needs.optouts, request, command["user_id"])
        ack(text=text, response_type="ephemeral")
        return
    if isinstance(request, ConsentCommand):
        text = consents.answer(needs.consents, request, command["user_id"])
        ack(text=text, response_type="ephemeral")
        return
    if isinstance(request, PrivacyCommand):
        privacy.answer(needs.privacy, request, command, ack, respond, client)
        return
    if isinstance(request, ExportCommand):
        exports.answer(needs.exports, request, command, ack, respond, client)
        return
    if isinstance(request, ChartCommand):
        charts.answer(needs.charts, request, command, ack, respond, client)
        return
    if isinstance(request, StatusLookup | HistoryLookup):
        ack(text=lookup.sends(needs.lookup, request, command), response_type="ephemeral")
        return
    if isinstance(request, BalanceLookup):
        ack(text=_("balance.asking"), response_type="ephemeral")
        needs.lookup.lookups.submit(lookup.balance, needs.lookup, respond)
        return
    if isinstance(request, ShowHelp):
        word = request.unrecognised
        prefix = _("cmd.unknown", word=_code(word)) if word else ""
        ack(text=prefix + help_text(), response_type="ephemeral")
        return
    assert isinstance(request, QuickSend)
    quick_send.answer(needs.quick_send, request, command, ack)


def _campaign(
    needs: CampaignNeeds,
    ack: Ack,
    request: CampaignCommand,
    command: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    if request.action == "results":
        text = campaigns.results_command(
            needs, request.send_id, command["user_id"], command["channel_id"]
        )
        ack(text=text, response_type="ephemeral")
        return
    if request.action == "help":
        ack(text=_("camp.usage"), response_type="ephemeral")
        return
    ack()
    problem = campaigns.open_modal(needs, client, command["trigger_id"], command["channel_id"])
    if problem:
        respond(_("cmd.no_composer", code=escape(problem)))


def _code(word: str) -> str:
    """What the person typed, shown inside `…`: no markup, and no backtick to end the span."""
    return escape(word.replace("`", "'"))
