"""Finishing Workflow Builder step runs: a periodic duty (one process at a time) that looks at
each open run's send and completes the step (functions.completeSuccess) once eSMS accepted
every recipient — or, when the step waits for delivery, once every recipient is final — or
fails it (functions.completeError) with a sentence a workflow author understands."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient

from bot.config import Settings
from bot.core.delivery import FINAL_STATES, State
from bot.core.i18n import _
from bot.core.model import Approval, Recipient, Send, ThreadState
from bot.esms import codes
from bot.jobs.slack_calls import failure_of
from bot.posts.lookup import thread_url
from bot.store import Store
from bot.store.steps import ABANDONED, COMPLETED, FAILED, GAVE_UP, StepRun

log = logging.getLogger(__name__)

# Past the acceptance: every state but these means eSMS took the message.
_NOT_YET = {State.QUEUED, State.SUBMITTING, State.UNCONFIRMED}


# Slack's answers when a token is no longer good for this run: the bot token takes over.
_TOKEN_REFUSED = frozenset({"invalid_auth", "not_authed", "token_expired", "token_revoked"})
MAX_COMPLETION_ATTEMPTS = 10  # then the run is given up, with a log line
MAX_BACKOFF_SECONDS = 300.0
WAITING_LOOK_SECONDS = 1.0  # a run whose send is still on its way is looked at again after
# Slack unreachable or busy (read as the other jobs read it, `bot.jobs.slack_calls.failure_of`)
# is no refusal: tried again without counting, for this long past the run's own timeout, then
# given up. Not through RetryLater: a step run is no job, and keeps its own clock (`due_at`).
TRANSIENT_GRACE_SECONDS = 24 * 3600.0


class StepRuns:
    def __init__(self, settings: Settings, store: Store, slack: WebClient) -> None:
        self.settings, self.store, self.slack = settings, store, slack
        self._waiting: list[str] = []

    def run_once(self) -> int:
        """Finish what can be finished now; returns how many runs ended. Runs still waiting
        go behind the others, so that however many wait, every run is looked at in turn."""
        ended, self._waiting = 0, []
        for run in self.store.steps.open_runs():
            try:
                ended += self._settle(run)
            except Exception:  # one run's trouble must not keep the others waiting
                log.exception("workflow step %s could not be settled", run.execution_id)
        self.store.steps.look_again(self._waiting, WAITING_LOOK_SECONDS)
        return ended

    def _settle(self, run: StepRun) -> int:
        send = self.store.sends.get(run.send_id or "")
        if run.outcome is not None:  # failed already; Slack refused to hear it so far
            return self._finish(run, send, FAILED, "functions_completeError", error=run.outcome)
        if send is None:
            return self._fail(run, None, _("step.gone"))
        recipients = [r for r in self.store.sends.recipients(send.id) if not r.is_sms]
        if problem := _failure(send, recipients):
            return self._fail(run, send, problem)
        target = FINAL_STATES if run.wait_for == "delivered" else None
        if target is None and all(r.state not in _NOT_YET for r in recipients):
            return self._complete(run, send, recipients)
        if target is not None and all(r.state in target for r in recipients):
            return self._complete(run, send, recipients)
        if time.time() >= run.timeout_at:
            return self._fail(run, send, _timed_out(send, run))
        self._waiting.append(run.execution_id)
        return 0

    def _complete(self, run: StepRun, send: Send, recipients: Sequence[Recipient]) -> int:
        outputs = _outputs(send, recipients)
        return self._finish(run, send, COMPLETED, "functions_completeSuccess", outputs=outputs)

    def _fail(self, run: StepRun, send: Send | None, error: str) -> int:
        """The step failed: its send ends with it, and the error says what went and what not."""
        if send is not None:
            self._end_send(send, error)
            recipients = [r for r in self.store.sends.recipients(send.id) if not r.is_sms]
            error += _what_went(recipients)
        self.store.steps.failed(run.execution_id, error)
        return self._finish(run, send, FAILED, "functions_completeError", error=error)

    def _end_send(self, send: Send, why: str, *, note: bool = True) -> None:
        """What has not reached eSMS ends with the step; the thread says so."""
        if not self.store.steps.end_send(send.id, _("step.ended", why=why[:200])):
            return
        log.info("send %s: what had not gone out was stopped with its step", send.id)
        if note and send.parent_ts:
            self._note(send, _("step.ended_note", why=why[:300]))

    def _finish(self, run: StepRun, send: Send | None, state: str, method: str, **args: Any) -> int:
        refused = self._call(run, method, args)
        if (
            refused is not None and refused[0] == "execution_not_in_running_state"
        ):  # stopped waiting
            self.store.steps.finish(run.execution_id, ABANDONED, refused[0])
            if send is not None:
                self._end_send(send, _("step.stopped_why"), note=False)
                if send.parent_ts:
                    self._note(send, _("step.stopped_waiting"))
            return 1
        if refused is not None:
            return self._refused(run, method, *refused)
        self.store.steps.finish(run.execution_id, state, str(args.get("error") or "ok"))
        log.info("workflow step %s %s", run.execution_id, state)
        return 1

    def _call(self, run: StepRun, method: str, args: dict[str, Any]) -> tuple[str, bool] | None:
        """None when Slack took the completion; else Slack's error code and whether it is worth
        trying again as it is (Slack unreachable or busy). The run's own token first while Slack
        takes it (about 15 minutes), then the bot token, which these methods take too."""
        tokens = [t for t in (run.token, self.settings.slack_bot_token) if t]
        refused: tuple[str, bool] | None = None
        for token in tokens:
            client = WebClient(
                token=token, base_url=self.settings.slack_api_url, timeout=15, retry_handlers=[]
            )
            try:
                getattr(client, method)(function_execution_id=run.execution_id, **args)
                return None
            except Exception as error:  # Slack's refusal, or Slack unreachable
                failed = failure_of(error)
                refused = failed.code, failed.transient
            if refused[0] not in _TOKEN_REFUSED:
                return refused
            if token == run.token:
                self.store.steps.try_later(run.execution_id, 0, forget_token=True, count=False)
        return refused

    def _refused(self, run: StepRun, method: str, code: str, transient: bool) -> int:
        if transient and time.time() < run.timeout_at + TRANSIENT_GRACE_SECONDS:
            log.warning("workflow step %s: %s: %s, tried again", run.execution_id, method, code)
            self.store.steps.try_later(run.execution_id, MAX_BACKOFF_SECONDS / 10, count=False)
            return 0
        attempts = run.attempts + 1
        if attempts >= MAX_COMPLETION_ATTEMPTS:
            log.warning(
                "workflow step %s: Slack refused %s %d times (%s): given up",
                run.execution_id,
                method,
                attempts,
                code,
            )
            self.store.steps.finish(run.execution_id, GAVE_UP, code)
            return 1
        wait = min(MAX_BACKOFF_SECONDS, 2.0**attempts)
        log.warning(
            "workflow step %s: Slack refused %s: %s (attempt %d, next in %.0f s)",
            run.execution_id,
            method,
            code,
            attempts,
            wait,
        )
        self.store.steps.try_later(run.execution_id, wait)
        return 0

    def _note(self, send: Send, text: str) -> None:
        arguments: dict[str, Any] = {
            "channel": send.channel_id,
            "thread_ts": send.reply_ts,
            "text": text,
        }
        try:
            posted = self.slack.chat_postMessage(**arguments)
        except Exception as error:
            log.warning("workflow note not posted: %s", type(error).__name__)
            return
        data = posted.data if isinstance(posted.data, dict) else {}
        self.store.slack_posts.record_call(send.id, "chat_postMessage", arguments, data)


def _failure(send: Send, recipients: Sequence[Recipient]) -> str | None:
    """Why the step has failed already, or None."""
    if send.thread_state == ThreadState.NOT_POSTED:
        return _("step.not_posted", note=send.thread_note or "")
    if send.approval == Approval.REJECTED:
        reason = send.decision_reason or _("reply.no_reason")
        return _("step.rejected", user=send.decided_by or "?", reason=reason)
    if send.approval == Approval.EXPIRED:
        return _("step.approval_expired")
    if send.cancelled_at:
        return _("step.cancelled", user=send.cancelled_by or "?")
    refused = [r for r in recipients if r.state == State.REFUSED]
    if refused:
        first = refused[0]
        reason = codes.describe(first.error_code, first.error_detail)
        return _("step.refused", phone=first.phone, reason=reason)
    skipped = [r for r in recipients if r.state == State.SKIPPED]
    if skipped and len(skipped) == len(recipients):
        return _("step.skipped", detail=skipped[0].error_detail or "")
    return None


def _what_went(recipients: Sequence[Recipient]) -> str:
    """` Sent: …; not sent: …` for the step's error (at most a few numbers each)."""
    went = [
        r.phone
        for r in recipients
        if r.state not in (State.QUEUED, State.CANCELLED, State.SKIPPED, State.REFUSED)
    ]
    held = [r.phone for r in recipients if r.phone not in went]
    return _("step.what_went", sent=_few(went), not_sent=_few(held))


def _few(phones: Sequence[str], shown: int = 5) -> str:
    if not phones:
        return _("step.none")
    more = _("err.and_more", count=len(phones) - shown) if len(phones) > shown else ""
    return ", ".join(phones[:shown]) + more


def _timed_out(send: Send, run: StepRun) -> str:
    minutes = max(1, round((run.timeout_at - send.created_at) / 60))
    if send.awaiting_approval:
        return _("step.timeout_approval", minutes=minutes)
    if send.held_until:
        return _("step.timeout_hours", minutes=minutes)
    return _("step.timeout_delivery", minutes=minutes)


def _outputs(send: Send, recipients: Sequence[Recipient]) -> dict[str, Any]:
    delivered = sum(r.state == State.DELIVERED for r in recipients)
    final = sum(r.state in FINAL_STATES for r in recipients)
    return {
        "send_id": send.id,
        "thread_url": thread_url(send) or "",
        "delivered": delivered,
        "failed": final - delivered,
        "pending": len(recipients) - final,
        "states": "; ".join(f"{r.phone}: {_(f'state.{r.state}')}" for r in recipients),
    }
