"""What a failed Slack Web API call means: worth another try, or final, and how long to wait."""

from __future__ import annotations

import math

from slack_sdk.errors import SlackApiError

from bot.core.i18n import _

# Slack errors that no retry will fix; everything else (5xx, timeouts) is worth another try.
CHANNEL_ERRORS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
)
MAX_RETRY_AFTER_SECONDS = 300.0
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def slack_error(error: SlackApiError) -> str:
    """Slack's error code (`not_in_channel`), or the HTTP status when the body had none."""
    response = error.response
    try:
        return str(response.get("error") or f"HTTP {response.status_code}")
    except Exception:
        return "unknown error"


def is_transient(error: SlackApiError) -> bool:
    status = getattr(error.response, "status_code", 200)
    return status == 429 or status >= 500 or slack_error(error) in _TRANSIENT_ERRORS


def retry_after(error: SlackApiError) -> float | None:
    """The seconds a 429's Retry-After asks for, if it says."""
    headers = getattr(error.response, "headers", {}) or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                seconds = float(value if isinstance(value, str) else value[0])
            except (TypeError, ValueError, IndexError):
                return None
            # An absurd answer (inf, a day) must not park a job for good.
            return (
                min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS) if math.isfinite(seconds) else None
            )
    return None


# Slack's refusals of a message too large: the same news is tried again smaller.
TOO_BIG = frozenset({"invalid_blocks", "msg_too_long", "msg_blocks_too_long"})


def not_posted_note(code: str) -> str:
    """Why a thread's parent is not in Slack, for its status line."""
    if code in CHANNEL_ERRORS:
        return _("note.no_access", code=code)
    return _("note.slack_refused", code=code)
