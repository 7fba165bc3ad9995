"""What a job raises when it cannot finish now."""

from __future__ import annotations


class RetryLater(Exception):
    """The job could not finish now; `delay` (seconds) overrides the backoff when Slack says so,
    or when a rule says when the work may go on (the marketing hours)."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay
