"""The conversations the page shows, read from the Slack stand-in: #support's messages, each
followed by its thread's replies, and the app's direct messages with the person on the page
(what the app uploads or posts in their `D…` conversation: a chart and its summary, an
export's CSV file), which Slack would show under *Direct messages* in the sidebar.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sandbox.demo.history import NAMES as PAST_AGENTS
from sandbox.demo.render import render_message
from sandbox.demo.world import CHANNEL_ID, CHANNEL_NAME, PEOPLE
from sandbox.standins.slack_api import Message, SlackApiStandIn

# Everyone and every channel a message may mention, as the page names them.
NAMES = {**PEOPLE, **PAST_AGENTS, CHANNEL_ID: CHANNEL_NAME}
NO_DMS = (
    '<div class="dm-empty">Nothing here yet: <code>/viber chart 30d</code> in #support '
    "sends its chart here, as <code>/viber export</code> sends its file.</div>"
)


def as_dict(message: Message) -> dict[str, Any]:
    """A stand-in's message in the shape `render_message` and the payloads take."""
    return {
        "ts": message.ts,
        "thread_ts": message.thread_ts,
        "text": message.text,
        "blocks": message.blocks,
        "channel": message.channel,
        "files": message.files,
    }


def render_conversation(
    slack: SlackApiStandIn, channels: Collection[str], names: Mapping[str, str] = NAMES
) -> tuple[str, int]:
    """The messages in `channels`, oldest first, each thread's replies under their parent, as
    HTML; and how many there are."""
    with slack.lock:
        messages = sorted(
            (m for m in slack.messages.values() if m.channel in channels), key=lambda m: float(m.ts)
        )
    shown = []
    for parent in (m for m in messages if m.thread_ts is None):
        shown.append(parent)
        shown += [m for m in messages if m.thread_ts == parent.ts]
    html = "".join(render_message(as_dict(m), names=names, channel_id=m.channel) for m in shown)
    return html, len(shown)


def dm_channels(slack: SlackApiStandIn, user: str) -> set[str]:
    """The app's one-to-one conversations with `user` (conversations.open gave their ids)."""
    with slack.lock:
        return {channel for channel, users in slack.dms.items() if users == user}


def render_dms(slack: SlackApiStandIn, user: str) -> tuple[str, int]:
    """The app's direct messages with `user` as HTML (a note when there is none yet), and how
    many there are, for the sidebar to count those not read."""
    html, count = render_conversation(slack, dm_channels(slack, user))
    return (html if count else NO_DMS), count
