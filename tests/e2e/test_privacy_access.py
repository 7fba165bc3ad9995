"""A data subject's access request through the real app: `/viber privacy NUMBER` by a privacy
admin brings a file listing each kind of data held about the number by direct message, the
request is recorded without the number and listed by `/viber privacy requests`, and the file
leaves Slack a day later; anyone else is refused and a malformed number answered."""

from __future__ import annotations

import json
import time

from bot.store import Store
from tests.e2e.harness import wait_for
from tests.e2e.test_campaigns import HEADER, preview_of
from tests.e2e.test_exports import delivered_send

PHONE = "0901234567"
LEAD, AGENT, BYSTANDER = "U0LEAD", "U0AGENT", "U0BYSTANDER"
KEY = "privacy-key-for-tests-0123456789abcdef"


def held_rows(env: dict[str, str], sql: str, params: tuple = ()) -> list[dict]:
    store = Store.open(env["DATABASE_URL"])
    try:
        return [dict(row) for row in store.db.fetch_all(sql, params)]
    finally:
        store.close()


def move_removal_into_the_past(env: dict[str, str]) -> None:
    store = Store.open(env["DATABASE_URL"])
    try:
        with store.db.transaction() as conn:
            conn.execute("UPDATE privacy_requests SET remove_file_at = ?", (time.time() - 1,))
    finally:
        store.close()


def test_a_privacy_admin_gets_all_held_about_a_number_by_direct_message_for_a_day(
    app_factory, slack_api, esms
):
    app = app_factory(PRIVACY_ADMINS=LEAD, DATA_KEY=KEY)
    # The number's data, made the ways the app makes it: a campaign row, a quick send with
    # its delivery status, a callback that matches nothing, consent, then an opt-out.
    campaign = slack_api.add_file("khach.csv", (HEADER + f"{PHONE};Lan;A0001\n").encode())
    preview_of(app, slack_api, campaign)
    accepted = delivered_send(app, esms, PHONE, user=AGENT)
    lost = esms.callback(accepted, 5, success=1, SMSID="LOST-1", RequestId="")
    assert lost.status_code == 200
    consent = app.command(f"consent add {PHONE} signed form 12/2026", user=AGENT).json()
    assert "recorded" in consent["text"].lower()
    app.command(f"optout add {PHONE} asked to stop", user=AGENT)

    refused = app.command(f"privacy {PHONE}", user=BYSTANDER).json()
    assert "Only the privacy admins" in refused["text"]
    malformed = app.command("privacy 12345", user=LEAD).json()
    assert "12345 is not a Vietnamese mobile number" in malformed["text"]
    asked = app.command("privacy +84 90 123 45 67", user=LEAD).json()
    assert asked["response_type"] == "ephemeral" and "Request *1* recorded" in asked["text"]
    assert "direct message" in asked["text"] and "Answer the customer by" in asked["text"]

    (upload,) = wait_for(lambda: [u for u in slack_api.uploads if u.filename.endswith(".json")])
    assert slack_api.dms[upload.channel_id] == LEAD and upload.filename == "privacy-request-1.json"
    assert PHONE not in upload.title + (upload.initial_comment or "")  # it stays in Slack
    held = json.loads(upload.content)
    assert held["about"]["number"] == PHONE
    texts = {send["text"] for send in held["sends"]}
    assert {"Xin chào", "Chào Lan, đơn A0001 đã sẵn sàng"} <= texts
    assert {send["agent"] for send in held["sends"]} == {"U0001", AGENT}
    assert any(s["sms_id"] == accepted.sms_id for s in held["statuses"])
    assert held["costs"]["total_vnd"] >= 470
    (row,) = held["campaign_rows"]
    assert row["values"]["ten_khach"] == "Lan"
    assert held["opt_out"]["reason"] == "asked to stop"
    assert [e["action"] for e in held["opt_out_history"]] == ["add"]
    assert held["consent"] is None  # the opt-out withdrew it, and its history says so
    assert [e["action"] for e in held["consent_history"]] == ["give", "withdraw"]
    assert [c["sms_id"] for c in held["unmatched_callbacks"]] == ["LOST-1"]
    assert held["approval_events"] == [] and [r["id"] for r in held["privacy_requests"]] == [1]

    (request,) = wait_for(
        lambda: held_rows(app.env, "SELECT * FROM privacy_requests WHERE state = 'answered'")
    )
    assert request["asked_by"] == LEAD and request["digest"].startswith("h:")
    assert request["file_id"] == upload.file_id and json.loads(request["found"])["sends"] == 2
    everything = json.dumps(held_rows(app.env, "SELECT * FROM privacy_requests"))
    assert PHONE not in everything and PHONE[1:] not in everything  # nor in any written form

    listed = app.command("privacy requests", user=LEAD).json()["text"]
    assert "*1*" in listed and "answered" in listed and "leaves Slack" in listed
    assert PHONE not in listed and PHONE[1:] not in listed

    move_removal_into_the_past(app.env)  # a day has passed
    wait_for(lambda: upload.file_id in slack_api.deleted, timeout=30)
    wait_for(lambda: "removed from Slack" in app.command("privacy requests", user=LEAD).text)
    assert upload.file_id not in slack_api.files
    assert "+84" not in app.log() and PHONE not in app.log()
