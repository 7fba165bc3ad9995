"""Workflow Builder's part on the demo page: a workflow reaching the app's step "Send a Viber
message". The Slack stand-in builds the `function_executed` event (with its execution id and
short-lived token), the page posts it to the app signed, as Slack does; the app's completion
calls land in the stand-in (`completions`), where the panel reads each run's outcome."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from sandbox.demo import stories
from sandbox.demo.workflow import (
    CALLBACK_ID,
    BadStep,
    Outcome,
    StepRun,
    outcome_of,
    render_form,
    render_runs,
    step_inputs,
    thread_ts,
)
from sandbox.demo.world import APP_ID, CHANNEL_ID, PEOPLE, TEAM_ID, DemoWorld

FORM_TEXT = "Đơn hàng A123 đã được giao. Cảm ơn chị!"


class WorkflowBuilder:
    """The runs the page started, and what Workflow Builder shows of them."""

    def __init__(self, world: DemoWorld, channel_name: str) -> None:
        self.world = world
        self.channels = {CHANNEL_ID: channel_name}
        self.runs: list[StepRun] = []
        self._lock = threading.Lock()

    def run(self, data: dict[str, Any]) -> dict[str, Any]:
        """Run the step with the form's values (`values`): the event, signed, to the app."""
        try:
            inputs = step_inputs(data.get("values") or {}, people=PEOPLE, channels=self.channels)
        except BadStep as refused:
            return {"error": str(refused)}
        slack = self.world.slack
        with slack.lock:
            body = slack.function_executed(
                inputs, team=TEAM_ID, app_id=APP_ID, callback_id=CALLBACK_ID
            )
        execution_id = body["event"]["function_execution_id"]
        started = time.time()
        answer = self.world.to_app(json.dumps(body, ensure_ascii=False), "application/json")
        with self._lock:
            self.runs.append(StepRun(execution_id, inputs, started, answer.status_code))
        return {"execution_id": execution_id, "status": answer.status_code}

    def stop(self, data: dict[str, Any]) -> dict[str, Any]:
        """The workflow stops waiting for a run (cancelled by its owner, say): the app's
        completion is then refused, as Slack refuses it."""
        execution_id = str(data.get("execution_id") or "")
        outcome = dict(self.outcomes()).get(execution_id)
        if outcome is None:
            return {"error": "no such run"}
        if outcome.state != "running":
            return {"error": "that run is not running"}
        with self.world.slack.lock:
            self.world.slack.stopped.add(execution_id)
        return {}

    def outcomes(self) -> list[tuple[str, Outcome]]:
        return [(run.execution_id, outcome) for run, outcome in self._with_outcomes()]

    def _with_outcomes(self) -> list[tuple[StepRun, Outcome]]:
        slack = self.world.slack
        with self._lock:
            runs = list(self.runs)
        with slack.lock:
            done = {c.execution_id: c for c in slack.completions}
            stopped = set(slack.stopped)
        return [
            (run, outcome_of(run, done.get(run.execution_id), run.execution_id in stopped))
            for run in runs
        ]

    def state(self, names: dict[str, str]) -> dict[str, Any]:
        """The panel's part of the page's state: the form, the runs' HTML, and the runs."""
        runs = self._with_outcomes()
        return {
            "workflow_form": render_form(
                people=PEOPLE, channels=self.channels, phones=stories.DELIVERED, text=FORM_TEXT
            ),
            "workflow": render_runs(runs, names=names, channel_id=CHANNEL_ID),
            "step_runs": [
                {
                    "execution_id": run.execution_id,
                    "inputs": dict(run.inputs),
                    "state": outcome.state,
                    "outputs": outcome.outputs,
                    "error": outcome.error,
                    "thread_ts": thread_ts((outcome.outputs or {}).get("thread_url")),
                }
                for run, outcome in runs
            ],
        }
