"""`viber-bot demo` as a newcomer runs it: nothing configured, the real app against the local
stand-ins, driven here through the page's own API (the browser test drives the page itself)."""

from __future__ import annotations

import base64
import csv
import http.client
import io
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import pytest
import requests
from PIL import Image

from bot.slack.dashboard import week_tally
from bot.store import Store
from sandbox.demo import stories
from sandbox.demo.history import AGENTS
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

    def do(self, what: str, /, **data) -> dict:
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

    def click_in(self, containing: str, action_id: str, *, where: str = "messages") -> None:
        """Click `action_id` in the message that shows `containing`, as the page's script does
        (`where="ephemeral"`: in one of the private notes)."""
        messages = re.split(r'(?=<div class="sk-message[ "])', self.state()[where])
        [message] = [m for m in messages if containing in m]
        ts = message.split('data-ts="', 1)[1].split('"', 1)[0]
        button = message.split(f'data-action-id="{action_id}"', 1)[0]
        block_id = button.rsplit('data-block-id="', 1)[1].split('"', 1)[0]
        self.do("click", ts=ts, block_id=block_id, action_id=action_id)

    def hints(self) -> str:
        return " ".join(self.state()["hints"])

    def modal_of(self, callback_id: str) -> tuple[str, str]:
        """The modal the page shows once it is the one given: its view id and its HTML."""
        modal = wait_for(
            lambda: (m := self.state()["modal"]) and f'data-callback-id="{callback_id}"' in m and m,
            timeout=15,
        )
        return modal.split('data-view-id="', 1)[1].split('"', 1)[0], modal

    def file(self, path: str) -> requests.Response:
        return requests.get(self.url + path.lstrip("/"), timeout=5)


def option_for(markup: str, label: str) -> str:
    """The value of the option that shows `label` (escaped as the page escapes it)."""
    found = re.search(r'<option value="([^"]*)">' + re.escape(label) + "</option>", markup)
    assert found, (label, markup)
    return found.group(1)


def shared_rows(demo: Page, name_pattern: str) -> list[dict[str, str]]:
    """The CSV file shared in the thread whose name matches, downloaded from the page."""
    found = re.search(rf'href="(/files/F\w+)" download="({name_pattern})"', demo.shown())
    assert found, demo.shown()[-3000:]
    answer = demo.file(found.group(1))
    assert answer.ok and "attachment" in answer.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


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


def test_the_composer_sends_the_example_picture_hosted_by_the_app(demo):
    assert "order.jpg" in demo.hints()
    demo.do("command", text="/viber")
    view_id, modal = demo.modal_of("viber_compose")
    picture = option_for(modal, "order.jpg — the example (examples/order.jpg)")
    values = {
        "recipients": "0901234567",
        "text": "Đơn A123 của chị đây",
        "image_file": picture,
        "button_label": "Xem đơn",
        "button_url": "https://shop.example/a123",
    }
    demo.do("submit", view_id=view_id, values=values)
    assert demo.state()["modal"] is None
    wait_for(lambda: "0901234567: delivered" in demo.shown(), timeout=30)
    hosted = re.search(r"(http://127\.0\.0\.1:\d+/media/[\w-]+\.jpg)", demo.shown())
    assert hosted, demo.shown()[-2000:]
    answer = requests.get(hosted.group(1), timeout=5)
    assert answer.headers["Content-Type"] == "image/jpeg"
    width, height = Image.open(io.BytesIO(answer.content)).size
    assert (width, height) == (800, 600)  # upright again, at most 800 px


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
    assert "[QC] Giảm 50% hôm nay" in messages  # labelled as the customer will read it
    assert f"{hours.group(1)} (GMT+7)" in messages  # goes out when the hours open
    time.sleep(2)  # a submission would have reached eSMS by now
    assert demo.state()["gateway"] == []
    demo.click_in("waits for the marketing hours", "cancel_send")
    wait_for(lambda: "Cancelled by" in demo.state()["messages"], timeout=15)
    assert demo.state()["gateway"] == []


