"""Look-ups (`/viber status`, `/viber history`, the Home tab's list): one line per send."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.core.formatting import VIETNAM, vietnam_day
from bot.core.i18n import _
from bot.core.model import Approval, Recipient, Send
from bot.posts.common import escape, slack_time
from bot.posts.thread import status_line, viber_recipients


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


_TRAIL_STEPS: dict[str, str] = {
    Approval.APPROVED.value: "trail.approved",
    Approval.REJECTED.value: "trail.rejected",
    Approval.EXPIRED.value: "trail.expired",
    Approval.WITHDRAWN.value: "trail.withdrawn",
}


def approval_trail(send: Send, events: Sequence[Mapping[str, Any]]) -> str | None:
    """The approval's audit trail under a look-up line, for approvers: `🕒 requested 09:01 ·
    ✔️ approved by @Minh 09:03`, every approval event with its reason; None for a send that
    needed no approval."""
    if send.approval == Approval.NONE:
        return None
    day = vietnam_day(send.created_at)
    steps = [_("trail.requested", when=_clock(send.created_at, day))]
    for event in events:
        action = str(event.get("action") or "")
        who = f"<@{escape(str(event['actor']))}>" if event.get("actor") else "—"
        key = _TRAIL_STEPS.get(action, "trail.other")
        step = _(key, who=who, when=_clock(float(event["at"]), day), action=escape(action))
        if event.get("reason"):
            step += _("trail.reason", reason=escape(str(event["reason"])[:300]))
        steps.append(step)
    return "   " + " · ".join(steps)


def _clock(epoch: float, day: str) -> str:
    """The time alone on the send's own day (the line above names it), else day and time."""
    if vietnam_day(epoch) != day:
        return slack_time(epoch)
    fallback = datetime.fromtimestamp(epoch, VIETNAM).strftime("%H:%M")
    return f"<!date^{int(epoch)}^{{time}}|{fallback}>"
