"""Campaign benchmark, as Slack, eSMS and agents: the CSV, signed payloads, load, callbacks."""

from __future__ import annotations

import json
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import requests

from benchmarks.ack_latency import drive
from benchmarks.common import AppProcess, EsmsStandIn, SlackApiStandIn
from sandbox.standins.esms import Submission
from sandbox.standins.slack_api import TEAM_ID, Message, block_text

CHANNEL = "C0CAMPAIGN"  # the agents' composer sends go to C0001: their Slack calls stay apart
HEADER = "\ufeffSố điện thoại;Tên khách;Mã đơn\n"
TEXT = "Chào {Tên khách}, đơn {Mã đơn} của bạn đã sẵn sàng. Cảm ơn bạn đã mua hàng!"
FIRST_PHONE = 950_000_000  # rows go to 0950000000…; the agents' composer to 09000000xx
CALLBACK_THREADS = 32


def row_phone(index: int) -> str:
    return f"0{FIRST_PHONE + index:09d}"


def is_row(phone: str) -> bool:
    """A campaign row's phone (the agents' composer sends go to others)."""
    return len(phone) == 10 and phone >= row_phone(0)


def sheet(rows: int) -> bytes:
    lines = [f"{row_phone(i)};Khách {i};ĐH{i:05d}" for i in range(rows)]
    return (HEADER + "\n".join(lines) + "\n").encode()


def job_threads(rate: float, delay: float) -> int:
    """Enough eSMS calls in flight for the pace at that latency, twice over (at most 64)."""
    return max(1, min(64, math.ceil(2 * rate * delay + 4)))


# -- speaking as Slack ------------------------------------------------------------------------


def submit_campaign(app: AppProcess, upload: dict[str, Any]) -> requests.Response:
    """The campaign modal submitted with the uploaded file, as Slack posts it."""
    state = {
        "file": {"value": {"type": "file_input", "files": [upload]}},
        "text": {"value": {"type": "plain_text_input", "value": TEXT}},
        "button_label": {"value": {"type": "plain_text_input", "value": None}},
        "button_url": {"value": {"type": "plain_text_input", "value": None}},
        "category": {"value": {"type": "static_select", "selected_option": {"value": "care"}}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "example"},
        "user": {"id": "U0001", "username": "agent", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": "1234.5678.trigger",
        "view": {
            "id": "V0002",
            "type": "modal",
            "callback_id": "viber_campaign",
            "private_metadata": json.dumps({"c": CHANNEL, "r": None, "t": None, "v": 0}),
            "blocks": [{"type": "input", "block_id": name} for name in state],
            "state": {"values": state},
        },
    }
    return app.post_signed(urlencode({"payload": json.dumps(payload)}))


def button(message: Message, action_id: str) -> str | None:
    """The value of the parent's button `action_id`, None while it has none."""
    for block in message.blocks:
        if block.get("type") != "actions":
            continue
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element.get("value"))
    return None


def press(app: AppProcess, parent: Message, action_id: str, value: str) -> requests.Response:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "example"},
        "user": {"id": "U0001", "username": "agent", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": "9.9.trigger",
        "container": {"type": "message", "message_ts": parent.ts, "channel_id": CHANNEL},
        "channel": {"id": CHANNEL, "name": "campaigns"},
        "message": {"ts": parent.ts, "text": parent.text},
        "response_url": "",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "campaign",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }
    return app.post_signed(urlencode({"payload": json.dumps(payload)}))


def thread_text(slack: SlackApiStandIn, parent_ts: str) -> str:
    return "\n".join(m.text + "\n" + block_text(m.blocks) for m in slack.replies(parent_ts))


def wait_until(predicate: Any, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def say(text: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {text}", flush=True)


# -- load beside the campaign, and eSMS's side of it --------------------------------------------


class Agents:
    """Rounds of benchmark 1's drive (each agent one /viber and one composer submission), a pause
    apart, on a thread of their own until stopped."""

    def __init__(self, app: AppProcess, agents: int, pause: float) -> None:
        self.app, self.agents, self.pause = app, agents, pause
        self.timings: list[float] = []
        self.composed: list[float] = []  # when each composer submission had been acknowledged
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.pause):
            try:
                self.timings += drive(self.app, self.agents, 2 * self.agents)
                self.composed += [time.time()] * self.agents
            except Exception as error:  # reported in the table, not lost
                self.error = f"{type(error).__name__}: {error}"[:200]
                return

    def run_for(self, seconds: float) -> list[float]:
        self.start()
        time.sleep(seconds)
        return self.stop()

    def start(self) -> Agents:
        self._thread.start()
        return self

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join()
        return self.timings


def accepted_rows(esms: EsmsStandIn) -> list[Submission]:
    """Every submission of a campaign row that eSMS accepted."""
    with esms.lock:
        return [s for s in esms.submissions if s.code == 100 and s.phones and is_row(s.phones[0])]


def callback_all(esms: EsmsStandIn, submissions: list[Submission]) -> list[int | None]:
    """eSMS calling back every row delivered, from a pool of threads; the app's HTTP statuses."""

    def one(submission: Submission) -> int | None:
        try:
            return esms.callback(submission, 5, success=1, TotalPrice="470.0000").status_code
        except requests.RequestException:
            return None

    with ThreadPoolExecutor(CALLBACK_THREADS) as pool:
        return list(pool.map(one, submissions))
