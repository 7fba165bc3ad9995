"""`/viber privacy erase NUMBER` over signed HTTP against the real app: only privacy admins,
bad input answered and nothing changed, the confirmation's button carrying the request's id
only, and, confirmed, the number erased from every table, from what the app posted to Slack and
from its log."""

from __future__ import annotations

import json
import re
import time

import pytest

from bot.store import Store
from tests.e2e.harness import composer_values, consent_on_record, wait_for
from tests.e2e.test_campaigns import _with, press, preview_of, results_files, thread
from tests.e2e.test_consent import MARKETING
from tests.unit.test_erasure_store import holding

ADMIN, AGENT = "U0ADMIN", "U0AGENT"
KEY = "test-data-key-" + "x" * 30
PHONE, OTHER = "0901234567", "0912345678"
PRIVACY = {"PRIVACY_ADMINS": ADMIN, "DATA_KEY": KEY}


def keyed_store(app) -> Store:
    return Store.open(app.env["DATABASE_URL"], data_key=KEY)


def db_holds(app) -> list[str]:
    """Every text column of every table still holding the number, in any written form."""
    store = keyed_store(app)
    try:
        return holding(store)
    finally:
        store.close()


def requests_recorded(app) -> list[dict]:
    store = Store.open(app.env["DATABASE_URL"])
    try:
        return [dict(row) for row in store.db.fetch_all("SELECT * FROM privacy_requests")]
    finally:
        store.close()


def erase_button(answer: dict) -> dict:
    [actions] = [block for block in answer["blocks"] if block["type"] == "actions"]
    [button] = actions["elements"]
    return button


def test_only_privacy_admins_may_erase_and_bad_input_changes_nothing(app_factory, slack_api):
    app = app_factory(**PRIVACY)
    refused = app.command(f"privacy erase {PHONE}", user=AGENT).json()
    assert "Only the privacy admins" in refused["text"]
    bad = app.command("privacy erase 12345", user=ADMIN).json()
    assert "12345 is not a Vietnamese mobile number" in bad["text"]
    assert requests_recorded(app) == []
    unknown = app.command(f"privacy erase {PHONE}", user=ADMIN).json()
    assert "holds nothing about •••••••567" in unknown["text"] and "blocks" not in unknown
    [request] = requests_recorded(app)
    assert (request["state"], request["pending_phone"]) == ("done", None)
    assert PHONE not in json.dumps(request)


def test_without_data_key_erasure_is_refused_saying_how_to_set_it(app_factory):
    app = app_factory(PRIVACY_ADMINS=ADMIN)
    answer = app.command(f"privacy erase {PHONE}", user=ADMIN).json()
    assert "DATA_KEY" in answer["text"] and "secrets.token_urlsafe(32)" in answer["text"]
    assert requests_recorded(app) == []


def test_the_confirmation_carries_the_request_not_the_number(app_factory, slack_api, esms):
    app = app_factory(**PRIVACY)
    app.command(f"{PHONE} Xin chào")
    wait_for(lambda: esms.viber_to(PHONE))
    answer = app.command(f"privacy erase {PHONE}", user=ADMIN).json()
    assert "Erase •••••••567?" in answer["text"] and PHONE not in json.dumps(answer)
    button = erase_button(answer)
    assert button["style"] == "danger" and button["confirm"]["style"] == "danger"
    [request] = requests_recorded(app)
    assert button["value"] == str(request["id"]) and request["state"] == "confirming"
    # Someone else's click changes nothing.
    url = slack_api.response_url("erase")
    app.click("privacy_erase", button["value"], user=AGENT, response_url=url)
    wait_for(lambda: slack_api.responses)
    assert "Only the privacy admins" in slack_api.responses[-1]["text"]
    assert requests_recorded(app)[0]["state"] == "confirming"


# -- the whole erasure, over HTTP ----------------------------------------------------------------

OPEN_ALL_DAY = {"MARKETING_HOURS": "00:00-24:00", "MARKETING_PREFIX": "[QC]"}
CAMPAIGN = f"\ufeffSố điện thoại;Tên khách;Mã đơn\n{PHONE};Chị Lan;A0001\n{OTHER};Anh Minh;A0002\n"


def slack_holds(slack_api, digits: str = PHONE[1:]) -> list[str]:
    """Every message (text, blocks) and file the stand-in keeps that holds the number."""
    with slack_api.lock:
        shown = [
            m.text + json.dumps(m.blocks, ensure_ascii=False) for m in slack_api.messages.values()
        ]
        shown += [u.content.decode("utf-8", "replace") for u in slack_api.uploads]
    return [one[:120] for one in shown if digits in re.sub(r"[ .\-()+]", "", one)]


def deliver_all(esms, phone: str) -> None:
    for submission in wait_for(lambda: [s for s in esms.accepted_for(phone) if s.sms_id]):
        esms.callback(submission, 5, success=1)


