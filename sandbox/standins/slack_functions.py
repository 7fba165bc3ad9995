"""Workflow Builder's side of a custom step, for the Slack stand-in: the `function_executed`
event Slack sends when a workflow reaches the step, and the completion calls the app makes
(functions.completeSuccess / completeError) with the run's short-lived token."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

from sandbox.standins.http import Reply

_IDS = itertools.count(1)
# Slack's maintainers: a run's token expires about 15 minutes after it is issued.
FUNCTION_TOKEN_SECONDS = 15 * 60


@dataclass(frozen=True)
class Completion:
    execution_id: str
    method: str  # functions.completeSuccess | functions.completeError
    outputs: dict[str, Any] | None
    error: str | None
    token: str


class SlackFunctions:
    """`function_executed` for the tests and the demo, and the two completion methods."""

    def _init_functions(self) -> None:
        self.completions: list[Completion] = []
        self.function_tokens: dict[str, str] = {}  # execution id → its token
        self.function_token_issued: dict[str, float] = {}  # token → when it was issued
        self.function_token_seconds = FUNCTION_TOKEN_SECONDS
        self.clock_offset = 0.0  # seconds added to the stand-in's clock, to age the tokens
        self.stopped: set[str] = set()  # runs the workflow stopped waiting for
        self.refuse_completions: str | None = None  # an error code for every completion

    def function_executed(
        self, inputs: dict[str, Any], *, team: str, app_id: str, callback_id: str
    ) -> dict[str, Any]:
        """The Events API body Slack posts when a workflow runs the app's step."""
        number = next(_IDS)
        execution_id, token = f"Fx{number:010d}", f"xwfp-test-{number:06d}"
        self.function_tokens[execution_id] = token
        self.function_token_issued[token] = time.time() + self.clock_offset
        now = int(time.time())
        return {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": app_id,
            "type": "event_callback",
            "event_id": f"Ev{number:010d}",
            "event_time": now,
            "event": {
                "type": "function_executed",
                "function": {
                    "id": f"Fn{number:010d}",
                    "callback_id": callback_id,
                    "title": "Send a Viber message",
                    "type": "app",
                    "app_id": app_id,
                    "date_created": now,
                },
                "inputs": inputs,
                "function_execution_id": execution_id,
                "workflow_execution_id": f"Wx{number:010d}",
                "event_ts": f"{now}.000100",
                "bot_access_token": token,
            },
        }

    def completion_of(self, execution_id: str) -> Completion | None:
        return next((c for c in self.completions if c.execution_id == execution_id), None)

    def _complete(self, method: str, args: dict[str, Any], token: str) -> Reply:
        execution_id = str(args.get("function_execution_id") or "")
        if token != self.token:  # the bot token completes any run; a run's token only its own
            issued = self.function_token_issued.get(token)
            expired = (
                issued is None
                or time.time() + self.clock_offset - issued > self.function_token_seconds
            )
            if expired or self.function_tokens.get(execution_id) != token:
                return Reply(200, {"ok": False, "error": "invalid_auth"})
        if execution_id not in self.function_tokens:
            return Reply(200, {"ok": False, "error": "function_execution_not_found"})
        if self.refuse_completions:
            return Reply(200, {"ok": False, "error": self.refuse_completions})
        if execution_id in self.stopped or self.completion_of(execution_id):
            return Reply(200, {"ok": False, "error": "execution_not_in_running_state"})
        outputs = args.get("outputs")
        if isinstance(outputs, str):  # slack_sdk sends it as a JSON string in a form
            try:
                outputs = json.loads(outputs)
            except ValueError:
                outputs = None
        if method.endswith("Success") and not isinstance(outputs, dict):
            return Reply(200, {"ok": False, "error": "invalid_arguments"})
        error = args.get("error")
        if method.endswith("Error") and not (isinstance(error, str) and error):
            return Reply(200, {"ok": False, "error": "invalid_arguments"})
        self.completions.append(Completion(execution_id, method, outputs, error, token))
        return Reply(200, {"ok": True})
