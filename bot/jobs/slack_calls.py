"""Slack's answers to the jobs, read once: a call Slack took, a refusal no retry will fix (its
error code, for the job to put in words), or a reason to try again later (`RetryLater`).

Every job that calls Slack goes through `SlackCalls`, so a rate limit is counted for /metrics
and moves the channel's next turn wherever it happens, and whatever Slack took that posts or
changes a message (or shares a file) is recorded for the send it belongs to
(`store.slack_posts`), so that an erasure can find and edit it. The step runs (`bot.jobs.steps`) call
Slack with a token of their own and retry by their own rules: they share the reading
(`failure_of`), not the raising.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.jobs.pacing import Pacer
from bot.jobs.retry import RetryLater
from bot.posts.errors import is_transient, retry_after, slack_error
from bot.store import Store
from bot.store.metrics import SLACK_RATE_LIMITED, count_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """What a failed call means."""

    code: str  # Slack's error code, or the exception's name when Slack was not reached
    transient: bool  # worth another try as it is: Slack busy, rate limited or unreachable
    reached: bool  # Slack answered (False: a refused connection, a timeout)
    rate_limited: bool = False  # Slack answered 429
    retry_after: float | None = None  # the seconds Slack asked to wait, if it said

    @property
    def reason(self) -> str:
        """In words, for the job's last error."""
        return f"Slack: {self.code}" if self.reached else f"Slack unreachable ({self.code})"


def failure_of(error: Exception) -> Failure:
    """Any exception a Slack call raised: Slack's refusal, or a connection error from urllib."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", None)
        return Failure(
            slack_error(error),
            is_transient(error),
            reached=True,
            rate_limited=status == 429,
            retry_after=retry_after(error),
        )
    return Failure(type(error).__name__, transient=True, reached=False)


@dataclass(frozen=True)
class Refused:
    """Slack refused for good (a deleted parent, a channel the app left, a message too big):
    another try cannot help."""

    code: str


class SlackCalls:
    """The Web API client as the jobs use it: the store counts the rate limits, the pacer
    keeps each channel's turns."""

    def __init__(self, client: WebClient, store: Store, pacer: Pacer) -> None:
        self.client, self.store, self.pacer = client, store, pacer

    def answer(
        self, method: str, *, send_id: str | None, **arguments: Any
    ) -> SlackResponse | Refused:
        """Slack's answer to `method`, or its refusal for good; a failure worth another try
        raises RetryLater, with the wait Slack asked for, if it did (that wait is no failed
        attempt, and the channel's next turn waits as long). `send_id`: the send what it posts
        belongs to (None: none), as its record says."""
        try:
            answer: SlackResponse = getattr(self.client, method)(**arguments)
        except Exception as error:  # Slack's refusals, and connection errors and timeouts
            failed = failure_of(error)
        else:
            self._record(send_id, method, arguments, answer)
            return answer
        if not failed.transient:
            return Refused(failed.code)
        if failed.rate_limited:
            count_event(self.store, SLACK_RATE_LIMITED)
        if failed.retry_after is not None and "channel" in arguments:
            self.pacer.back_off(str(arguments["channel"]), failed.retry_after)
        raise RetryLater(failed.reason, failed.retry_after)

    def post(self, *, send_id: str | None, **arguments: Any) -> str | Refused:
        """A new message, its links and media not unfurled: its ts, or Slack's refusal."""
        answer = self.answer(
            "chat_postMessage",
            send_id=send_id,
            unfurl_links=False,
            unfurl_media=False,
            **arguments,
        )
        return answer if isinstance(answer, Refused) else str(answer["ts"])

    def call(self, method: str, *, send_id: str | None, **arguments: Any) -> Refused | None:
        """None when Slack took the call; its refusal for good, logged, when it did not."""
        answer = self.answer(method, send_id=send_id, **arguments)
        if not isinstance(answer, Refused):
            return None
        # A deleted parent or a channel the app left: retrying cannot help; say so once.
        thread = arguments.get("ts") or arguments.get("thread_ts")
        log.error("Slack refused %s for thread %s: %s", method, thread, answer.code)
        return answer

    def try_once(self, method: str, *, send_id: str | None, **arguments: Any) -> str | None:
        """A call on the way to giving up, never retried: None when Slack took it, else what
        went wrong, for the log."""
        try:
            answer = getattr(self.client, method)(**arguments)
        except Exception as error:
            return failure_of(error).code
        self._record(send_id, method, arguments, answer)
        return None

    def _record(
        self, send_id: str | None, method: str, arguments: dict[str, Any], answer: SlackResponse
    ) -> None:
        """What was posted, kept for an erasure. Slack has it already: a failure to record
        must not make the job post it twice, so it is logged and left (an erasure then
        reports the send as out of reach)."""
        try:
            data = answer.data if isinstance(answer.data, dict) else {}
            self.store.slack_posts.record_call(send_id, method, arguments, data)
        except Exception:
            log.exception("a post of send %s was not recorded", send_id)
