"""Joining a channel before sharing a file in it: Slack lets `chat:write.public` post a message
in any public channel, but a file only where the app is a member."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.posts.errors import slack_error

log = logging.getLogger(__name__)


def join_channel(client: WebClient, channel: str) -> bool:
    """Join `channel` (`channels:join`); False when Slack refuses, as for a private channel,
    which needs an invitation."""
    try:
        client.conversations_join(channel=channel)
        return True
    except SlackApiError as error:
        log.warning("could not join %s: %s", channel, slack_error(error))
        return False