ADVERTISEMENT = {"text": "Giảm 50% hôm nay", "category": "marketing"}  # the SMS box unticked
STOP_LINK = (
    r'<a class="demo-own-link" target="_blank" href="(http://127\.0\.0\.1:\d+/stop/[\w-]{22})"'
)


def test_consent_decides_who_gets_an_advertisement_and_its_stop_link_opts_out(demo):
    hints = demo.hints()
    assert f"<b>{stories.CONSENTING}</b> has it" in hints
    assert f"<b>{stories.NO_CONSENT}</b> has none, and a marketing send to it is refused" in hints
    # Refused as it is composed, whatever the hours: no consent on record for that number.
    view_id = demo.open_composer()
    demo.do("submit", view_id=view_id, values={"recipients": stories.NO_CONSENT, **ADVERTISEMENT})
    modal = demo.state()["modal"]
    assert modal and f"No marketing consent on record for {stories.NO_CONSENT}" in modal
    demo.do("close")

    # The hours opened from the page: the app restarted with them, an advertisement goes out.
    assert 'class="try-hours"' in hints
    assert requests.post(demo.url + "api/hours", json={}, timeout=60).json() == {"opened": True}
    assert "<b>00:00–24:00</b> (opened on this page)" in demo.hints()
    assert "try-hours" not in demo.hints() and demo.do("hours") == {"opened": False}
    view_id = demo.open_composer()
    demo.do("submit", view_id=view_id, values={"recipients": stories.CONSENTING, **ADVERTISEMENT})
    wait_for(lambda: f"{stories.CONSENTING}: delivered" in demo.state()["messages"], timeout=30)
    [sent] = demo.state()["gateway"]
    link = re.search(STOP_LINK, demo.state()["gateway_log"])
    assert link, demo.state()["gateway_log"]
    url = link.group(1)
    assert sent["phone"] == stories.CONSENTING
    # As eSMS got it (its line breaks are \r\n), the reader's own stop link last.
    assert sent["text"] == f"[QC] Giảm 50% hôm nay\r\nTừ chối nhận tin: {url}"

    # The customer opens it: the app's own page, in Vietnamese, one button.
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and '<html lang="vi">' in page.text
    assert "Dừng nhận các tin nhắn này" in page.text and "có đuôi 567" in page.text
    assert '<form method="post"><button type="submit">' in page.text
    done = requests.post(url, timeout=5)
    assert done.status_code == 200 and "Đã nhận yêu cầu của bạn lúc" in done.text
    note = f"🛑 {stories.CONSENTING} used the stop link in the advertisement"
    wait_for(lambda: note in demo.state()["messages"], timeout=30)
    again = requests.post(url, timeout=5)
    assert again.status_code == 200 and "Yêu cầu này đã được thực hiện" in again.text
    assert demo.state()["messages"].count(note) == 1

    demo.do("command", text="/viber optout list")
    wait_for(lambda: f"{stories.CONSENTING} · " in demo.shown(), timeout=15)
    # The next advertisement to that number is refused: it asked to stop.
    view_id = demo.open_composer()
    demo.do("submit", view_id=view_id, values={"recipients": stories.CONSENTING, **ADVERTISEMENT})
    modal = demo.state()["modal"]
    assert modal and f"asked not to be messaged (opt-outs): {stories.CONSENTING}" in modal
    assert len(demo.state()["gateway"]) == 1


