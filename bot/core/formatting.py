"""Numbers, money and times written the way the reader's language writes them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

# Asia/Ho_Chi_Minh: GMT+7 all year (no daylight saving); eSMS reads and writes times in it too.
VIETNAM = timezone(timedelta(hours=7))


def vietnam_day(epoch: float) -> str:
    """`2026-12-01`: the day in Vietnam, written so that both languages read it."""
    return datetime.fromtimestamp(epoch, VIETNAM).strftime("%Y-%m-%d")


def format_number(value: float, language: str = "vi") -> str:
    """36693 → `36.693` in Vietnamese, `36,693` in English."""
    grouped = f"{round(value):,}"
    return grouped.replace(",", ".") if language == "vi" else grouped


def format_percent(share: float | None, language: str = "vi") -> str:
    """0.912 → `91,2 %` in Vietnamese, `91.2 %` in English; `–` when there is nothing to share."""
    if share is None:
        return "–"
    text = f"{share * 100:.1f} %"
    return text.replace(".", ",") if language == "vi" else text


def format_vnd(amount: float, language: str = "vi") -> str:
    """Vietnamese dong: `36.693 ₫` (English readers get `36,693 ₫`)."""
    return f"{format_number(amount, language)} ₫"
