"""The app's Home tab: each person's latest sends, the team's week and the eSMS balance
(`bot/slack/dashboard.py`: never waiting on eSMS), and the command's short help."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.binding import bind
from bot.slack.blocks.home import home_view, team_figures
from bot.slack.blocks.lookup import send_summary
from bot.slack.dashboard import Balance, BalanceCache, week_tally
from bot.store import Store

log = logging.getLogger(__name__)

HOME_SENDS = 10


def register(app: App, store: Store, balances: BalanceCache) -> None:
    app.event("app_home_opened")(bind(home_opened, store, balances))


def home_opened(
    store: Store, balances: BalanceCache, event: dict[str, Any], client: WebClient
) -> None:
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    user_id = str(event["user"])
    lines = [
        send_summary(send, store.sends.recipients(send.id))
        for send in store.sends.by_user(user_id, HOME_SENDS)
    ]
    week = week_tally(store)

    def publish(balance: Balance) -> None:
        team = team_figures(week, balance.amount, balance.read_at, balance.problem)
        try:
            client.views_publish(user_id=user_id, view=home_view(lines, team))
        except SlackApiError as error:
            log.warning("Home tab not published for %s: %s", user_id, error.response.get("error"))

    publish(balances.current())
    balances.refresh_if_stale(publish)  # after the first view: a quick answer must not be overtaken
