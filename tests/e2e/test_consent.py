"""Marketing only with consent on record, and the stop link every advertisement ends with,
through the real app over HTTP: refused when the send is made, skipped when it leaves, care
unaffected; the stop page opts the number out, withdraws its consent and says so in the
thread, once."""

from __future__ import annotations

import json
import re

import requests

from bot.core.consent import SOURCE_SLACK
from bot.store import Store
from sandbox.standins.slack_api import block_text
from tests.e2e.harness import advertised, composer_values, consent_on_record, wait_for
from tests.e2e.test_approvals import button_value
from tests.e2e.test_campaigns import accepted_phones, press, sheet, submit_campaign, thread
from tests.e2e.test_workflow_step import completion, run_step

WITH, WITHOUT = "0901234567", "0912345678"  # a number with consent on record, one without
MARKETING = {"category": {"type": "static_select", "selected_option": {"value": "marketing"}}}
OPEN_ALL_DAY = {"MARKETING_HOURS": "00:00-24:00", "MARKETING_PREFIX": "[QC]"}
LINK = re.compile(r"http://127\.0\.0\.1:\d+/stop/[A-Za-z0-9_-]{22}")


def replies(slack_api, parent) -> str:
    return "\n".join(block_text(m.blocks) or m.text for m in slack_api.replies(parent.ts))


def store_of(app) -> Store:
    return Store.open(app.env["DATABASE_URL"])


def stop_link(esms, phone: str) -> str:
    submission = wait_for(lambda: [s for s in esms.viber_to(phone) if s.sms_id])[-1]
    advertised(submission.body["Content"])
    [link] = LINK.findall(submission.body["Content"])
    return link


def test_marketing_without_consent_is_refused_on_every_entry_point_and_care_goes(
    app_factory, slack_api, esms
):
    app = app_factory(**OPEN_ALL_DAY)
    consent_on_record(app.env, WITH)
    answer = app.submit_composer(
        composer_values(f"{WITH},{WITHOUT}", text="Sale 50%"), extra_state=MARKETING
    ).json()
    assert answer["response_action"] == "errors"
    refusal = answer["errors"]["recipients"]
    assert WITHOUT in refusal and WITH not in refusal and "consent" in refusal
    step = completion(slack_api, run_step(app, slack_api, phones=WITHOUT, category="marketing"))
    assert step.method == "functions.completeError" and WITHOUT in step.error
    assert slack_api.parents("C0001") == [] and esms.submissions == []
    # Care is not marketing: consent does not concern it, and it ends as written.
    assert app.submit_composer(composer_values(WITHOUT, text="Đơn đã giao")).text == ""
    care = wait_for(lambda: esms.viber_to(WITHOUT))[0]
    assert care.body["Content"] == "Đơn đã giao"
    # With consent the advertisement goes, ending with the number's own stop link.
    assert app.submit_composer(composer_values(WITH, text="Sale 50%"), extra_state=MARKETING).ok
    assert advertised(wait_for(lambda: esms.viber_to(WITH))[0].body["Content"]) == "[QC] Sale 50%"


def test_consent_withdrawn_while_a_send_waits_for_its_approval_skips_the_number(
    app_factory, slack_api, esms
):
    app = app_factory(**OPEN_ALL_DAY, APPROVAL_REQUIRED="true", APPROVERS="U0BOSS")
    consent_on_record(app.env, WITH, WITHOUT)
    app.submit_composer(
        composer_values(f"{WITH},{WITHOUT}", text="Sale"), user="U0AGENT", extra_state=MARKETING
    )
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    store = store_of(app)
    try:
        assert store.consents.withdraw(WITHOUT, "U0AGENT", SOURCE_SLACK, "asked on the phone")
    finally:
        store.close()
    app.click(
        "approve_send", button_value(parent), user="U0BOSS", response_url=slack_api.response_url()
    )
    wait_for(lambda: f"{WITHOUT}: not sent: no marketing consent on record" in replies(
        slack_api, parent), timeout=15)  # fmt: skip
    assert [p for s in esms.submissions for p in s.body["Phones"]] == [WITH]


