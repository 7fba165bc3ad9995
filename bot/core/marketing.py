"""Vietnam's rules for advertising messages (Decree 91/2020/ND-CP): sent only within the
marketing hours, Vietnamese time, and at most a few per number per rolling 24 hours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.formatting import VIETNAM

DEFAULT_HOURS = "07:00-22:00"
DAILY_WINDOW_SECONDS = 24 * 3600
_HOURS = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])\s*-\s*([01][0-9]|2[0-4]):([0-5][0-9])")


@dataclass(frozen=True)
class MarketingHours:
    """[opens, closes) each day, in minutes after midnight in Vietnam."""

    opens: int
    closes: int

    @property
    def label(self) -> str:
        return f"{self.opens // 60:02d}:{self.opens % 60:02d}–{self.closes // 60:02d}:{self.closes % 60:02d}"

    def is_open(self, at: float) -> bool:
        moment = datetime.fromtimestamp(at, VIETNAM)
        minute = moment.hour * 60 + moment.minute
        return self.opens <= minute < self.closes

    def next_opening(self, at: float) -> float:
        """`at` itself when the hours are open then; otherwise when they open next."""
        if self.is_open(at):
            return at
        moment = datetime.fromtimestamp(at, VIETNAM)
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        opening = day + timedelta(minutes=self.opens)
        if opening <= moment:
            opening += timedelta(days=1)
        return opening.timestamp()


def parse_hours(text: str) -> MarketingHours:
    """`07:00-22:00` → MarketingHours; ValueError with the reason otherwise."""
    match = _HOURS.fullmatch(text.strip())
    if not match:
        raise ValueError("write it as HH:MM-HH:MM, for example 07:00-22:00")
    opens = int(match.group(1)) * 60 + int(match.group(2))
    closes = int(match.group(3)) * 60 + int(match.group(4))
    if closes > 24 * 60 or opens >= closes:
        raise ValueError("the opening must come before the closing, within one day")
    return MarketingHours(opens, closes)


def with_prefix(text: str | None, prefix: str) -> str | None:
    """The text with the marketing prefix (e.g. `[QC]`) in front, once."""
    if not text or not prefix or text.startswith(prefix):
        return text
    return f"{prefix} {text}"
