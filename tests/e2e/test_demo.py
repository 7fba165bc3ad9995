"""`viber-bot demo` as a newcomer runs it: nothing configured, the real app against the local
stand-ins, driven here through the page's own API (the browser test drives the page itself)."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import pytest
import requests

from tests.e2e.harness import free_port, wait_for


def start_demo(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ESMS_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", "--port", str(port), *args],
        env=env,
        cwd=tempfile.mkdtemp(),  # nothing configured: no .env, no database
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}/"


@pytest.fixture
def demo():
    process, url = start_demo()
    yield from _running(process, url)


@pytest.fixture
def demo_with_approvals():
    process, url = start_demo("--approvals")
    yield from _running(process, url)


def _running(process, url):
    def up():
        try:
            return requests.get(url + "api/state", timeout=1).ok
        except requests.RequestException:
            return process.poll() is not None

    wait_for(up, timeout=60)
    assert process.poll() is None, process.stdout.read().decode(errors="replace")[-3000:]
    yield Page(url)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
    output = process.communicate(timeout=20)[0].decode(errors="replace")
    assert process.returncode == 0 and "Traceback" not in output, output[-3000:]
    assert "The demo is at " + url in output


class Page:
    def __init__(self, url: str) -> None:
        self.url = url

    def state(self) -> dict:
        return requests.get(self.url + "api/state", timeout=5).json()

    def do(self, what: str, **data) -> dict:
        answer = requests.post(self.url + f"api/{what}", json=data, timeout=15).json()
        assert "error" not in answer, answer
        return answer

    def shown(self) -> str:
        state = self.state()
        return state["messages"] + state["ephemeral"]

    def open_composer(self) -> str:
        """Type `/viber`; the composer's view id once the page shows it."""
        self.do("command", text="/viber")
        modal = wait_for(lambda: self.state()["modal"], timeout=15)
        assert 'data-callback-id="viber_compose"' in modal
        return modal.split('data-view-id="', 1)[1].split('"', 1)[0]

    def click_in(self, containing: str, action_id: str) -> None:
        """Click `action_id` in the message that shows `containing`, as the page's script does."""
        messages = re.split(r'(?=<div class="sk-message[ "])', self.state()["messages"])
        [message] = [m for m in messages if containing in m]
        ts = message.split('data-ts="', 1)[1].split('"', 1)[0]
        button = message.split(f'data-action-id="{action_id}"', 1)[0]
        block_id = button.rsplit('data-block-id="', 1)[1].split('"', 1)[0]
        self.do("click", ts=ts, block_id=block_id, action_id=action_id)

    def hints(self) -> str:
        return " ".join(self.state()["hints"])


def test_the_page_and_its_files_are_served(demo):
    page = requests.get(demo.url, timeout=5)
    assert page.ok and "viber-bot" in page.text and "nothing reaches the internet" in page.text
    for name in ("demo.js", "demo.css"):
        assert requests.get(demo.url + "static/" + name, timeout=5).ok
    # Sent as it is: requests would tidy the dots away before they reach the server.
    connection = http.client.HTTPConnection(demo.url.split("//")[1].rstrip("/"), timeout=5)
    connection.request("GET", "/static/../world.py")
    assert connection.getresponse().status == 404
    connection.close()
    elsewhere = requests.post(demo.url + "api/command", data="text=/viber", timeout=5)
    assert elsewhere.status_code == 403  # a form another site could send is refused
    assert requests.post(demo.url + "api/nothing", json={}, timeout=5).status_code == 404


def test_a_quick_send_is_delivered_three_seconds_later_and_one_can_fail(demo):
    demo.do("outcome", phone="0912345678", outcome="fail")
    demo.do("command", text="/viber 0901234567,0912345678 Xin chào")
    assert "Sending to 2 numbers" in demo.shown()
    wait_for(lambda: "0901234567: delivered" in demo.shown(), timeout=30)
    wait_for(lambda: "0912345678: not delivered" in demo.shown(), timeout=30)
    assert "Delivered 1/2" in demo.shown()


def test_a_forced_esms_error_is_shown_in_the_thread(demo):
    demo.do("force", code=103)
    demo.do("command", text="/viber 0901234567 Xin chào")
    wait_for(lambda: "insufficient balance (103)" in demo.shown(), timeout=30)


def test_the_composer_opens_and_its_submission_sends(demo):
    demo.do("command", text="/viber")
    modal = wait_for(lambda: demo.state()["modal"], timeout=15)
    assert 'data-callback-id="viber_compose"' in modal
    view_id = modal.split('data-view-id="', 1)[1].split('"', 1)[0]
    demo.do("submit", view_id=view_id, values={"recipients": "0901234567", "text": "Chào chị"})
    assert demo.state()["modal"] is None
    wait_for(lambda: "0901234567: delivered" in demo.shown(), timeout=30)


