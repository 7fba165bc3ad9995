"""Look-ups (`/viber status`, `/viber history`, the Home tab's list): one line per send."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import _
from bot.core.model import Recipient, Send
from bot.slack.blocks.common import escape, slack_time
from bot.slack.blocks.thread import status_line, viber_recipients


def thread_url(send: Send) -> str | None:
    if not send.parent_ts:
        return None
    return f"https://slack.com/archives/{send.channel_id}/p{send.parent_ts.replace('.', '')}"


def thread_link(send: Send) -> str:
    link = thread_url(send)
    return f"<{link}|{_('lookup.thread')}>" if link else _("lookup.no_thread")


def send_summary(send: Send, recipients: Sequence[Recipient]) -> str:
    """One look-up line, short enough for a phone screen."""
    numbers = viber_recipients(recipients)
    phones = ", ".join(recipient.phone for recipient in numbers[:3])
    if len(numbers) > 3:
        phones += f" +{len(numbers) - 3}"
    when = slack_time(send.created_at)
    return (
        f"• {when} · <@{send.user_id}> → {escape(phones)}\n"
        f"   {status_line(send, recipients)} · {thread_link(send)}"
    )


def lookup_text(title: str, lines: Sequence[str], empty: str) -> str:
    return f"*{title}*\n" + ("\n".join(lines) if lines else empty)
