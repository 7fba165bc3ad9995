"""Workflow Builder's "Send a Viber message" step (a custom function, `function_executed`).

The step sends on behalf of the person named in its inputs, through exactly the rules of the
composer (access, validation, opt-outs, marketing hours and cap, approvals). What can be told
at once fails the step at once; everything else is recorded, and the run is completed later by
whichever process sees its send's outcome (`bot.jobs.steps`)."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import App, Fail

from bot.config import Settings
from bot.core.draft import check_draft
from bot.core.i18n import _
from bot.core.message import ViberMessage
from bot.core.model import Category
from bot.slack.binding import bind
from bot.slack.people import PeopleList
from bot.slack.sending import Origin, accept_draft, opted_out_error
from bot.store import Store

log = logging.getLogger(__name__)

STEP_CALLBACK_ID = "send_viber_message"
DEFAULT_TIMEOUT_MINUTES = 60
MAX_TIMEOUT_MINUTES = 7 * 24 * 60


def register(app: App, settings: Settings, store: Store, senders: PeopleList | None) -> None:
    app.function(STEP_CALLBACK_ID)(bind(run_step, settings, store, senders))


def _text(inputs: dict[str, Any], name: str) -> str:
    value = inputs.get(name)
    return value.strip() if isinstance(value, str) else ""


def step_problem(
    settings: Settings, store: Store, senders: PeopleList | None, inputs: dict[str, Any]
) -> str | None:
    """Why the step cannot send, in a sentence for the workflow's author; None when it can."""
    sender, channel = _text(inputs, "sender"), _text(inputs, "channel")
    if not sender:
        return _("step.no_sender")
    if senders is not None and not senders.contains(sender, fresh=True):
        return _("step.sender_not_allowed", user=sender)
    if not channel:
        return _("step.no_channel")
    if settings.allowed_channels and channel not in settings.allowed_channels:
        return _("step.channel_not_allowed", channel=channel)
    draft = check_draft(_text(inputs, "phones"), _message(store, inputs))
    if not draft.ok:
        return "; ".join(f"{_(f'field.{f}')}: {p}" for f, p in draft.errors.items())
    if opted_out := opted_out_error(store, draft.phones):
        return opted_out
    brandname = _text(inputs, "brandname") or settings.esms_brandname
    if brandname not in settings.esms_brandnames:
        return _("step.brandname", brandname=brandname, known=", ".join(settings.esms_brandnames))
    if (_text(inputs, "category") or Category.CARE) not in (Category.CARE, Category.MARKETING):
        return _("err.category")
    if _text(inputs, "wait_for") not in ("", "accepted", "delivered"):
        return _("step.wait_for")
    if _text(inputs, "template") and _text(inputs, "template") not in store.templates.all():
        return _("step.template", name=_text(inputs, "template"))
    minutes = inputs.get("timeout_minutes")
    if minutes not in (None, "") and not (
        isinstance(minutes, int | float) and 0 < minutes <= MAX_TIMEOUT_MINUTES
    ):
        return _("step.timeout", limit=MAX_TIMEOUT_MINUTES)
    return None


def _message(store: Store, inputs: dict[str, Any]) -> ViberMessage:
    message = ViberMessage.from_fields(
        _text(inputs, "text"),
        _text(inputs, "image_url"),
        _text(inputs, "button_label"),
        _text(inputs, "button_url"),
    )
    template = store.templates.all().get(_text(inputs, "template"))
    return message if message.text or message.image_url or template is None else template


def run_step(
    settings: Settings,
    store: Store,
    senders: PeopleList | None,
    event: dict[str, Any],
    inputs: dict[str, Any],
    fail: Fail,
    body: dict[str, Any],
) -> None:
    execution_id = str(event.get("function_execution_id") or "")
    if not execution_id or store.steps.known(execution_id):  # Slack retried the event
        return
    inputs = inputs if isinstance(inputs, dict) else {}
    if problem := step_problem(settings, store, senders, inputs):
        log.info("workflow step %s refused: %s", execution_id, problem[:120])
        fail(problem)
        return
    draft = check_draft(_text(inputs, "phones"), _message(store, inputs))
    category = _text(inputs, "category") or Category.CARE
    origin = Origin(
        team_id=str(body.get("team_id") or ""),
        channel_id=_text(inputs, "channel"),
        user_id=_text(inputs, "sender"),
    )
    send_id = accept_draft(
        settings,
        store,
        draft,
        origin,
        brandname=_text(inputs, "brandname") or None,
        category=category,
        sms_fallback=bool(inputs.get("sms_fallback")) if "sms_fallback" in inputs else None,
    )
    minutes = inputs.get("timeout_minutes") or DEFAULT_TIMEOUT_MINUTES
    store.steps.start(
        execution_id,
        send_id,
        str(event.get("bot_access_token") or ""),
        _text(inputs, "wait_for") or "accepted",
        time.time() + float(minutes) * 60,
    )
    log.info("workflow step %s: send %s stored", execution_id, send_id)
