"""The app's Home tab: each person's latest sends, the team's week and the eSMS balance
(`bot/slack/dashboard.py`: never waiting on eSMS), and the command's short help."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.posts.home import home_view, team_figures
from bot.posts.lookup import send_summary
from bot.slack.binding import bind
from bot.slack.dashboard import Balance, BalanceCache, week_tally
from bot.slack.people import PeopleList
from bot.store import Store

log = logging.getLogger(__name__)

HOME_SENDS = 10


@dataclass(frozen=True)
class HomeNeeds:
    """What the Home tab reads."""

    store: Store  # the viewer's sends, the team's week
    balances: BalanceCache  # the eSMS balance, never waited on
    allowed_users: PeopleList | None  # None when ALLOWED_USERS is unset: everyone is a member


def register(app: App, needs: HomeNeeds) -> None:
    app.event("app_home_opened")(bind(home_opened, needs))


def home_opened(needs: HomeNeeds, event: dict[str, Any], client: WebClient) -> None:
    """The viewer's Home tab; the team's figures and the balance only for those who may use
    the app (ALLOWED_USERS, when set), as `/viber chart` and `/viber balance` are."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    user_id = str(event["user"])
    store, allowed_users = needs.store, needs.allowed_users
    lines = [
        send_summary(send, store.sends.recipients(send.id))
        for send in store.sends.by_user(user_id, HOME_SENDS)
    ]
    member = allowed_users is None or allowed_users.contains(user_id, fresh=False) is True
    week = week_tally(store) if member else None

    def publish(balance: Balance) -> None:
        team = None
        if week is not None:
            team = team_figures(week, balance.amount, balance.read_at, balance.problem)
        try:
            client.views_publish(user_id=user_id, view=home_view(lines, team))
        except SlackApiError as error:
            log.warning("Home tab not published for %s: %s", user_id, error.response.get("error"))

    shown = needs.balances.current()
    publish(shown)
    if member:  # after the first view: a quick answer must not be overtaken
        needs.balances.refresh_if_stale(publish, shown)
