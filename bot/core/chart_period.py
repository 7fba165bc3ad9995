"""`/viber chart [today|7d|30d|month|YYYY-MM] [all] [public]` (or `/viber report`, the older
word): which days, which channels, where the chart goes. Days are Vietnamese days, as
everywhere in the app."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.formatting import VIETNAM

PERIODS = ("today", "7d", "30d", "month")
DEFAULT_PERIOD = "7d"
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
FIRST_YEAR, LAST_YEAR = 2000, 9998  # months a calendar and an epoch both hold


@dataclass(frozen=True)
class ChartCommand:
    """What was asked; `problem` is a catalog key (`chart.*`) with `detail` the words at fault,
    empty when the request is good."""

    period: str = DEFAULT_PERIOD
    every_channel: bool = False  # `all`: for REPORT_ADMINS
    public: bool = False  # `public`: posted in the channel instead of a direct message
    problem: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Period:
    """[start, end) in epoch seconds, and the Vietnamese days it covers, in order."""

    start: float
    end: float
    days: tuple[date, ...]

    @property
    def label(self) -> str:
        """`2026-11-01 – 2026-11-30`, or one day."""
        first, last = self.days[0], self.days[-1]
        return str(first) if first == last else f"{first} – {last}"


def chart_command(rest: str) -> ChartCommand:
    """The words after `/viber chart` (or `/viber report`), in any order."""
    period = ""
    every_channel = public = False
    for word in rest.split():
        lowered = word.lower()
        if lowered == "all":
            every_channel = True
        elif lowered == "public":
            public = True
        elif lowered in PERIODS or _MONTH.match(lowered):
            if period:
                return ChartCommand(problem="chart.two_periods", detail=f"{period} {word}")
            period = lowered
        else:
            return ChartCommand(problem="chart.unknown_word", detail=word[:40])
    if period and (match := _MONTH.match(period)):
        year, month = int(match.group(1)), int(match.group(2))
        if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
            return ChartCommand(problem="chart.bad_month", detail=period)
    return ChartCommand(period or DEFAULT_PERIOD, every_channel, public)


def period_bounds(period: str, now: float) -> Period | None:
    """The days `period` names, seen at `now`; None for a month that has not begun."""
    today = datetime.fromtimestamp(now, VIETNAM).date()
    end = now
    if period == "today":
        first = today
    elif period in ("7d", "30d"):
        first = today - timedelta(days=int(period[:-1]) - 1)
    elif period == "month":
        first = today.replace(day=1)
    else:
        year, month = (int(part) for part in period.split("-"))
        first = date(year, month, 1)
        if first > today:
            return None
        following = date(year + month // 12, month % 12 + 1, 1)
        end = min(now, _midnight(following))
    last = datetime.fromtimestamp(max(end - 1e-6, _midnight(first)), VIETNAM).date()
    count = (last - first).days + 1
    return Period(_midnight(first), end, tuple(first + timedelta(days=n) for n in range(count)))


def _midnight(day: date) -> float:
    return datetime.combine(day, datetime.min.time(), VIETNAM).timestamp()
