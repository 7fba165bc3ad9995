"""When a send may be scheduled for."""

from __future__ import annotations

from bot.core.i18n import _

MAX_AHEAD_SECONDS = 30 * 24 * 3600
# A time picked a moment ago (the form sat open) still means "now", not an error.
PAST_TOLERANCE_SECONDS = 120


def check_send_at(raw: str, now: float) -> tuple[float | None, str | None]:
    """(scheduled time or None for "now", problem or None) from the picker's epoch seconds."""
    if not raw:
        return None, None
    try:
        moment = float(int(raw))
    except ValueError:
        return None, _("err.when_garbage")
    if moment < now - PAST_TOLERANCE_SECONDS:
        return None, _("err.when_past")
    if moment > now + MAX_AHEAD_SECONDS:
        return None, _("err.when_far")
    return (moment if moment > now else None), None
