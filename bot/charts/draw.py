"""The chart as one PNG: sends per day, then who sent, where, under which brandname, and why
messages failed.

matplotlib draws it with its Agg backend (no display needed) in DejaVu Sans, which it ships
and which has every Vietnamese letter; it is imported on the first chart only, so processes
that never draw one do not carry it. The picture is 1,920 × 1,440 px (Slack's limit for a
readable preview is 2,000 px wide), flat colours, well under 1 MB.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.core.chart import Figures, Tally
from bot.core.chart_period import Period
from bot.core.formatting import format_number, format_percent, format_vnd
from bot.core.i18n import _, language

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_INCHES, HEIGHT_INCHES, DPI = 12.8, 9.6, 150  # 1,920 × 1,440 px
TOP_GROUPS = 8  # bars per breakdown; the rest are summed as "others"
TOP_REASONS = 8
COLOURS = {
    "delivered": "#2e7d32",
    "failed": "#c62828",
    "pending": "#9e9e9e",
    "not_sent": "#f9a825",
    "sms": "#1565c0",
    "cost": "#6a1b9a",
}
_lock = threading.Lock()  # pyplot is never used, but the font cache is shared: one at a time


def render_png(
    figures: Figures, period: Period, scope: str, names: Mapping[str, str] | None = None
) -> bytes:
    """The chart of `figures` over `period`; `scope` names the channel(s) in the title, and
    `names` gives people, channels and brandnames their readable names (IDs otherwise)."""
    with _lock:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        known = names or {}
        chart = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
        FigureCanvasAgg(chart)
        title = _("chart.title", scope=_plain(scope), period=period.label)
        chart.suptitle(title, fontsize=16)
        grid = chart.add_gridspec(3, 2, height_ratios=(1.3, 1, 1))
        _days(chart.add_subplot(grid[0, :]), figures, period)
        _groups(chart.add_subplot(grid[1, 0]), _("chart.by_agent"), figures.agents, known)
        _groups(chart.add_subplot(grid[1, 1]), _("chart.by_channel"), figures.channels, known)
        _groups(chart.add_subplot(grid[2, 0]), _("chart.by_brandname"), figures.brandnames, known)
        _reasons(chart.add_subplot(grid[2, 1]), figures)
        out = io.BytesIO()
        chart.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
        return out.getvalue()


def _days(axes: Axes, figures: Figures, period: Period) -> None:
    tallies = [figures.days.get(day, Tally()) for day in period.days]
    positions = list(range(len(tallies)))
    _stack(axes, positions, tallies, horizontal=False)
    axes.plot(
        positions,
        [tally.sms for tally in tallies],
        color=COLOURS["sms"],
        marker="o",
        label=_("chart.legend_sms"),
    )
    total = figures.total
    axes.set_title(
        _(
            "chart.totals",
            sends=format_number(total.sends, language()),
            recipients=format_number(total.recipients, language()),
            delivered=_share(total),
            sms=format_number(total.sms, language()),
            cost=format_vnd(total.cost),
        ),
        fontsize=12,
    )
    step = -(-len(positions) // 16)  # at most 16 day labels
    highest = max((tally.recipients + tally.sms for tally in tallies), default=0)
    axes.set_ylim(0, max(highest * 1.3, 1))  # room for the legend above the bars
    axes.set_xticks(positions[::step], [day.strftime("%d/%m") for day in period.days][::step])
    axes.set_ylabel(_("chart.messages"))
    axes.legend(loc="upper left", fontsize=8, ncols=5)
    cost_axes = axes.twinx()
    cost_axes.plot(
        positions,
        [tally.cost for tally in tallies],
        color=COLOURS["cost"],
        linestyle="--",
        label=_("chart.legend_cost"),
    )
    cost_axes.set_ylabel("₫")
    cost_axes.set_ylim(bottom=0)
    cost_axes.yaxis.set_major_formatter(lambda value, _position: format_number(value))
    cost_axes.legend(loc="upper right", fontsize=8)


def _groups(axes: Axes, title: str, groups: Mapping[str, Tally], names: Mapping[str, str]) -> None:
    ranked = sorted(groups.items(), key=lambda item: (-item[1].recipients, item[0]))
    shown = ranked[:TOP_GROUPS]
    if len(ranked) > TOP_GROUPS:
        others = Tally()
        for _key, tally in ranked[TOP_GROUPS:]:
            _merge(others, tally)
        shown.append((_("chart.others", count=len(ranked) - TOP_GROUPS), others))
    shown.reverse()  # the largest on top
    positions = list(range(len(shown)))
    _stack(axes, positions, [tally for _key, tally in shown], horizontal=True)
    axes.set_yticks(positions, [_shorten(names.get(key, key)) for key, _tally in shown])
    for position, (_key, tally) in zip(positions, shown, strict=True):
        axes.annotate(
            f" {format_number(tally.recipients, language())} · {_share(tally)} · "
            f"{format_vnd(tally.cost)}",
            (tally.recipients, position),
            va="center",
            fontsize=8,
        )
    axes.set_title(title, fontsize=11, loc="left")
    highest = max((tally.recipients for _key, tally in shown), default=0)
    axes.set_xlim(0, max(highest, 1) * 1.7)  # room for the figures beside the longest bar


def _reasons(axes: Axes, figures: Figures) -> None:
    axes.set_title(_("chart.failures"), fontsize=11, loc="left")
    top = figures.reasons.most_common(TOP_REASONS)
    if not top:
        axes.text(0.5, 0.5, _("chart.no_failures"), ha="center", va="center", fontsize=11)
        axes.set_axis_off()
        return
    top.reverse()
    positions = list(range(len(top)))
    axes.barh(positions, [count for _reason, count in top], color=COLOURS["failed"])
    axes.set_yticks(positions, [_shorten(reason, 40) for reason, _count in top], fontsize=8)
    for position, (_reason, count) in zip(positions, top, strict=True):
        axes.annotate(f" {format_number(count, language())}", (count, position), va="center")
    axes.margins(x=0.15)


def _stack(axes: Axes, positions: list[int], tallies: list[Tally], *, horizontal: bool) -> None:
    """Delivered, failed, pending and not sent, one on top of the other."""
    draw: Any = axes.barh if horizontal else axes.bar
    base = [0] * len(tallies)
    for part in ("delivered", "failed", "pending", "not_sent"):
        values = [getattr(tally, part) for tally in tallies]
        offset = {"left": base, "height": 0.6} if horizontal else {"bottom": base}
        draw(positions, values, color=COLOURS[part], label=_(f"chart.legend_{part}"), **offset)
        base = [low + value for low, value in zip(base, values, strict=True)]


def _merge(into: Tally, tally: Tally) -> None:
    for name, value in vars(tally).items():
        setattr(into, name, getattr(into, name) + value)


def _share(tally: Tally) -> str:
    return format_percent(tally.delivered_share, language())


def _shorten(text: str, limit: int = 28) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return _plain(shown)


def _plain(text: str) -> str:
    """Text drawn as typed: matplotlib reads what stands between two `$` as a formula (a name
    like `$$ Sales $$` would fail the whole chart)."""
    return text.replace("$", r"\$")