def a_number_everywhere(app, slack_api, esms) -> None:
    """Sends to the number (alone, with another number, a campaign's row, an advertisement),
    their delivery statuses, and its opt-out, all told in Slack."""
    consent_on_record(app.env, PHONE)
    # The campaign first: its thread is the channel's first.
    parent = preview_of(app, slack_api, slack_api.add_file("khach.csv", CAMPAIGN.encode()))
    press(app, wait_for(lambda: _with(slack_api, parent, "campaign_start")), "campaign_start")
    app.command(f"{PHONE} Chào chị Lan, đơn A0001 đã giao")
    app.command(f"{PHONE},{OTHER} Khuyến mãi cuối tuần")
    assert app.submit_composer(composer_values(PHONE, text="Sale 50%"), extra_state=MARKETING).ok
    sent = {PHONE: 4, OTHER: 2}
    wait_for(lambda: all(len(esms.accepted_for(p)) == n for p, n in sent.items()), timeout=20)
    deliver_all(esms, PHONE)
    deliver_all(esms, OTHER)
    wait_for(lambda: "Finished" in thread(slack_api, parent), timeout=20)
    wait_for(lambda: results_files(slack_api), timeout=15)
    # "Customer asked to stop" on the number's reply: the opt-out, and its note in Slack.
    [value] = wait_for(
        lambda: [
            element["value"]
            for message in slack_api.replies_all()
            if PHONE in message.text
            for block in message.blocks
            if block["type"] in ("actions", "section")
            for element in [*block.get("elements", []), block.get("accessory") or {}]
            if element.get("action_id") == "opt_out_recipient"
        ][:1]
    )
    app.click("opt_out_recipient", value, user="U0001", response_url=slack_api.response_url())
    wait_for(lambda: [m for m in slack_api.messages.values() if "asked to stop" in m.text])


def test_an_erasure_leaves_the_number_in_no_table_no_message_and_no_log_line(
    app_factory, slack_api, esms, monkeypatch
):
    monkeypatch.setattr("bot.jobs.post_edits.EDIT_SECONDS", 0.1)
    monkeypatch.setattr("bot.jobs.erasure.EDITS_POLL_SECONDS", 0.2)
    app = app_factory(**PRIVACY, **OPEN_ALL_DAY)
    a_number_everywhere(app, slack_api, esms)
    assert slack_holds(slack_api) and db_holds(app)

    answer = app.command(f"privacy erase {PHONE}", user=ADMIN).json()
    assert "4 sends" in answer["text"] and "It opted out" in answer["text"]
    url = slack_api.response_url("erase")
    app.click("privacy_erase", erase_button(answer)["value"], user=ADMIN, response_url=url)
    note = wait_for(lambda: [m for m in slack_api.messages.values() if m.channel == ADMIN], 20)
    assert "Erasing •••••••567" in slack_api.responses[-1]["text"]
    assert "•••••••567 erased" in note[0].text and "files deleted" in note[0].text

    store = keyed_store(app)
    try:
        assert holding(store) == []
        assert slack_holds(slack_api) == []
        assert slack_api.deleted  # the campaign's results file
        # The number stays refused, and its advertisement still counts for the day.
        assert store.marketing_cap.full([PHONE], 1, 86400) == {PHONE}
    finally:
        store.close()
    refused = app.command(f"{PHONE} Chào lại").json()["text"]
    assert "asked not to be messaged" in refused  # the agent typed it: told back to them
    assert (
        app.submit_composer(composer_values(PHONE, text="Sale 70%"), extra_state=MARKETING).json()[
            "response_action"
        ]
        == "errors"
    )
    assert db_holds(app) == [] and slack_holds(slack_api) == []
    # The request is listed with what became of it, never with the number.
    listed = app.command("privacy requests", user=ADMIN).json()["text"]
    assert "erased 20" in listed and PHONE not in listed and PHONE[1:] not in listed
    log = app.log()
    assert "erasure request" in log and "•••••••567" in log
    assert PHONE[1:] not in re.sub(r"[ .\-()+]", "", log)


@pytest.mark.process
def test_a_sigkill_halfway_through_the_edits_finishes_them_after_the_restart(
    app_factory, slack_api, esms
):
    """The real `viber-bot serve`, its edits paced as in production (one every 1.5 s)."""
    app = app_factory(**PRIVACY)
    for order in range(1, 6):
        app.command(f"{PHONE} Đơn A000{order} đã giao")
    wait_for(lambda: len(esms.accepted_for(PHONE)) == 5, timeout=20)
    deliver_all(esms, PHONE)
    wait_for(lambda: len([m for m in slack_api.replies_all() if PHONE in m.text]) == 5, 30)
    with slack_api.lock:
        posted = set(slack_api.messages)
    holding_it = {ts for ts in posted if slack_holds_one(slack_api, ts)}
    assert len(holding_it) >= 5

    answer = app.command(f"privacy erase {PHONE}", user=ADMIN).json()
    url = slack_api.response_url("erase")
    app.click("privacy_erase", erase_button(answer)["value"], user=ADMIN, response_url=url)
    wait_for(lambda: len(masked_edits(slack_api)) >= 2, timeout=30)
    app.kill()
    assert len(masked_edits(slack_api)) < len(holding_it)  # halfway
    app.start()
    wait_for(lambda: [m for m in slack_api.messages.values() if m.channel == ADMIN], 60)
    time.sleep(0.5)  # a second note would come right after the first
    notes = [m for m in slack_api.messages.values() if m.channel == ADMIN]
    assert len(notes) == 1 and "•••••••567 erased" in notes[0].text
    assert slack_holds(slack_api) == []
    assert holding_it <= set(masked_edits(slack_api))  # each message holding it, edited
    assert set(slack_api.messages) == posted | {notes[0].ts}  # nothing posted twice
    assert db_holds(app) == []
    assert PHONE[1:] not in re.sub(r"[ .\-()+]", "", app.log())


def slack_holds_one(slack_api, ts: str) -> bool:
    with slack_api.lock:
        message = slack_api.messages[ts]
        shown = message.text + json.dumps(message.blocks, ensure_ascii=False)
    return PHONE[1:] in re.sub(r"[ .\-()+]", "", shown)


def masked_edits(slack_api) -> list[str]:
    """The ts of each message an erasure edited (the mask in its new text or blocks)."""
    return [
        call.args["ts"]
        for call in slack_api.calls_to("chat.update")
        if "•••••••567" in json.dumps(call.args, ensure_ascii=False)
    ]
