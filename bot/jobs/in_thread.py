"""A reply and a file in a send's thread, as a campaign's jobs post them."""

from __future__ import annotations

import logging
from typing import Any

from bot.core.i18n import _
from bot.core.model import Send
from bot.jobs.slack_calls import Refused, SlackCalls
from bot.posts.channels import join_channel

log = logging.getLogger(__name__)


def reply(slack: SlackCalls, send: Send, text: str) -> None:
    """A reply in the thread; refused for good, it is logged and left."""
    slack.call(
        "chat_postMessage",
        send_id=send.id,
        channel=send.channel_id,
        thread_ts=send.reply_ts,
        text=text,
        unfurl_links=False,
        unfurl_media=False,
    )


def share_file(
    slack: SlackCalls, send: Send, filename: str, content: bytes, title: str
) -> str | None:
    """Share a file in the send's thread, joining a public channel first if need be: its id, or
    None when Slack refused it, and then a private channel the app is not in is told how to
    invite it."""
    arguments: dict[str, Any] = {
        "channel": send.channel_id,
        "thread_ts": send.reply_ts,
        "file": content,
        "filename": filename,
        "title": title,
    }
    for attempt in range(2):
        answer = slack.answer("files_upload_v2", send_id=send.id, **arguments)
        if not isinstance(answer, Refused):
            return str((answer.get("file") or {}).get("id") or "") or None
        # Slack lets the app post in any public channel, but share a file only where it is a
        # member: joining is worth one more try.
        if (
            answer.code == "not_in_channel"
            and attempt == 0
            and join_channel(slack.client, send.channel_id)
        ):
            continue
        log.error("file not shared in %s: %s", send.channel_id, answer.code)
        reply(slack, send, _("camp.cannot_share", code=answer.code))
        return None
    return None