def test_an_approver_approves_on_the_page(demo_with_approvals):
    demo = demo_with_approvals
    demo.do("command", text="/viber 0901234567 Cần duyệt")
    wait_for(lambda: "Awaiting approval" in demo.state()["messages"], timeout=15)
    demo.do("user", user="U0MINH")
    messages = demo.state()["messages"]
    ts = messages.split('data-ts="', 1)[1].split('"', 1)[0]
    block = messages.split('data-action-id="approve_send"', 1)[0].rsplit('data-block-id="', 1)[1]
    demo.do("click", ts=ts, block_id=block.split('"', 1)[0], action_id="approve_send")
    wait_for(lambda: "0901234567: delivered" in demo.shown(), timeout=30)


def test_the_fallback_number_gets_an_sms_when_its_viber_message_fails(demo):
    assert "0912345678</b>: its Viber message fails" in demo.hints()
    assert {"phone": "0912345678", "outcome": "Viber fails, SMS delivered"} in demo.state()[
        "outcomes"
    ]
    # The text fits a template registered for TESTCSKH once its diacritics are gone.
    text = "Đơn hàng A123 đã sẵn sàng. Chi tiết: https://shop.example/a123"
    demo.do("command", text=f"/viber 0901234567,0912345678 {text}")
    wait_for(lambda: "0912345678: Viber failed" in demo.shown(), timeout=30)
    wait_for(lambda: "SMS delivered · Mobifone" in demo.shown(), timeout=30)
    shown = demo.shown()
    assert "0912345678: not delivered" in shown and "→ sending an SMS instead" in shown
    assert "0901234567: delivered" in shown
    assert "Don hang A123 da san sang. Chi tiet: https://shop.example/a123" in shown
    sent = {(row["channel"], row["phone"], row["status"]) for row in demo.state()["gateway"]}
    assert sent == {
        ("viber", "0901234567", "delivered"),
        ("viber", "0912345678", "failed"),
        ("sms", "0912345678", "delivered"),
    }
    # Another number, another choice: both halves are taken.
    demo.do("outcome", phone="0934567890", outcome="fail", sms="fail")
    assert {"phone": "0934567890", "outcome": "Viber fails, SMS fails too"} in demo.state()[
        "outcomes"
    ]
    answer = requests.post(
        demo.url + "api/outcome", json={"phone": "0934567890", "outcome": "fail", "sms": "x"}
    )
    assert "unknown outcome 'x'" in answer.json()["error"]


def test_the_seeded_opted_out_number_is_refused_and_a_reply_adds_another(demo):
    assert "0987654321</b> asked to stop" in demo.hints()
    view_id = demo.open_composer()
    typed = {"recipients": "0987654321, 0901234567", "text": "Chào chị", "sms_fallback": []}
    demo.do("submit", view_id=view_id, values=typed)
    modal = demo.state()["modal"]
    assert modal and "asked not to be messaged (opt-outs): 0987654321 (since " in modal
    demo.do("close")
    demo.do("command", text="/viber optout list")
    assert "0987654321 · " in demo.shown() and "asked to stop (demo)" in demo.shown()

    # "Customer asked to stop" under a reply: its confirmed click adds that number too.
    demo.do("command", text="/viber 0901234567 Xin chào")
    wait_for(lambda: "0901234567: delivered" in demo.state()["messages"], timeout=30)
    demo.click_in("0901234567: delivered", "opt_out_recipient")
    wait_for(lambda: "recorded that 0901234567 asked to stop" in demo.shown(), timeout=15)
    demo.do("command", text="/viber 0901234567 Lần nữa")
    wait_for(lambda: "Nothing was sent" in demo.shown(), timeout=15)
    assert len(demo.state()["gateway"]) == 1  # the first message only


def test_a_marketing_send_waits_for_the_marketing_hours(demo):
    hours = re.search(r"Marketing hours here are <b>(\d\d:\d\d)–", demo.hints())
    assert hours, demo.hints()
    view_id = demo.open_composer()
    typed = {"recipients": "0901234567", "text": "Giảm 50% hôm nay", "category": "marketing"}
    demo.do("submit", view_id=view_id, values=typed)  # the SMS box left unticked
    assert demo.state()["modal"] is None
    wait_for(lambda: "waits for the marketing hours" in demo.state()["messages"], timeout=15)
    messages = demo.state()["messages"]
    assert "Marketing message" in messages and 'data-action-id="cancel_send"' in messages
    assert f"{hours.group(1)} (GMT+7)" in messages  # goes out when the hours open
    time.sleep(2)  # a submission would have reached eSMS by now
    assert demo.state()["gateway"] == []
    demo.click_in("waits for the marketing hours", "cancel_send")
    wait_for(lambda: "Cancelled by" in demo.state()["messages"], timeout=15)
    assert demo.state()["gateway"] == []