def test_a_campaign_from_the_example_file_runs_to_its_results_file(demo):
    assert "examples/campaign.csv" in demo.hints() and stories.CAMPAIGN_COMMAND in demo.hints()
    demo.do("command", text="/viber campaign")
    view_id, modal = demo.modal_of("viber_campaign")
    example = option_for(modal, "campaign.csv — the example (examples/campaign.csv)")
    demo.do("submit", view_id=view_id, values={"file": example, "text": stories.CAMPAIGN_TEXT})
    assert demo.state()["modal"] is None
    # The preview's reply and the parent's update are two Slack calls, in either order.
    shown = wait_for(
        lambda: (
            "5 rows read" in (text := demo.state()["messages"])
            and "preview: nothing is sent until" in text
            and text
        ),
        timeout=20,
    )
    assert "Chào Lan, đơn A123 giao ngày 02/12" in shown
    assert 'data-action-id="campaign_cancel"' in shown and "<dialog" in shown  # Cancel asks
    assert demo.state()["gateway"] == []  # nothing before Start
    demo.click_in('data-action-id="campaign_start"', "campaign_start")
    rows = wait_for(
        lambda: "results.csv" in demo.shown() and shared_rows(demo, r"campaign-\w+-results\.csv"),
        timeout=40,
    )
    assert "✅ finished" in demo.state()["messages"] and "Finished" in demo.state()["messages"]
    assert len(rows) == 5  # and the header: one line per row of the file
    states = {row["so_dien_thoai"]: row["state"] for row in rows}
    assert states == {
        "0901234567": "delivered",
        "0912345678": "failed",  # the demo's failing number (no SMS: the box was left unticked)
        "0987654321": "skipped",  # on the opt-outs from the start
        "0934567890": "delivered",
        "0961234567": "delivered",
    }
    assert {row["ten_khach"] for row in rows} == {"Lan", "Đức", "Minh", "Hạnh", "Tuấn"}
    sent = {(row["phone"], row["status"]) for row in demo.state()["gateway"]}
    assert ("0912345678", "failed") in sent and len(sent) == 4


def test_a_campaign_from_the_home_tab_with_a_file_from_this_computer(demo):
    demo.do("home")
    home = wait_for(lambda: demo.state()["home"], timeout=15)
    home_id = home.split('data-view-id="', 1)[1].split('"', 1)[0]
    button = home.split('data-action-id="campaign_open"', 1)[0]
    block_id = button.rsplit('data-block-id="', 1)[1].split('"', 1)[0]
    demo.do("click", view_id=home_id, block_id=block_id, action_id="campaign_open")
    view_id, modal = demo.modal_of("viber_campaign")
    assert demo.state()["home"]  # the modal opens over the Home tab
    channel = option_for(modal, "#support")
    content = "Điện thoại,Tên\n0934567890,Hạnh\n0961234567,Tuấn\n".encode()
    encoded = base64.b64encode(content).decode()
    upload = {"view_id": view_id, "block_id": "file", "name": "mine.csv", "content": encoded}
    refused = requests.post(demo.url + "api/upload", json={**upload, "name": "mine.pdf"})
    assert "takes only .csv files" in refused.json()["error"]
    answer = demo.do("upload", **upload)
    file_id = answer["file"]["id"]
    _, modal = demo.modal_of("viber_campaign")
    assert option_for(modal, "mine.csv — uploaded from this computer") == file_id
    typed = {"channel": channel, "file": file_id, "text": "Chào {Tên}"}
    demo.do("submit", view_id=view_id, values=typed)
    wait_for(lambda: "2 rows read" in demo.state()["messages"], timeout=20)
    assert "Chào Hạnh" in demo.state()["messages"]
    assert demo.file(f"/files/{file_id}").content == content  # what was picked, served back
    demo.do("close", what="home")
    assert demo.state()["home"] is None


def test_the_files_are_served_read_only_to_the_page_alone(demo):
    demo.do("command", text="/viber campaign")
    _, modal = demo.modal_of("viber_campaign")
    example = option_for(modal, "campaign.csv — the example (examples/campaign.csv)")
    answer = demo.file(f"/files/{example}")
    assert answer.ok and answer.content.decode("utf-8-sig").startswith("Số điện thoại;")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert demo.file("/files/F0nothing").status_code == 404
    assert requests.post(demo.url + f"files/{example}", json={}).status_code == 404
    elsewhere = requests.get(
        demo.url + f"files/{example}", headers={"Host": "localhost.example"}, timeout=5
    )
    assert elsewhere.status_code == 403


