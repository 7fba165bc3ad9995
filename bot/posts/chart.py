"""The chart's words in Slack: the short summary that comes with the picture."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.chart import Figures, Tally
from bot.core.formatting import format_number, format_percent, format_vnd
from bot.core.i18n import _, language
from bot.posts.common import escape

SUMMARY_GROUPS = 3  # the largest groups named in each "By …" line; the chart has more
SUMMARY_REASONS = 3


def chart_summary(
    figures: Figures, scope: str, period: str, names: Mapping[str, str] | None = None
) -> str:
    """mrkdwn: the totals, the top reasons and the largest groups. Agents and channels are
    Slack mentions, so each reader sees their names; with `names` (a chart posted in a
    channel) they are those names in plain text, so that nobody is notified."""
    total = figures.total
    lines = [
        _("chart.summary_head", scope=scope, period=period),
        _(
            "chart.summary_totals",
            sends=_n(total.sends),
            recipients=_n(total.recipients),
            delivered=format_percent(total.delivered_share, language()),
            count=_n(total.delivered),
            went_out=_n(total.went_out),
            failed=_n(total.failed),
            pending=_n(total.pending),
            not_sent=_n(total.not_sent),
        ),
    ]
    if total.sms:
        lines.append(
            _(
                "chart.summary_sms",
                sms=_n(total.sms),
                delivered=_n(total.sms_delivered),
                failed=_n(total.sms_failed),
            )
        )
    lines.append(_("chart.summary_cost", cost=format_vnd(total.cost)))
    if figures.reasons:
        reasons = " · ".join(
            f"{escape(reason)}: {_n(count)}"
            for reason, count in figures.reasons.most_common(SUMMARY_REASONS)
        )
        lines.append(_("chart.summary_reasons", reasons=reasons))
    if names is None:
        agents, channels = _groups(figures.agents, "<@{}>"), _groups(figures.channels, "<#{}>")
    else:
        agents = _groups(_named(figures.agents, names), "{}")
        channels = _groups(_named(figures.channels, names), "{}")
    lines.append(_("chart.summary_agents", groups=agents))
    lines.append(_("chart.summary_channels", groups=channels))
    brandnames = {escape(name): tally for name, tally in figures.brandnames.items()}
    lines.append(_("chart.summary_brandnames", groups=_groups(brandnames, "{}")))
    if figures.test_sends:
        lines.append(_("chart.summary_tests", count=_n(figures.test_sends)))
    return "\n".join(lines)


def _groups(groups: Mapping[str, Tally], shape: str) -> str:
    ranked = sorted(groups.items(), key=lambda item: (-item[1].recipients, item[0]))
    return " · ".join(
        _(
            "chart.summary_group",
            name=shape.format(key),
            recipients=_n(tally.recipients),
            delivered=format_percent(tally.delivered_share, language()),
        )
        for key, tally in ranked[:SUMMARY_GROUPS]
    )


def _named(groups: Mapping[str, Tally], names: Mapping[str, str]) -> dict[str, Tally]:
    named: dict[str, Tally] = {}
    for key, tally in groups.items():
        name = escape(names.get(key, key))
        named[f"{name} ({key})" if name in named else name] = tally  # two people, one name
    return named


def _n(value: float) -> str:
    return format_number(value, language())
