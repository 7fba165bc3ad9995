"""`/viber chart [today|7d|30d|month|YYYY-MM] [all] [public]` (`/viber report` too, the older
word): a period's figures as a chart and a short summary, by direct message to the asker
(`conversations.open`: an ephemeral message cannot carry a file) or, with `public`, in the
channel.

The listener only checks and acknowledges; the figures are read, drawn and uploaded on the
look-ups executor, never on Slack's listener threads, and whatever goes wrong there is told
to the asker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypedDict

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.charts.draw import TOP_GROUPS, render_png
from bot.charts.gather import gather
from bot.core.chart import Figures
from bot.core.chart_period import ChartCommand, Period, period_bounds
from bot.core.i18n import _
from bot.posts.channels import join_channel
from bot.posts.chart import chart_summary
from bot.posts.common import escape
from bot.posts.errors import slack_error
from bot.slack.compose import display_names
from bot.slack.later import answer_later
from bot.slack.people import PeopleList
from bot.store import Store

log = logging.getLogger(__name__)

NAME_LOOKUPS = TOP_GROUPS + 4  # names for the chart's bars; the rest keep their IDs
_NOT_MEMBER = ("not_in_channel", "channel_not_found")


class _Upload(TypedDict):  # files_upload_v2's arguments, wherever the chart goes
    content: bytes
    filename: str
    title: str
    initial_comment: str


@dataclass(frozen=True)
class ChartNeeds:
    """What `/viber chart …` reads."""

    store: Store
    admins: PeopleList | None  # REPORT_ADMINS (TEMPLATE_ADMINS by default); None: unset
    lookups: Executor  # the chart is drawn and uploaded here, off Slack's listener threads


def answer(
    needs: ChartNeeds,
    request: ChartCommand,
    command: dict[str, Any],
    ack: Ack,
    respond: Respond,
    client: WebClient,
) -> None:
    """Refuse at once what can be refused; otherwise acknowledge and draw off this thread."""
    if request.problem:
        text = _(request.problem, detail=escape(request.detail), usage=_("chart.usage"))
        ack(text=text, response_type="ephemeral")
        return
    period = period_bounds(request.period, time.time())
    if period is None:
        ack(text=_("chart.future", detail=request.period), response_type="ephemeral")
        return
    if request.every_channel and request.public:  # private channels' figures, for all to see
        ack(text=_("chart.all_public"), response_type="ephemeral")
        return
    admins = None
    if request.every_channel:
        admins = needs.admins
        if admins is None:
            ack(text=_("chart.all_no_admins"), response_type="ephemeral")
            return
        if admins.contains(command["user_id"], fresh=False) is False:
            ack(text=_("chart.all_not_admin"), response_type="ephemeral")
            return
    scope = _("chart.scope_all" if request.every_channel else "chart.scope_channel")
    key = "chart.preparing_public" if request.public else "chart.preparing_dm"
    ack(text=_(key, scope=scope, period=period.label), response_type="ephemeral")
    work = partial(_deliver, needs.store, admins, client, request, period, command)
    keys = {"slack_failed": "chart.slack_failed", "failed": "chart.failed"}
    needs.lookups.submit(answer_later, respond, command["user_id"], "chart", work, **keys)


def _deliver(
    store: Store,
    admins: PeopleList | None,
    client: WebClient,
    request: ChartCommand,
    period: Period,
    command: dict[str, Any],
) -> str:
    """What to tell the asker once the chart is where it was asked for (or why it is not)."""
    user, channel = command["user_id"], command["channel_id"]
    if admins is not None:  # read afresh: leaving a REPORT_ADMINS group takes the right at once
        allowed = admins.contains(user, fresh=True)
        if allowed is not True:
            return _("chart.cannot_check" if allowed is None else "chart.all_not_admin")
    figures = gather(store, period, None if request.every_channel else channel)
    if figures.empty:
        scope = _("chart.scope_all" if request.every_channel else "chart.scope_channel")
        if figures.test_sends:
            return _("chart.only_tests", scope=scope, period=period.label, count=figures.test_sends)
        return _("chart.empty", scope=scope, period=period.label)
    names = chart_names(client, figures)
    scope_name = _("chart.scope_all") if request.every_channel else names.get(channel, channel)
    picture = render_png(figures, period, scope_name, names)
    mention = _("chart.scope_all") if request.every_channel else f"<#{channel}>"
    upload: _Upload = {
        "content": picture,
        "filename": f"viber-chart-{period.days[0]}-{period.days[-1]}.png",
        "title": _("chart.file_title", period=period.label),
        # Posted in the channel, names rather than mentions: a chart pings nobody.
        "initial_comment": chart_summary(
            figures, mention, period.label, names if request.public else None
        ),
    }
    if not request.public:
        dm = client.conversations_open(users=user)["channel"]["id"]
        client.files_upload_v2(channel=dm, **upload)
        log.info("chart of %d sends sent to %s", figures.total.sends, user)
        return _("chart.sent_dm")
    try:
        client.files_upload_v2(channel=channel, **upload)
    except SlackApiError as error:
        if slack_error(error) not in _NOT_MEMBER:
            raise
        if not join_channel(client, channel):
            return _("chart.private_channel")
        client.files_upload_v2(channel=channel, **upload)
    log.info("chart of %d sends posted in %s", figures.total.sends, channel)
    return _("chart.sent_public")


def chart_names(client: WebClient, figures: Figures) -> dict[str, str]:
    """Readable names for the chart's largest groups: people's display names and `#channel`;
    whatever Slack does not answer keeps its ID."""
    names = display_names(client, list(_largest(figures.agents)))
    for channel_id in _largest(figures.channels):
        try:
            info = client.conversations_info(channel=channel_id).get("channel") or {}
        except Exception as error:
            log.info("conversations.info failed for the chart: %s", type(error).__name__)
            continue
        if info.get("name"):
            names[channel_id] = f"#{info['name']}"
    return names


def _largest(groups: dict[str, Any]) -> Iterable[str]:
    ranked = sorted(groups, key=lambda key: (-groups[key].recipients, key))
    return ranked[:NAME_LOOKUPS]
