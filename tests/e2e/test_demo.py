"""`viber-bot demo` as a newcomer runs it: nothing configured, the real app against the local
stand-ins, driven here through the page's own API (the browser test drives the page itself)."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import tempfile

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