def step_form(demo: Page, **typed: str) -> dict[str, str]:
    """The panel's form as the page shows it (its fields, what they hold), then typed."""
    form = demo.state()["workflow_form"]
    assert 'data-callback-id="send_viber_message"' in form and "Run the step" in form
    values = dict(re.findall(r'<input name="(\w+)" value="([^"]*)"', form))
    values.update(re.findall(r'<select name="(\w+)"><option value="([^"]*)"', form))
    values["text"] = re.search(r'<textarea name="text"[^>]*>([^<]*)</textarea>', form).group(1)
    return {**values, **typed}


def step_run(demo: Page, execution_id: str, state: str) -> dict:
    """The run once the panel shows it in `state`."""
    return wait_for(
        lambda: next(
            (
                run
                for run in demo.state()["step_runs"]
                if run["execution_id"] == execution_id and run["state"] == state
            ),
            None,
        ),
        timeout=30,
    )


def test_workflow_builder_runs_the_step_and_is_told_its_outcome(demo):
    assert "Workflow Builder" in demo.hints() and stories.INVALID_STEP_PHONE in demo.hints()
    assert "No runs yet." in demo.state()["workflow"]
    typed = step_form(demo)
    assert typed["phones"] == stories.DELIVERED and typed["sent_by"] == "U0LINH"
    assert typed["channel"] == "C0SUPPORT" and typed["wait_for"] == "accepted"
    started = demo.do("step", values=typed)
    assert started["status"] == 200 and started["execution_id"].startswith("Fx")
    done = step_run(demo, started["execution_id"], "completed")
    outputs = done["outputs"]
    assert outputs["send_id"] and (outputs["delivered"], outputs["failed"]) == (0, 0)
    assert outputs["pending"] == 1 and f"{stories.DELIVERED}: accepted by eSMS" in outputs["states"]
    assert outputs["thread_url"].startswith("https://slack.com/archives/C0SUPPORT/p")
    # The thread is in #support on the page; the run's link points at it.
    assert f'data-ts="{done["thread_ts"]}"' in demo.state()["messages"]
    panel = demo.state()["workflow"]
    assert "✓ completed" in panel and f'data-thread-ts="{done["thread_ts"]}"' in panel
    assert outputs["send_id"] in panel and "the thread in #support" in panel
    wait_for(lambda: f"{stories.DELIVERED}: delivered" in demo.shown(), timeout=30)

    # Waiting for delivery: completes once the number is delivered.
    waiting = demo.do("step", values=step_form(demo, wait_for="delivered", timeout_minutes="5"))
    delivered = step_run(demo, waiting["execution_id"], "completed")["outputs"]
    assert (delivered["delivered"], delivered["pending"]) == (1, 0)

    # A number that is none: the step fails at once, with the app's sentence naming it.
    wrong = demo.do("step", values=step_form(demo, phones=stories.INVALID_STEP_PHONE))
    failed = step_run(demo, wrong["execution_id"], "failed")
    assert stories.INVALID_STEP_PHONE in failed["error"] and failed["outputs"] is None
    panel = demo.state()["workflow"]
    assert "✗ failed: " in panel and failed["error"].split(" (", 1)[0] in panel
    assert len(demo.state()["gateway"]) == 2  # the wrong number reached nobody

    # What Workflow Builder itself would not let an author save never reaches the app.
    refused = requests.post(
        demo.url + "api/step", json={"values": step_form(demo, sent_by="U0NOBODY")}, timeout=5
    )
    assert "Sent by" in refused.json()["error"] and len(demo.state()["step_runs"]) == 3


