"""The job that carries out an erasure request (`bot.store.erasure`): queued with the admin's
confirmation, it erases the number in one transaction, or waits (a job's wait is no failed
attempt) while a message to it is still with eSMS, at most a day; then it waits for the edits
of the app's posts (`bot.jobs.post_edits`) and tells the admin, once, what was erased and what
could not be reached. Being a job, an erasure a process dies in the middle of finishes on the
next."""

from __future__ import annotations

import logging
import time

from bot.core.model import Job
from bot.jobs.retry import RetryLater
from bot.jobs.slack_calls import Refused, SlackCalls
from bot.posts.erasure import closing_note, failed_note, waiting_note
from bot.store import Store
from bot.store.erasure import DONE, EDITING, ErasureRequest, request_id_of

log = logging.getLogger(__name__)

WAIT_POLL_SECONDS = 60.0  # how often a waiting erasure looks whether eSMS settled the message
EDITS_POLL_SECONDS = 5.0  # how often it looks whether its posts were edited


class ErasureRuns:
    def __init__(
        self,
        store: Store,
        slack: SlackCalls,
        *,
        wait_poll: float | None = None,
        edits_poll: float | None = None,
    ) -> None:
        self.store, self.slack = store, slack
        self.wait_poll = WAIT_POLL_SECONDS if wait_poll is None else wait_poll
        self.edits_poll = EDITS_POLL_SECONDS if edits_poll is None else edits_poll

    def erase(self, job: Job) -> None:
        request_id = request_id_of(job.send_id)
        if request_id is None:
            return
        outcome = self.store.erasures.carry_out(request_id)
        request = outcome.request
        if request is None:
            return
        if outcome.waiting is not None:
            if outcome.first_wait:
                self._tell(request, waiting_note(request.found, request.wait_until))
            log.info(
                "erasure %s waits for %d message(s) with eSMS",
                request_id,
                outcome.waiting.in_flight,
            )
            wait = min(self.wait_poll, max(1.0, request.wait_until - time.time()))
            raise RetryLater("a message to the number is still with eSMS", wait)
        if request.state == EDITING:
            request = self.store.erasures.finish_if_edited(request_id) or request
            if request.state == EDITING:
                raise RetryLater("the app's posts are being edited", self.edits_poll)
        if request.state == DONE and request.told_at is None:
            log.info("erasure %s done", request_id)
            note = closing_note(request.id, request.found, request.done, request.unreachable)
            self._tell(request, note)
            self.store.erasures.mark_told(request_id)

    def give_up(self, job: Job, reason: str) -> None:
        request_id = request_id_of(job.send_id)
        request = self.store.erasures.get(request_id) if request_id is not None else None
        if request is None:
            return
        self.store.erasures.fail(request.id, reason)
        if problem := self.slack.try_once(
            "chat_postMessage",
            send_id=None,
            channel=request.asked_by,
            text=failed_note(request.found, reason),
        ):
            log.error("erasure %s: its admin was not told it failed (%s)", request.id, problem)

    def _tell(self, request: ErasureRequest, text: str) -> None:
        """A direct message to the admin who asked; Slack busy, the job tries again."""
        posted = self.slack.post(send_id=None, channel=request.asked_by, text=text)
        if isinstance(posted, Refused):
            log.error("erasure %s: its admin could not be told (%s)", request.id, posted.code)
