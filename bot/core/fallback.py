"""When a Viber message that did not arrive is followed by a customer-care SMS."""

from __future__ import annotations

from bot.core.delivery import State

# Refusals that concern the account or the request, not the recipient: an SMS through the same
# account would meet the same refusal, or should not go out at all. (160, too many requests per
# second, is retried before it could end anything.) 99 may be a number its owner blocked: the
# customer said no, and an SMS would say it again.
NO_FALLBACK_CODES = frozenset({99, 101, 102, 103, 104, 107, 118, 120, 140, 143, 160, 300})
FAILED = "failed"  # the Viber message failed
LATE = "late"  # the Viber message was still undelivered after SMS_FALLBACK_AFTER_MINUTES


def needs_fallback(state: str, error_code: int | None = None) -> bool:
    """True when a Viber recipient that ended in `state` should get an SMS instead."""
    if state in (State.FAILED, State.REJECTED):
        return True
    return state == State.REFUSED and error_code not in NO_FALLBACK_CODES
