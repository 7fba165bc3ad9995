"""Run the real app (`viber-bot serve`, gunicorn) as a process and talk to it as Slack does."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from bot.standins import esms as esms_stand_in
from bot.standins.slack_api import TEAM_ID

SIGNING_SECRET = "test-signing-secret-0000"
BOT_TOKEN = "xoxb-test-token"
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.05) -> T:
    """Poll until `predicate()` is truthy and return it; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    assert value, f"condition not met within {timeout} s"
    return value


def app_environment(
    slack_url: str, esms_url: str, port: int, database: Path, **extra: str
) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "ESMS_"))
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_url + "api/",
        ESMS_API_KEY=esms_stand_in.API_KEY,
        ESMS_SECRET_KEY=esms_stand_in.SECRET_KEY,
        ESMS_BRANDNAME=esms_stand_in.BRANDNAME,
        ESMS_API_URL=esms_url,
        ESMS_TIMEOUT_SECONDS="1",
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=f"sqlite:///{database}",
        RETRY_BASE_SECONDS="0.05",
        JOB_LEASE_SECONDS="3",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


class AppProcess:
    def __init__(
        self, env: dict[str, str], port: int, log_path: Path, args: Sequence[str] = ()
    ) -> None:
        self.env = env
        self.port = port
        self.log_path = log_path
        self.args = tuple(args)  # more options for `viber-bot serve`, e.g. "--access-log"
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = f"http://127.0.0.1:{port}"

    def start(self) -> AppProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *self.args,
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.log_path.parent,  # away from a developer's .env, which would leak in
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"app exited early:\n{self.log()}")
            try:
                if requests.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # still starting: on a busy machine the first answer may take over a second
            time.sleep(0.1)
        raise AssertionError(f"app did not become healthy:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(15)
        self.process = None

    def kill(self) -> None:
        """SIGKILL the server and its worker: no cleanup, no graceful shutdown."""
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- speaking as Slack --------------------------------------------------------------------

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