def test_a_step_run_waits_for_the_approver_and_a_workflow_can_stop_waiting(
    demo_with_approvals,
):
    demo = demo_with_approvals
    approved = demo.do("step", values=step_form(demo))
    wait_for(lambda: "Awaiting approval" in demo.state()["messages"], timeout=15)
    time.sleep(1.5)  # the app looks at its open runs every second: still running
    assert step_run(demo, approved["execution_id"], "running")
    assert 'class="wf-stop"' in demo.state()["workflow"]
    demo.do("user", user="U0MINH")
    demo.click_in("Awaiting approval", "approve_send")
    assert step_run(demo, approved["execution_id"], "completed")["outputs"]["send_id"]

    stopped = demo.do("step", values=step_form(demo, phones="0934567890"))

    def asks_approval() -> bool:
        messages = re.split(r'(?=<div class="sk-message[ "])', demo.state()["messages"])
        return any("0934567890" in m and 'data-action-id="approve_send"' in m for m in messages)

    wait_for(asks_approval, timeout=15)
    demo.do("stop", execution_id=stopped["execution_id"])
    assert step_run(demo, stopped["execution_id"], "stopped")
    assert "■ the workflow stopped waiting" in demo.state()["workflow"]
    again = requests.post(
        demo.url + "api/stop", json={"execution_id": stopped["execution_id"]}, timeout=5
    )
    assert again.json()["error"] == "that run is not running"
    # Approved after all: the app's completion is refused, and the thread says so.
    demo.click_in("0934567890", "approve_send")
    wait_for(lambda: "stopped waiting for it" in demo.state()["messages"], timeout=30)
    assert step_run(demo, stopped["execution_id"], "stopped")


def sends_by_the_history(database) -> int:
    """How many sends of the demo's month of history the database holds."""
    store = Store.open(f"sqlite:///{database}", pool_size=1)
    try:
        marks = ", ".join("?" for _ in AGENTS)
        query = f"SELECT COUNT(*) AS n FROM sends WHERE user_id IN ({marks})"
        return store.db.fetch_one(query, AGENTS)["n"]
    finally:
        store.close()


def consent_changes(database) -> int:
    """How many changes to the consenting number's consent the database holds."""
    store = Store.open(f"sqlite:///{database}", pool_size=1)
    try:
        return store.consents.history(stories.CONSENTING)[1]
    finally:
        store.close()


def figure(pattern: str, markup: str) -> int:
    found = re.search(pattern, markup)
    assert found, markup[-3000:]
    return int(re.sub(r"[.,]", "", found.group(1)))


def test_a_chart_of_the_month_arrives_in_the_direct_messages(demo):
    hints = demo.hints()
    assert stories.CHART_COMMAND in hints and stories.CHART_PUBLIC_COMMAND in hints
    first = demo.state()
    assert first["dm_count"] == 0 and "Nothing here yet" in first["dms"]
    demo.do("command", text=stories.CHART_COMMAND)
    dms = wait_for(lambda: (state := demo.state())["dm_count"] and state["dms"], timeout=60)
    assert "📊 Viber chart · " in dms and 'data-id="C0SUPPORT">#support</span>' in dms
    assert figure(r"<b>([\d.,]+)</b> sends", dms) > 200  # the month the demo starts with
    assert "@Nguyễn Thị Lan" in dms  # its agents, by the names the Slack stand-in gives
    picture = re.search(r'<img class="sk-file-picture" src="(/files/F\w+)"', dms)
    assert picture, dms[-3000:]
    answer = demo.file(picture.group(1))
    assert answer.ok and answer.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(answer.content))
    assert image.format == "PNG" and image.size == (1920, 1440)
    told = wait_for(lambda: "in your direct messages" in (shown := demo.shown()) and shown)
    assert told.index("Preparing the chart") < told.index("The chart is in your direct")
    assert "sk-file-image" not in demo.state()["messages"]  # nothing in #support

    # The same chart in #support, for everyone there; the direct messages stay as they were.
    demo.do("command", text=stories.CHART_PUBLIC_COMMAND)
    wait_for(lambda: "sk-file-image" in demo.state()["messages"], timeout=60)
    assert demo.state()["dm_count"] == 1
    # The month's numbers are none of the stories': nothing was sent to them yet.
    demo.do("command", text=f"/viber status {stories.DELIVERED}")
    wait_for(lambda: f"Nothing was sent to {stories.DELIVERED} yet" in demo.shown())


