"""Campaigns through the real app: a CSV uploaded in Slack's modal, read after the
acknowledgement, previewed, started, paused, resumed, cancelled, killed and restarted, and
its results file uploaded into its thread."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from sandbox.standins.slack_api import DOWNLOAD, TEAM_ID, block_text
from tests.e2e.harness import wait_for

HEADER = "\ufeffSố điện thoại;Tên khách;Mã đơn\n"


def sheet(count: int, start: int = 0) -> bytes:
    rows = [f"09{i + start:08d};Khách {i + start};A{i + start:04d}" for i in range(count)]
    return (HEADER + "\n".join(rows) + "\n").encode()


def submit_campaign(app, upload, *, text="Chào {Tên khách}, đơn {Mã đơn} đã sẵn sàng", **more):
    """The modal submitted; `home_state` (the channel chosen) as when opened from Home."""
    home = more.get("home_state")
    state = {
        **(home or {}),
        **(more.get("extra_state") or {}),
        "file": {"value": {"type": "file_input", "files": [upload]}},
        "text": {"value": {"type": "plain_text_input", "value": text}},
        "button_label": {"value": {"type": "plain_text_input", "value": more.get("label")}},
        "button_url": {"value": {"type": "plain_text_input", "value": more.get("link")}},
        "category": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": more.get("category", "care")},
            }
        },
    }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "example"},
        "user": {"id": more.get("user", "U0001"), "username": "agent", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": "1234.5678.trigger",
        "view": {
            "id": "V0002",
            "type": "modal",
            "callback_id": "viber_campaign",
            "private_metadata": json.dumps({"c": "" if home else "C0001", "r": None, "v": 0}),
            "blocks": [{"type": "input", "block_id": name} for name in state],
            "state": {"values": state},
        },
    }
    return app.post_signed(urlencode({"payload": json.dumps(payload)}))


def press(app, parent, action_id, *, user="U0001", response_url=""):
    (value,) = [
        e["value"]
        for b in parent.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    ]
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "example"},
        "user": {"id": user, "username": "agent", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": "9.9.trigger",
        "container": {"type": "message", "message_ts": parent.ts, "channel_id": "C0001"},
        "channel": {"id": "C0001", "name": "support"},
        "message": {"ts": parent.ts, "text": parent.text},
        "response_url": response_url,
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


def current(slack_api, message):
    return slack_api.messages[message.ts]


def thread(slack_api, parent) -> str:
    return "\n".join(m.text + block_text(m.blocks) for m in slack_api.replies(parent.ts))


def accepted_phones(esms) -> list[str]:
    return [p for s in esms.submissions if s.code == 100 for p in s.body.get("Phones", [])]


def results_files(slack_api) -> list:
    return [u for u in slack_api.uploads if u.filename.endswith("-results.csv")]


def preview_of(app, slack_api, upload, **more):
    assert submit_campaign(app, upload, **more).status_code == 200
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    wait_for(lambda: "Preview" in thread(slack_api, parent), timeout=15)
    return parent


def test_a_vietnamese_csv_is_previewed_then_each_row_sent_once_with_its_own_text(
    app_factory, slack_api, esms
):
    app = app_factory()
    content = sheet(5) + "0900000001;Khách trùng;A9999\nabc;Không số;A1\n09000002;;A2\n".encode()
    upload = slack_api.add_file("khach-hang.csv", content)
    parent = preview_of(
        app, slack_api, upload, label="Xem đơn", link="https://shop.example/o/{Mã đơn}"
    )
    preview = thread(slack_api, parent)
    assert "8 rows read" in preview and "5 valid" in preview and "2 invalid" in preview
    assert "→ *5 to send*" in preview
    assert "1 duplicate" in preview and "row 8" in preview and "row 9" in preview
    assert "Chào Khách 0, đơn A0000 đã sẵn sàng" in preview  # a rendered sample
    assert upload["id"] in slack_api.downloads
    # The file of invalid rows follows the preview's reply.
    wait_for(lambda: any(u.filename == "invalid-rows.csv" for u in slack_api.uploads))
    time.sleep(0.5)
    assert esms.submissions == []  # nothing before Start
    press(
        app,
        wait_for(lambda: _with(slack_api, parent, "campaign_start"), timeout=10),
        "campaign_start",
    )
    wait_for(lambda: len(accepted_phones(esms)) == 5, timeout=20)
    texts = {s.body["Phones"][0]: s.body for s in esms.submissions}
    assert texts["0900000003"]["Content"] == "Chào Khách 3, đơn A0003 đã sẵn sàng"
    assert texts["0900000003"]["OttUrl"] == "https://shop.example/o/A0003"
    assert sorted(accepted_phones(esms)) == [f"09{i:08d}" for i in range(5)]
    for submission in list(esms.accepted.values()):
        esms.callback(submission, 5, success=1, TotalPrice="470.0000")
    wait_for(lambda: "Finished" in thread(slack_api, parent), timeout=20)
    results = wait_for(lambda: results_files(slack_api), timeout=15)[0]
    assert results.thread_ts == parent.ts
    rows = list(csv.DictReader(io.StringIO(results.content.decode("utf-8-sig"))))
    assert len(rows) == 5 and {r["state"] for r in rows} == {"delivered"}
    by_phone = {r["so_dien_thoai"]: r for r in rows}
    sms_ids = {s.body["Phones"][0]: s.sms_id for s in esms.accepted.values()}
    assert all(by_phone[p]["sms_id"] == sms_ids[p] for p in sms_ids)
    assert (
        by_phone["0900000002"]["ten_khach"] == "Khách 2"
        and by_phone["0900000002"]["price"] == "470"
    )
    # No reply per recipient: the thread holds the preview, milestones and files only.
    assert len(slack_api.replies(parent.ts)) <= 6
    # Asked for again: `/viber campaign results ID`, and `report ID`, the word people know.
    match = re.fullmatch(r"campaign-(\w+)-results\.csv", results.filename)
    assert match, results.filename
    for count, action in enumerate(("results", "report"), start=2):
        told = app.command(f"campaign {action} {match[1]}").json()["text"]
        assert "The results file will be uploaded into the campaign's thread" in told
        wait_for(lambda count=count: len(results_files(slack_api)) == count, timeout=15)
    assert all(u.thread_ts == parent.ts for u in results_files(slack_api))


def test_pause_resume_and_cancel(app_factory, slack_api, esms):
    app = app_factory(ESMS_MAX_PER_SECOND="2")
    parent = preview_of(app, slack_api, slack_api.add_file("list.csv", sheet(30)))
    press(
        app,
        wait_for(lambda: _with(slack_api, parent, "campaign_start"), timeout=10),
        "campaign_start",
    )
    wait_for(lambda: len(accepted_phones(esms)) >= 2, timeout=15)
    press(app, wait_for(lambda: _with(slack_api, parent, "campaign_pause")), "campaign_pause")
    wait_for(lambda: "Paused" in thread(slack_api, parent))
    time.sleep(2)
    paused_at = len(esms.submissions)
    time.sleep(2)
    assert len(esms.submissions) <= paused_at + 1  # at most the one on its way
    press(app, wait_for(lambda: _with(slack_api, parent, "campaign_resume")), "campaign_resume")
    wait_for(lambda: len(esms.submissions) > paused_at + 1, timeout=15)
    press(app, wait_for(lambda: _with(slack_api, parent, "campaign_pause")), "campaign_cancel")
    wait_for(lambda: "Cancelled" in thread(slack_api, parent))
    time.sleep(1.5)
    stopped_at = len(esms.submissions)
    time.sleep(2)
    assert len(esms.submissions) <= stopped_at + 1 and stopped_at < 30


def _with(slack_api, parent, action_id):
    message = current(slack_api, parent)
    found = any(
        e.get("action_id") == action_id
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
    )
    return message if found else None


@pytest.mark.process
def test_a_sigkill_halfway_loses_no_row_and_sends_none_twice(app_factory, slack_api, esms):
    app = app_factory(ESMS_MAX_PER_SECOND="10")
    parent = preview_of(app, slack_api, slack_api.add_file("big.csv", sheet(40)))
    press(
        app,
        wait_for(lambda: _with(slack_api, parent, "campaign_start"), timeout=10),
        "campaign_start",
    )
    wait_for(lambda: len(accepted_phones(esms)) >= 10, timeout=20)
    app.kill()
    app.start()
    wait_for(lambda: len(set(accepted_phones(esms))) == 40, timeout=40)
    time.sleep(1)
    phones = accepted_phones(esms)
    assert sorted(set(phones)) == [f"09{i:08d}" for i in range(40)]
    assert len(phones) == 40  # eSMS accepted each row once (a retry of a RequestId gets 124)


def test_a_file_that_cannot_be_read_is_answered_in_the_thread(app_factory, slack_api, esms):
    app = app_factory()
    upload = slack_api.add_file("noheader.csv", "tên,địa chỉ\nLan,Hà Nội\n".encode())
    submit_campaign(app, upload)
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    wait_for(lambda: "no phone column" in thread(slack_api, parent), timeout=15)
    # The parent's update follows the reply.
    wait_for(lambda: "not sent" in block_text(current(slack_api, parent).blocks), timeout=15)
    unknown = slack_api.add_file("ok.csv", sheet(2))
    submit_campaign(app, unknown, text="Chào {ho_ten}")
    second = wait_for(lambda: len(slack_api.parents("C0001")) == 2 and slack_api.parents("C0001"))[
        1
    ]
    wait_for(lambda: "{ho_ten}" in thread(slack_api, second), timeout=15)
    time.sleep(0.5)
    assert esms.submissions == []


def test_the_modal_refuses_a_missing_file_and_a_message_without_text(app, slack_api):
    answer = submit_campaign(app, {"id": "F1", "name": "x.csv"}, text="").json()
    assert answer["response_action"] == "errors"
    assert "Attach the CSV file" in answer["errors"]["file"]
    assert slack_api.parents() == []


def test_approvers_decide_on_the_preview_and_four_eyes_hold(app_factory, slack_api, esms):
    app = app_factory(APPROVAL_REQUIRED="true", APPROVERS="U0BOSS,U0AGENT")
    parent = preview_of(app, slack_api, slack_api.add_file("vip.csv", sheet(3)), user="U0AGENT")
    # The preview's reply and the parent's Start button are two calls: wait for the button.
    start = wait_for(lambda: _with(slack_api, parent, "campaign_start"), timeout=15)
    press(app, start, "campaign_start", user="U0AGENT")
    pending = wait_for(lambda: _with(slack_api, parent, "approve_send"), timeout=15)
    assert "awaiting an approver" in block_text(pending.blocks)
    press(app, pending, "approve_send", user="U0AGENT")  # the author may not approve
    time.sleep(1)
    assert esms.submissions == []
    press(app, pending, "approve_send", user="U0BOSS")
    wait_for(lambda: len(accepted_phones(esms)) == 3, timeout=20)
    wait_for(lambda: "Approved by <@U0BOSS>" in thread(slack_api, parent), timeout=15)


def test_an_empty_balance_pauses_the_campaign_until_resume(app_factory, slack_api, esms):
    app = app_factory()
    parent = preview_of(app, slack_api, slack_api.add_file("pay.csv", sheet(6)))
    esms.balance = 0
    press(
        app,
        wait_for(lambda: _with(slack_api, parent, "campaign_start"), timeout=10),
        "campaign_start",
    )
    wait_for(lambda: "insufficient balance (103)" in thread(slack_api, parent), timeout=15)
    assert accepted_phones(esms) == []
    esms.balance = 50_000
    press(app, wait_for(lambda: _with(slack_api, parent, "campaign_resume")), "campaign_resume")
    wait_for(lambda: len(accepted_phones(esms)) == 6, timeout=20)
    wait_for(lambda: "Resumed" in thread(slack_api, parent), timeout=15)


def test_the_results_file_joins_a_public_channel_the_app_was_not_in(app_factory, slack_api, esms):
    slack_api.unjoined.add("C0001")  # the thread was posted with chat:write.public
    app = app_factory()
    parent = preview_of(app, slack_api, slack_api.add_file("two.csv", sheet(2)))
    press(
        app,
        wait_for(lambda: _with(slack_api, parent, "campaign_start"), timeout=10),
        "campaign_start",
    )
    wait_for(lambda: len(accepted_phones(esms)) == 2, timeout=15)
    for submission in list(esms.accepted.values()):
        esms.callback(submission, 5, success=0, failed=1)
    wait_for(lambda: results_files(slack_api), timeout=20)
    assert "C0001" in slack_api.joined


def test_in_an_approval_channel_the_approvers_get_the_preview_with_the_buttons(
    app_factory, slack_api, esms
):
    app = app_factory(APPROVAL_REQUIRED="true", APPROVERS="U0BOSS", APPROVAL_CHANNEL="C0APPROVE")
    parent = preview_of(app, slack_api, slack_api.add_file("vip.csv", sheet(2)))
    press(
        app,
        wait_for(lambda: _with(slack_api, parent, "campaign_start"), timeout=10),
        "campaign_start",
    )
    request = wait_for(lambda: slack_api.parents("C0APPROVE"), timeout=15)[0]
    assert "vip.csv" in block_text(request.blocks)
    request.channel = "C0001"  # `press` clicks in C0001; the value is what counts
    press(app, request, "approve_send", user="U0BOSS")
    wait_for(lambda: len(accepted_phones(esms)) == 2, timeout=20)


def group_rss_mb(leader: int) -> float:
    """The resident memory of a process and everything it started (its process group)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == leader:  # the process group
                status = (stat.parent / "status").read_text()
                total += int(re.search(r"VmRSS:\s+(\d+)", status)[1])
        except (OSError, TypeError, IndexError, ValueError):
            continue  # it ended while being read
    return total / 1024


