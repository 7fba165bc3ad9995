"""What eSMS's statuses mean for a recipient, and how new ones merge with what we know.

A recipient's state only moves forward: callbacks repeat and arrive out of order, so a status
that ranks below the current state is kept as raw history but changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum


class State(StrEnum):
    QUEUED = "queued"  # stored, not submitted to eSMS yet
    # Being handed to eSMS: past Cancel (committed before the call), ends as eSMS answers.
    SUBMITTING = "submitting"
    UNCONFIRMED = "unconfirmed"  # eSMS did not answer; it may or may not have accepted
    ACCEPTED = "accepted"  # eSMS answered 100 (or 124 for our own retry)
    OTHER = "other"  # an eSMS status this app does not know; kept, never final
    ESMS_REVIEW = "esms_review"  # SendStatus 1: waiting for eSMS's own approval
    WAITING = "waiting"  # SendStatus 2
    SENDING = "sending"  # SendStatus 3
    SENT = "sent"  # SendStatus 7: sent, waiting for the operator's delivery status
    DELIVERED = "delivered"  # SendStatus 5 with a success
    FAILED = "failed"  # SendStatus 5 without a success
    REJECTED = "rejected"  # SendStatus 4: rejected by eSMS
    REFUSED = "refused"  # eSMS refused the request itself (a result code other than 100)
    CANCELLED = "cancelled"  # never submitted, and never will be
    SKIPPED = "skipped"  # never submitted: opted out, or over the daily marketing cap
    UNAVAILABLE = "unavailable"  # still unsettled when eSMS's 7-day status horizon passed


FINAL_STATES = frozenset(
    {
        State.DELIVERED,
        State.FAILED,
        State.REJECTED,
        State.REFUSED,
        State.CANCELLED,
        State.SKIPPED,
        State.UNAVAILABLE,
    }
)
# States the team hears about as a reply in the thread; the rest only move the parent's summary.
REPORTED_STATES = frozenset(
    {
        State.ESMS_REVIEW,
        State.DELIVERED,
        State.FAILED,
        State.REJECTED,
        State.REFUSED,
        State.SKIPPED,
        State.UNCONFIRMED,
        State.UNAVAILABLE,
    }
)

_RANK = {
    State.QUEUED: 0,
    State.SUBMITTING: 2,
    State.UNCONFIRMED: 5,
    State.ACCEPTED: 10,
    State.OTHER: 15,
    State.ESMS_REVIEW: 20,
    State.WAITING: 30,
    State.SENDING: 35,
    State.SENT: 40,
}
_BY_SEND_STATUS = {
    1: State.ESMS_REVIEW,
    2: State.WAITING,
    3: State.SENDING,
    4: State.REJECTED,
    7: State.SENT,
}


def is_final(state: str) -> bool:
    return state in FINAL_STATES


def state_for_status(
    send_status: int, success: int | None = None, failed: int | None = None
) -> State:
    """Translate eSMS's SendStatus (and, for 5, its counts) into a recipient state."""
    if send_status == 5:
        return State.DELIVERED if (success or 0) > 0 else State.FAILED
    return _BY_SEND_STATUS.get(send_status, State.OTHER)


def merge(current: str, incoming: str) -> str:
    """The state after `incoming` arrives for a recipient that is in `current`."""
    if is_final(current):
        return current
    if is_final(incoming):
        return incoming
    return incoming if _RANK[State(incoming)] > _RANK[State(current)] else current


def summarize(states: Iterable[str]) -> Counter[str]:
    return Counter(State(state) for state in states)
