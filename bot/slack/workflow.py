"""Workflow Builder's "Send a Viber message" step (a custom function, `function_executed`).

The step sends on behalf of the person who ran the workflow (a `user_context` input Slack
fills, which no builder can set by hand), through the intake like every other surface
(access, validation, opt-outs, the template's kind, marketing, approvals). What can be told
at once fails the step at once. The run is recorded with its send in one transaction, once per
execution however often Slack delivers the event, and completed later by whichever process
sees its send's outcome (`bot.jobs.steps`)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, Fail

from bot.core.i18n import _
from bot.core.message import ViberMessage
from bot.core.model import StepRunStart
from bot.intake import Draft, Intake, Refused, Surface
from bot.slack.binding import bind
from bot.store import Store
from bot.store.metrics import OLD_STEP_SEEN_AT, note_moment

log = logging.getLogger(__name__)

STEP_CALLBACK_ID = "send_viber_message"
DEFAULT_TIMEOUT_MINUTES = 60
MAX_TIMEOUT_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class StepNeeds:
    """What the workflow step reads."""

    store: Store  # the run, known or not
    intake: Intake  # the send, through the one door


def register(app: App, needs: StepNeeds) -> None:
    app.function(STEP_CALLBACK_ID)(bind(run_step, needs))


def _text(inputs: dict[str, Any], name: str) -> str:
    value = inputs.get(name)
    return value.strip() if isinstance(value, str) else ""


def ran_by(inputs: dict[str, Any]) -> str:
    """The person who ran the workflow: Slack fills `sent_by` (a user_context, `{"id": "U…",
    "secret": "…"}`) and no workflow builder can set it by hand."""
    context = inputs.get("sent_by")
    user_id = context.get("id") if isinstance(context, dict) else None
    return user_id.strip() if isinstance(user_id, str) else ""


def step_problem(inputs: dict[str, Any]) -> str | None:
    """What the step's own inputs lack, in a sentence for the workflow's author; the send's
    rules are the intake's."""
    if not ran_by(inputs):
        return _("step.no_sender")
    if not _text(inputs, "channel"):
        return _("step.no_channel")
    if _text(inputs, "wait_for") not in ("", "accepted", "delivered"):
        return _("step.wait_for")
    minutes = inputs.get("timeout_minutes")
    if minutes not in (None, "") and not (
        isinstance(minutes, int | float) and 0 < minutes <= MAX_TIMEOUT_MINUTES
    ):
        return _("step.timeout", limit=MAX_TIMEOUT_MINUTES)
    return None


def run_step(
    needs: StepNeeds,
    event: dict[str, Any],
    inputs: dict[str, Any],
    fail: Fail,
    body: dict[str, Any],
) -> None:
    execution_id = str(event.get("function_execution_id") or "")
    if not execution_id or needs.store.steps.known(execution_id):  # Slack retried the event
        return
    inputs = inputs if isinstance(inputs, dict) else {}
    if "sent_by" not in inputs and "sender" in inputs:  # a step added before sent_by existed
        note_moment(needs.store, OLD_STEP_SEEN_AT)
        log.warning("workflow step %s: built with the old manifest (Send as)", execution_id)
        fail(_("step.old_manifest"))
        return
    if problem := step_problem(inputs):
        log.info("workflow step %s refused: %s", execution_id, problem[:120])
        fail(problem)
        return
    minutes = inputs.get("timeout_minutes") or DEFAULT_TIMEOUT_MINUTES
    run = StepRunStart(
        execution_id=execution_id,
        token=str(event.get("bot_access_token") or ""),
        wait_for=_text(inputs, "wait_for") or "accepted",
        timeout_at=time.time() + float(minutes) * 60,
    )
    draft = Draft(
        surface=Surface.WORKFLOW_STEP,
        team_id=str(body.get("team_id") or ""),
        channel_id=_text(inputs, "channel"),
        user_id=ran_by(inputs),
        recipients=_text(inputs, "phones"),
        message=ViberMessage.from_fields(
            _text(inputs, "text"),
            _text(inputs, "image_url"),
            _text(inputs, "button_label"),
            _text(inputs, "button_url"),
        ),
        template=_text(inputs, "template"),
        category=_text(inputs, "category"),
        brandname=_text(inputs, "brandname"),
        sms_fallback=bool(inputs.get("sms_fallback")) if "sms_fallback" in inputs else None,
        step_run=run,
    )
    outcome = needs.intake.accept(draft)
    if isinstance(outcome, Refused):
        problem = "; ".join(outcome.errors.values())
        log.info("workflow step %s refused: %s", execution_id, problem[:120])
        fail(problem)
        return
    if outcome.again:
        log.info("workflow step %s delivered again: nothing more sent", execution_id)
        return
    log.info("workflow step %s: send %s stored", execution_id, outcome.send_id)