@pytest.mark.process
def test_ten_megabytes_of_tiny_rows_are_refused_whole_even_after_a_kill_mid_read(
    app_factory, slack_api, esms
):
    app = app_factory(JOB_LEASE_SECONDS="2")
    tiny = b"sdt\n" + b"0901234567\n" * 950_000  # 10.45 MB of rows, just under Slack's 10 MiB
    upload = slack_api.add_file("tiny.csv", tiny)
    slack_api.delay[DOWNLOAD] = 4.0  # long enough for the process to die while reading it
    submit_campaign(app, upload, text="Chào")
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    time.sleep(1.5)
    app.kill()
    slack_api.delay[DOWNLOAD] = 0.0
    app.start()
    before, peak, done = group_rss_mb(app.process.pid), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], group_rss_mb(app.process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        wait_for(lambda: "950000 rows" in thread(slack_api, parent), timeout=60)
    finally:
        done.set()
        sampler.join()
    assert "at most 10000" in thread(slack_api, parent) and "Nothing was sent" in thread(
        slack_api, parent
    )
    assert peak[0] - before < 50, (before, peak[0])
    assert _with(slack_api, parent, "campaign_start") is None  # no Start button
    assert requests.get(app.base_url + "/healthz", timeout=5).ok
    assert esms.submissions == []


@pytest.mark.process
def test_a_file_whose_read_kills_the_app_three_times_is_given_up_with_a_sentence(
    app_factory, slack_api, esms, tmp_path
):
    app = app_factory(JOB_LEASE_SECONDS="1")
    slack_api.delay[DOWNLOAD] = 30.0  # each process dies while it reads the file
    submit_campaign(app, slack_api.add_file("deadly.csv", sheet(3)))
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]

    def crashes() -> int | None:
        with closing(sqlite3.connect(tmp_path / "app.db", timeout=5)) as db:
            row = db.execute(
                "SELECT crashes, state FROM jobs WHERE kind = 'read_campaign'"
            ).fetchone()
        return row[0] if row and row[1] == "running" else None

    wait_for(lambda: crashes() == 0, timeout=15)
    for crashed in range(1, 4):
        app.kill()
        app.start()
        if crashed < 3:
            wait_for(lambda n=crashed: crashes() == n, timeout=15)  # taken over, reading again
    wait_for(lambda: "stopped 3 times" in thread(slack_api, parent), timeout=20)
    assert "Nothing was sent" in thread(slack_api, parent)
    assert esms.submissions == [] and slack_api.downloads == []
