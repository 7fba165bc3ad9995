"""A data subject's requests (Law 91/2025/QH15, Decree 356/2025/ND-CP): what the app holds about
a number, and its erasure. Answered within 2 working days (Monday to Friday), carried out
within 15 days; an erased number lives on only as its keyed digest, so that its opt-out and
the daily marketing cap still hold."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta

from bot.core.formatting import VIETNAM

DIGEST_PREFIX = "h:"  # a digest stands where a number stood: never mistaken for one
ANSWER_WORKING_DAYS = 2
CARRY_OUT_DAYS = 15


def digest(key: str, phone: str) -> str:
    """The number's keyed digest (HMAC-SHA256 under DATA_KEY). A plain hash of a Vietnamese
    mobile number is reversed in seconds by trying the hundred million of them; without the
    key this cannot be."""
    mac = hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()
    return DIGEST_PREFIX + mac[:40]


_DIGEST = re.compile(re.escape(DIGEST_PREFIX) + "[0-9a-f]{40}")


def is_digest(value: str) -> bool:
    """Whether `value` is a digest as `digest` writes it (an erased number's stand-in)."""
    return _DIGEST.fullmatch(value) is not None


def answer_due(asked_at: float) -> float:
    """The end of the second working day (Monday to Friday, Vietnam time) after the request."""
    day = datetime.fromtimestamp(asked_at, VIETNAM).replace(
        hour=23, minute=59, second=59, microsecond=0
    )
    left = ANSWER_WORKING_DAYS
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day.timestamp()


def carry_out_due(asked_at: float) -> float:
    """The end of the fifteenth day after the request, Vietnam time."""
    day = datetime.fromtimestamp(asked_at, VIETNAM) + timedelta(days=CARRY_OUT_DAYS)
    return day.replace(hour=23, minute=59, second=59, microsecond=0).timestamp()