def test_the_home_tab_shows_the_teams_week_and_a_kept_database_is_seeded_once(tmp_path):
    database = tmp_path / "kept.db"
    process, url = start_demo("--db", str(database))
    running = _running(process, url)
    demo = next(running)
    try:
        seeded = sends_by_the_history(database)
        assert seeded > 250 and consent_changes(database) == 1
        demo.do("command", text=f"/viber {stories.DELIVERED} Xin chào")  # this week, whatever day
        wait_for(lambda: f"{stories.DELIVERED}: delivered" in demo.shown(), timeout=30)
        demo.do("home")
        home = wait_for(
            lambda: (h := demo.state()["home"]) and "This week, the whole team" in h and h,
            timeout=15,
        )
        shown = figure(r"<b>([\d.,]+)</b> sends · ", home)
        store = Store.open(f"sqlite:///{database}", pool_size=1)
        try:
            assert shown == week_tally(store).sends >= 1  # the team's, seeded sends and all
        finally:
            store.close()
        assert stories.DELIVERED in home and "Nguyễn Thị Lan" not in home  # Linh's own sends
        balance = r"eSMS balance: <b>[\d.,]+ ₫</b> \(as of <time class=\"sk-date\""
        wait_for(lambda: re.search(balance, demo.state()["home"] or ""), timeout=20)
    finally:
        next(running, None)  # Ctrl-C, and the output checked
    again, url = start_demo("--db", str(database))
    running = _running(again, url)
    next(running)
    try:
        assert sends_by_the_history(database) == seeded  # not written twice
        assert consent_changes(database) == 1
    finally:
        next(running, None)


def test_past_a_hundred_templates_the_demo_composer_searches_them(demo):
    for number in range(101):
        demo.do("command", text=f"/viber template add t{number:03d} | Mẫu số {number} & <quà>")
    wait_for(lambda: "t100" in demo.shown(), timeout=15)  # the last one's "saved" answer
    view_id = demo.open_composer()
    modal = demo.state()["modal"]
    assert 'data-type="external_select"' in modal and "sk-suggest" in modal
    found = demo.do(
        "suggest", view_id=view_id, block_id="templates", action_id="pick_template", value="T100"
    )
    assert found["options"] == [{"value": "t100", "text": "t100"}]
    everything = demo.do(
        "suggest", view_id=view_id, block_id="templates", action_id="pick_template", value=""
    )
    assert len(everything["options"]) == 100  # as many as Slack shows; typing finds the rest
    demo.do(
        "click", view_id=view_id, block_id="templates", action_id="pick_template", choice="t100"
    )
    wait_for(lambda: "Mẫu số 100 &amp; &lt;quà&gt;" in demo.state()["modal"], timeout=15)


def test_the_agent_erases_a_number_and_the_thread_forgets_it(demo):
    demo.do("command", text="/viber 0901234567 Xin chào")
    wait_for(lambda: "0901234567: delivered" in demo.state()["messages"], timeout=30)
    demo.do("command", text="/viber privacy erase 0901234567")
    shown = wait_for(lambda: "Erase •••••••567?" in (text := demo.shown()) and text, timeout=15)
    assert "sk-button-danger" in demo.state()["ephemeral"] and "Erase this number?" in shown
    # The button in the private answer, clicked as its reader would (after the confirmation).
    demo.click_in("Erase •••••••567?", "privacy_erase", where="ephemeral")
    # The thread's messages are edited, paced, until none of them names the number.
    wait_for(lambda: "0901234567" not in demo.state()["messages"], timeout=60)
    assert "•••••••567" in demo.state()["messages"]
    demo.do("command", text="/viber privacy requests")
    wait_for(lambda: "erase" in demo.state()["ephemeral"].lower(), timeout=15)
