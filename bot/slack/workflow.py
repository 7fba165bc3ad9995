"""Workflow Builder's "Send a Viber message" step (a custom function, `function_executed`).

The step sends on behalf of the person named in its inputs, through the intake like every
other surface (access, validation, opt-outs, the template's kind, marketing, approvals). What can be told
at once fails the step at once; everything else is recorded, and the run is completed later by
whichever process sees its send's outcome (`bot.jobs.steps`)."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import App, Fail

from bot.core.i18n import _
from bot.core.message import ViberMessage
from bot.intake import Accepted, Draft, Intake, Refused, Surface
from bot.slack.binding import bind
from bot.store import Store

log = logging.getLogger(__name__)

STEP_CALLBACK_ID = "send_viber_message"
DEFAULT_TIMEOUT_MINUTES = 60
MAX_TIMEOUT_MINUTES = 7 * 24 * 60


def register(app: App, store: Store, intake: Intake) -> None:
    app.function(STEP_CALLBACK_ID)(bind(run_step, store, intake))


def _text(inputs: dict[str, Any], name: str) -> str:
    value = inputs.get(name)
    return value.strip() if isinstance(value, str) else ""


def step_problem(inputs: dict[str, Any]) -> str | None:
    """What the step's own inputs lack, in a sentence for the workflow's author; the send's
    rules are the intake's."""
    if not _text(inputs, "sender"):
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
    store: Store,
    intake: Intake,
    event: dict[str, Any],
    inputs: dict[str, Any],
    fail: Fail,
    body: dict[str, Any],
) -> None:
    execution_id = str(event.get("function_execution_id") or "")
    if not execution_id or store.steps.known(execution_id):  # Slack retried the event
        return
    inputs = inputs if isinstance(inputs, dict) else {}
    outcome: Accepted | Refused | None = None
    problem = step_problem(inputs)
    if problem is None:
        draft = Draft(
            surface=Surface.WORKFLOW_STEP,
            team_id=str(body.get("team_id") or ""),
            channel_id=_text(inputs, "channel"),
            user_id=_text(inputs, "sender"),
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
        )
        outcome = intake.accept(draft)
        if isinstance(outcome, Refused):
            problem = "; ".join(outcome.errors.values())
    if problem is not None or not isinstance(outcome, Accepted):
        log.info("workflow step %s refused: %s", execution_id, (problem or "")[:120])
        fail(problem or _("step.gone"))
        return
    minutes = inputs.get("timeout_minutes") or DEFAULT_TIMEOUT_MINUTES
    store.steps.start(
        execution_id,
        outcome.send_id,
        str(event.get("bot_access_token") or ""),
        _text(inputs, "wait_for") or "accepted",
        time.time() + float(minutes) * 60,
    )
    log.info("workflow step %s: send %s stored", execution_id, outcome.send_id)
