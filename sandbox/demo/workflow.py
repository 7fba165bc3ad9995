"""The page's Workflow Builder panel: a form for the main inputs of the app's step "Send a
Viber message", and the step's runs as Workflow Builder shows them (running…, ✓ completed with
the outputs, ✗ failed with the app's sentence).

Pure: the form's HTML, the step's `inputs` from what the form sends (what Workflow Builder
itself would not let an author save raises `BadStep`), and the runs' HTML from the runs the
page started and the completions the Slack stand-in recorded. The event itself is the
stand-in's `function_executed`, posted signed to the app by the page.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.formatting import VIETNAM
from sandbox.demo.elements import attrs
from sandbox.demo.mrkdwn import render_mrkdwn

CALLBACK_ID = "send_viber_message"  # the step's callback id in manifest.workflow.yml
WAIT_FOR = {"accepted": "accepted by eSMS", "delivered": "delivered (or final)"}
# Workflow Builder's names for the step's outputs (manifest.workflow.yml), in its order.
OUTPUTS = (
    ("send_id", "Send id"),
    ("thread_url", "Link to the thread"),
    ("delivered", "Delivered"),
    ("failed", "Failed"),
    ("pending", "Pending"),
    ("states", "Each recipient's state"),
)
_PERMALINK = re.compile(r"https://[^/]+/archives/([A-Z0-9]+)/p(\d{7,})")


class BadStep(ValueError):
    """What Workflow Builder would not let an author save: the page says so, nothing is run."""


@dataclass(frozen=True)
class StepRun:
    """One run the page started: the event's execution id, its inputs, when, and the HTTP
    status the app answered the event with."""

    execution_id: str
    inputs: Mapping[str, Any]
    started_at: float
    status: int


@dataclass(frozen=True)
class Outcome:
    """What Workflow Builder shows for a run: `state` running | completed | failed | stopped."""

    state: str
    outputs: Mapping[str, Any] | None = None
    error: str | None = None


def step_inputs(
    values: Mapping[str, Any], *, people: Mapping[str, str], channels: Mapping[str, str]
) -> dict[str, Any]:
    """The step's `inputs` from the form's values ({field: text}), as Workflow Builder sends
    them: optional inputs left empty are left out, the timeout is a number. The phones and the
    text go as typed: judging them is the app's part."""

    def text(name: str) -> str:
        value = values.get(name)
        if value is not None and not isinstance(value, str):
            raise BadStep(f"{name}: one text expected, not {type(value).__name__}")
        return (value or "").strip()

    sender, channel, phones = text("sent_by"), text("channel"), text("phones")
    if sender not in people:
        raise BadStep("Sent by: choose one of the people of the workspace")
    if channel not in channels:
        raise BadStep("Channel for the thread: choose a channel")
    if not phones:
        raise BadStep("Phone numbers: this input is required")
    # `sent_by` is a user_context: Slack fills it with the person who ran the workflow.
    context = {"id": sender, "secret": secrets.token_hex(8)}
    inputs: dict[str, Any] = {"sent_by": context, "channel": channel, "phones": phones}
    if message := text("text"):
        inputs["text"] = message
    wait_for = text("wait_for") or "accepted"
    if wait_for not in WAIT_FOR:
        raise BadStep(f"Wait for: accepted or delivered, not {wait_for!r}")
    inputs["wait_for"] = wait_for
    if minutes := text("timeout_minutes"):
        try:
            number = float(minutes.replace(",", "."))
        except ValueError:
            raise BadStep(f"Timeout in minutes: {minutes!r} is not a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise BadStep(f"Timeout in minutes: {minutes!r} is not a number")
        inputs["timeout_minutes"] = int(number) if number.is_integer() else number
    return inputs


def outcome_of(run: StepRun, completion: Any, stopped: bool) -> Outcome:
    """A run's outcome from the stand-in's completion of it (None: none yet)."""
    if completion is not None and completion.method == "functions.completeSuccess":
        return Outcome("completed", outputs=dict(completion.outputs or {}))
    if completion is not None:
        return Outcome("failed", error=str(completion.error or ""))
    if run.status != 200:
        return Outcome("failed", error=f"the app answered the event with HTTP {run.status}")
    return Outcome("stopped") if stopped else Outcome("running")


def thread_ts(url: Any) -> str | None:
    """The ts of the message a Slack permalink (`…/archives/C…/p1700000000000100`) points at."""
    found = _PERMALINK.fullmatch(url) if isinstance(url, str) else None
    if not found:
        return None
    digits = found.group(2)
    return f"{digits[:-6]}.{digits[-6:]}"


def render_form(
    *, people: Mapping[str, str], channels: Mapping[str, str], phones: str, text: str
) -> str:
    """The panel's form: the step's main inputs, and "Run the step"."""

    def options(choices: Mapping[str, str]) -> str:  # the first one chosen
        return "".join(
            f"<option {attrs(value=key, selected=index == 0)}>{html.escape(label)}</option>"
            for index, (key, label) in enumerate(choices.items())
        )

    def field(label: str, control: str) -> str:
        return f'<label class="wf-field"><span>{html.escape(label)}</span>{control}</label>'

    fields = [
        # Workflow Builder fills it with whoever runs the workflow: here, whom the page plays.
        field("Sent by", f'<select name="sent_by">{options(people)}</select>'),
        field(
            "Channel for the thread",
            f'<select name="channel">{options({k: "#" + v for k, v in channels.items()})}</select>',
        ),
        field("Phone numbers", f"<input {attrs(name='phones', value=phones)}>"),
        field("Text", f'<textarea name="text" rows="2">{html.escape(text)}</textarea>'),
        field("Wait for", f'<select name="wait_for">{options(WAIT_FOR)}</select>'),
        field(
            "Timeout in minutes",
            '<input name="timeout_minutes" inputmode="decimal" placeholder="60 (default)">',
        ),
    ]
    return (
        f'<form id="workflow-form" class="wf-form" {attrs(data_callback_id=CALLBACK_ID)}>'
        f'{"".join(fields)}<button type="submit">Run the step</button></form>'
    )


def render_runs(
    runs: Sequence[tuple[StepRun, Outcome]],
    *,
    names: Mapping[str, str],
    channel_id: str,
) -> str:
    """The runs, newest first, as Workflow Builder's activity shows them."""
    if not runs:
        return '<div class="wf-none">No runs yet.</div>'
    return "".join(
        _run(run, outcome, names, channel_id)
        for run, outcome in sorted(runs, key=lambda pair: -pair[0].started_at)
    )


def _run(run: StepRun, outcome: Outcome, names: Mapping[str, str], channel_id: str) -> str:
    status = {
        "running": "running…",
        "completed": "✓ completed",
        "stopped": "■ the workflow stopped waiting",
    }.get(outcome.state, "✗ failed: ")
    if outcome.state == "failed":
        status += f'<span class="wf-error">{render_mrkdwn(outcome.error or "", names=names)}</span>'
    else:
        status = html.escape(status)
    moment = datetime.fromtimestamp(run.started_at, VIETNAM)
    context = run.inputs.get("sent_by")
    sender = str(context.get("id") or "") if isinstance(context, Mapping) else ""
    about = [
        f"run by {names.get(sender, sender) or '?'}",
        "#" + names.get(str(run.inputs.get("channel")), str(run.inputs.get("channel"))),
        str(run.inputs.get("phones") or ""),
        f"wait for {run.inputs.get('wait_for') or 'accepted'}",
    ]
    if "timeout_minutes" in run.inputs:
        about.append(f"timeout {run.inputs['timeout_minutes']:g} min")
    parts = [
        f'<div class="wf-run-head"><span class="wf-status">{status}</span></div>',
        f'<div class="wf-about"><time>{moment:%H:%M:%S}</time> · '
        f"{html.escape(' · '.join(about))}</div>",
    ]
    if outcome.outputs is not None:
        parts.append(_outputs(outcome.outputs, channel_id, names))
    if outcome.state == "running":
        stop = attrs(type="button", class_="wf-stop", data_execution_id=run.execution_id)
        parts.append(f"<button {stop}>Stop the workflow</button>")
    wrapper = attrs(
        class_=f"wf-run wf-{outcome.state}",
        data_execution_id=run.execution_id,
        data_state=outcome.state,
    )
    return f"<div {wrapper}>{''.join(parts)}</div>"


def _outputs(outputs: Mapping[str, Any], channel_id: str, names: Mapping[str, str]) -> str:
    rows = []
    for key, title in OUTPUTS:
        value = outputs.get(key)
        if key == "thread_url":
            shown = _thread_link(value, channel_id, names)
        else:
            shown = html.escape("" if value is None else str(value))
        rows.append(f"<dt>{html.escape(title)}</dt><dd {attrs(data_output=key)}>{shown}</dd>")
    return f'<dl class="wf-outputs">{"".join(rows)}</dl>'


def _thread_link(url: Any, channel_id: str, names: Mapping[str, str]) -> str:
    """The thread on the page (a button that scrolls to it), the permalink as its title."""
    ts = thread_ts(url)
    found = _PERMALINK.fullmatch(url) if isinstance(url, str) else None
    if ts is None or found is None or found.group(1) != channel_id:
        return html.escape(str(url or "—"))
    where = attrs(type="button", class_="wf-thread-link", data_thread_ts=ts, title=url)
    channel = html.escape(names.get(channel_id, channel_id))
    return f"<button {where}>the thread in #{channel}</button>"