def test_a_campaigns_preview_counts_the_rows_without_consent_and_skips_them(
    app_factory, slack_api, esms
):
    app = app_factory(**OPEN_ALL_DAY)
    consent_on_record(app.env, "0900000000", "0900000002")  # rows 1 and 3 of 3
    upload = slack_api.add_file("khach.csv", sheet(3))
    assert submit_campaign(app, upload, text="Sale {Tên khách}", category="marketing").ok
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    wait_for(lambda: "Preview" in thread(slack_api, parent), timeout=15)
    preview = thread(slack_api, parent)
    assert "1 without marketing consent on record" in preview and "*2 to send*" in preview
    started = wait_for(lambda: "campaign_start" in json.dumps(
        slack_api.messages[parent.ts].blocks) and slack_api.messages[parent.ts])  # fmt: skip
    press(app, started, "campaign_start")
    wait_for(lambda: len(accepted_phones(esms)) == 2, timeout=20)
    assert sorted(accepted_phones(esms)) == ["0900000000", "0900000002"]
    # Each row's advertisement ends with a stop link of its own.
    links = [stop_link(esms, phone) for phone in ("0900000000", "0900000002")]
    assert len(set(links)) == 2
    # A customer's stop is told in the campaign's thread too.
    assert requests.post(links[1], timeout=10).ok
    wait_for(lambda: "🛑 0900000002 used the stop link" in thread(slack_api, parent), timeout=15)


def test_the_stop_link_opts_out_withdraws_consent_and_tells_the_thread_once(
    app_factory, slack_api, esms
):
    app = app_factory(**OPEN_ALL_DAY)
    consent_on_record(app.env, WITH)
    app.submit_composer(composer_values(WITH, text="Sale 50%"), extra_state=MARKETING)
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    link = stop_link(esms, WITH)
    # Opening the link (or a preview fetching it) shows the button and changes nothing.
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<form method="post">' in page.text and "Dừng nhận các tin nhắn này" in page.text
    assert "<script" not in page.text and WITH not in page.text and "567" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    store = store_of(app)
    try:
        assert store.optouts.get(WITH) is None and store.consents.get(WITH) is not None
        done = requests.post(link, timeout=10)
        assert done.status_code == 200 and "Đã nhận yêu cầu của bạn lúc" in done.text
        assert "From this moment on" in done.text
        opt_out = store.optouts.get(WITH)
        assert opt_out is not None and opt_out.added_by == "customer"
        assert store.consents.get(WITH) is None
        [*_, withdrawn] = store.consents.history(WITH)[0]
        assert (withdrawn["action"], withdrawn["source"]) == ("withdraw", "customer")
        note = f"🛑 {WITH} used the stop link in the advertisement"
        wait_for(lambda: note in replies(slack_api, parent), timeout=15)
        # A second click, and a reload of the page, say it is done already, and nothing more.
        again = requests.post(link, timeout=10)
        assert again.status_code == 200 and "Already done" in again.text
        assert "Already done" in requests.get(link, timeout=10).text
        assert len(store.optouts.history(WITH)) == 1
    finally:
        store.close()
    wrong = requests.post(link[:-1] + ("A" if link[-1] != "A" else "B"), timeout=10)
    assert wrong.status_code == 404 and "không hợp lệ" in wrong.text
    assert requests.get(link.rsplit("/", 1)[0] + "/..%2F..%2Fetc", timeout=10).status_code == 404
    assert requests.put(link, timeout=10).status_code == 405
    assert replies(slack_api, parent).count(note) == 1
    # From now on the number is refused as opted out.
    answer = app.submit_composer(composer_values(WITH, text="Sale"), extra_state=MARKETING).json()
    assert "asked not to be messaged" in answer["errors"]["recipients"]
    assert WITH in answer["errors"]["recipients"]
