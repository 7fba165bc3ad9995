"""The app's Home tab."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.chart import Tally
from bot.core.formatting import format_number, format_percent, format_vnd
from bot.core.i18n import _, language
from bot.posts.campaign import OPEN_ACTION
from bot.posts.common import chunks, escape, help_text, section, slack_time


def home_view(lines: Sequence[str], team: str | None = None) -> dict[str, Any]:
    """The app's Home tab: the viewer's latest sends (look-up lines), the team's figures
    (`team_figures`) and the short help."""
    recent = "\n".join(lines) if lines else _("home.empty")
    dashboard = [section(team), {"type": "divider"}] if team else []
    start = {
        "type": "button",
        "action_id": OPEN_ACTION,
        "text": {"type": "plain_text", "text": _("camp.home_button")},
    }
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _("home.title")}},
        {"type": "actions", "block_id": "home", "elements": [start]},
        *dashboard,
        *[section(chunk) for chunk in chunks(recent.split("\n"))],
        {"type": "divider"},
        section(help_text()),
    ]
    return {"type": "home", "blocks": blocks[:100]}


def team_figures(
    week: Tally, balance: int | None, read_at: float | None, problem: str | None
) -> str:
    """mrkdwn: this week's figures for the whole team and the eSMS balance as last read."""
    lines = [_("home.week_title")]
    if week.sends:
        n = language()
        lines.append(
            _(
                "home.week_figures",
                sends=format_number(week.sends, n),
                recipients=format_number(week.recipients, n),
                delivered=format_percent(week.delivered_share, n),
                failed=format_number(week.failed, n),
                pending=format_number(week.pending, n),
                sms=format_number(week.sms, n),
                cost=format_vnd(week.cost),
            )
        )
    else:
        lines.append(_("home.week_none"))
    if problem:
        lines.append(_("home.balance_failed", problem=escape(problem)))
    if balance is not None and read_at is not None:
        lines.append(_("home.balance", balance=format_vnd(balance), when=slack_time(read_at)))
    elif not problem:
        lines.append(_("home.balance_checking"))
    lines.append(_("home.chart_hint"))
    return "\n".join(lines)
