"""The app's Home tab: each person's latest sends and the command's short help."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.binding import bind
from bot.slack.blocks.home import home_view
from bot.slack.blocks.lookup import send_summary
from bot.store import Store

log = logging.getLogger(__name__)

HOME_SENDS = 10


def register(app: App, store: Store) -> None:
    app.event("app_home_opened")(bind(home_opened, store))


def home_opened(store: Store, event: dict[str, Any], client: WebClient) -> None:
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    user_id = str(event["user"])
    lines = [
        send_summary(send, store.sends.recipients(send.id))
        for send in store.sends.by_user(user_id, HOME_SENDS)
    ]
    try:
        client.views_publish(user_id=user_id, view=home_view(lines))
    except SlackApiError as error:
        log.warning("Home tab not published for %s: %s", user_id, error.response.get("error"))
