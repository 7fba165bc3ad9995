"""Talk to the real app as Slack does, and run it as a process (`viber-bot serve`, gunicorn);
`tests.e2e.inprocess` serves it from a thread of the test instead."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from bot.core.consent import SOURCE_IMPORT
from bot.store import Store
from bot.store.consents import NewConsent
from sandbox.launch import BOT_TOKEN, SIGNING_SECRET, AppLauncher, app_environment, free_port
from sandbox.standins.slack_api import TEAM_ID

__all__ = [
    "BOT_TOKEN",
    "AppProcess",
    "SlackRequests",
    "advertised",
    "app_environment",
    "consent_on_record",
    "free_port",
    "run_cli",
    "wait_for",
]
T = TypeVar("T")


def run_cli(
    env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`viber-bot ARGS` as a separate process; its output must never show a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or tempfile.mkdtemp(),  # away from a developer's .env, which would leak in
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-2000:]
    return result


def consent_on_record(env: dict[str, str], *phones: str) -> None:
    """Consent to marketing recorded for these numbers in the app's database, as a team's
    import of its signed forms would have it."""
    store = Store.open(env["DATABASE_URL"])
    try:
        agreed = [NewConsent(phone, "signed form 12/2026", time.time() - 86400) for phone in phones]
        store.consents.give_many(agreed, "cli:admin", SOURCE_IMPORT)
    finally:
        store.close()


def advertised(content: str) -> str:
    """An advertisement's Content as eSMS received it, without the stop link it must end with."""
    text, line, link = content.rpartition("\r\nTừ chối nhận tin: ")
    assert line and re.fullmatch(r"http://127\.0\.0\.1:\d+/stop/[A-Za-z0-9_-]{22}", link), content
    return text


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.05) -> T:
    """Poll until `predicate()` is truthy and return it; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    assert value, f"condition not met within {timeout} s"
    return value


class SlackRequests:
    """What Slack sends the app under test: signed requests to `base_url` over real HTTP,
    whichever way the app is served."""

    base_url: str

    def post_signed(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
    ) -> requests.Response:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        }
        return requests.post(
            self.base_url + "/slack/events", data=body.encode(), headers=headers, timeout=10
        )

    def command(
        self,
        text: str,
        *,
        channel: str = "C0001",
        user: str = "U0001",
        response_url: str = "",
        team: str = TEAM_ID,
    ) -> requests.Response:
        body = urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": team,
                "team_domain": "example",
                "channel_id": channel,
                "channel_name": "support",
                "user_id": user,
                "user_name": "agent",
                "command": "/viber",
                "text": text,
                "api_app_id": "A0001",
                "is_enterprise_install": "false",
                "response_url": response_url,
                "trigger_id": "1234.5678.trigger",
            }
        )
        return self.post_signed(body)

    def submit_composer(
        self,
        values: dict[str, str],
        *,
        channel: str = "C0001",
        user: str = "U0001",
        response_url: str | None = None,
        thread_ts: str | None = None,
        extra_state: dict[str, dict] | None = None,
    ) -> requests.Response:
        state = {
            name: {"value": {"type": "plain_text_input", "value": value or None}}
            for name, value in values.items()
        }
        state.update({name: {"value": element} for name, element in (extra_state or {}).items()})
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "example"},
            "user": {"id": user, "username": "agent", "team_id": TEAM_ID},
            "api_app_id": "A0001",
            "trigger_id": "1234.5678.trigger",
            "view": {
                "id": "V0001",
                "type": "modal",
                "callback_id": "viber_compose",
                "private_metadata": json.dumps(
                    {"c": channel, "r": response_url, "t": thread_ts, "v": 0}
                ),
                "state": {"values": state},
            },
        }
        return self.post_signed(urlencode({"payload": json.dumps(payload)}))

    def click(
        self, action_id: str, send_id: str, *, user: str, response_url: str, channel: str = "C0001"
    ) -> requests.Response:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "example"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0001",
            "trigger_id": "2345.6789.trigger",
            "container": {
                "type": "message",
                "message_ts": "1700000001.000100",
                "channel_id": channel,
            },
            "channel": {"id": channel, "name": "support"},
            "response_url": response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "approval",
                    "value": send_id,
                    "action_ts": str(time.time()),
                }
            ],
        }
        return self.post_signed(urlencode({"payload": json.dumps(payload)}))

    def shortcut(
        self, text: str, *, channel: str, ts: str, thread_ts: str | None = None, user: str = "U0001"
    ):
        message = {"type": "message", "user": "U0CUSTOMERCARE", "ts": ts, "text": text}
        if thread_ts:
            message["thread_ts"] = thread_ts
        payload = {
            "type": "message_action",
            "callback_id": "send_on_viber",
            "team": {"id": TEAM_ID, "domain": "example"},
            "user": {"id": user, "team_id": TEAM_ID},
            "channel": {"id": channel, "name": "support"},
            "trigger_id": "3456.7890.trigger",
            "response_url": "",
            "message_ts": ts,
            "message": message,
        }
        return self.post_signed(urlencode({"payload": json.dumps(payload)}))

    def pick_template(self, view: dict, name: str, typed: dict[str, str], *, user: str = "U0001"):
        state = {
            block: {"value": {"type": "plain_text_input", "value": value}}
            for block, value in typed.items()
        }
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "example"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A0001",
            "trigger_id": "4567.8901.trigger",
            "container": {"type": "view", "view_id": "V0001"},
            "view": {**view, "id": "V0001", "hash": "h1", "state": {"values": state}},
            "actions": [
                {
                    "type": "static_select",
                    "action_id": "pick_template",
                    "block_id": "templates",
                    "selected_option": {
                        "text": {"type": "plain_text", "text": name},
                        "value": name,
                    },
                    "action_ts": str(time.time()),
                }
            ],
        }
        return self.post_signed(urlencode({"payload": json.dumps(payload)}))

    def suggest(
        self, view: dict, block_id: str, action_id: str, typed: str, *, user: str = "U0001"
    ) -> requests.Response:
        """What Slack asks a searchable select's options with (block_suggestion)."""
        payload = {
            "type": "block_suggestion",
            "team": {"id": TEAM_ID, "domain": "example"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A0001",
            "container": {"type": "view", "view_id": "V0001"},
            "view": {**view, "id": "V0001", "hash": "h1", "state": {"values": {}}},
            "block_id": block_id,
            "action_id": action_id,
            "value": typed,
        }
        return self.post_signed(urlencode({"payload": json.dumps(payload)}))

    def submit_rejection(self, send_id: str, reason: str, *, user: str) -> requests.Response:
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "example"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A0001",
            "view": {
                "id": "V0002",
                "type": "modal",
                "callback_id": "viber_reject",
                "private_metadata": send_id,
                "state": {
                    "values": {
                        "reason": {"value": {"type": "plain_text_input", "value": reason or None}}
                    }
                },
            },
        }
        return self.post_signed(urlencode({"payload": json.dumps(payload)}))


class AppProcess(SlackRequests, AppLauncher):
    """The app under test as its own process (`viber-bot serve`, gunicorn): for the tests that
    kill, restart or signal it, run several, or read what only a process has (its log file,
    gunicorn's options, its memory)."""


def composer_values(
    recipients: str = "0901234567",
    text: str = "",
    image_url: str = "",
    button_label: str = "",
    button_url: str = "",
) -> dict[str, str]:
    return {
        "recipients": recipients,
        "text": text,
        "image_url": image_url,
        "button_label": button_label,
        "button_url": button_url,
    }


def json_or_empty(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
