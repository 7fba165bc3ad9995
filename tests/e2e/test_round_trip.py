"""The round trip: a send reaches eSMS once per recipient, and its outcomes reach the thread."""

import time

import pytest
import requests

from sandbox.standins.esms import API_KEY, BRANDNAME, SECRET_KEY
from sandbox.standins.slack_api import block_text, section_text
from tests.e2e.harness import composer_values, wait_for

FULL = composer_values(
    "0901234567\n+84 912 345 678, 0901 234 567",
    text="Xin chào 🍀\nDòng thứ hai",
    image_url="https://cdn.example.com/banner.png",
    button_label="Xem ngay",
    button_url="https://example.com/offer?a=1&b=2",
)


def thread_of(slack_api, channel="C0001"):
    return wait_for(lambda: slack_api.parents(channel))[0]


def reply_texts(slack_api, parent):
    return [section_text(message.blocks) for message in slack_api.replies(parent.ts)]


def settle(seconds=0.6):
    """Give the app's workers time to do anything they still would (for 'nothing more happens')."""
    time.sleep(seconds)


def test_modal_send_makes_one_exact_esms_request_per_recipient_and_a_thread(app, slack_api, esms):
    assert app.submit_composer(FULL, response_url=slack_api.response_url()).status_code == 200
    wait_for(lambda: len(esms.submissions) == 2)
    settle()
    assert len(esms.submissions) == 2
    bodies = {s.body["Phones"][0]: s.body for s in esms.submissions}
    assert set(bodies) == {"0901234567", "0912345678"}
    body = bodies["0901234567"]
    assert body["ApiKey"] == API_KEY and body["SecretKey"] == SECRET_KEY
    assert body["Brandname"] == BRANDNAME and body["SmsType"] == "23" and body["IsSandBox"] == "0"
    assert body["Content"] == "Xin chào 🍀\r\nDòng thứ hai"
    assert body["OttImgUrl"] == "https://cdn.example.com/banner.png"
    assert body["OttLabel"] == "Xem ngay" and body["OttUrl"] == "https://example.com/offer?a=1&b=2"
    assert body["CallbackUrl"].startswith(app.base_url + "/esms/callback/")
    assert "?" not in body["CallbackUrl"]
    assert bodies["0912345678"]["RequestId"] != body["RequestId"]

    parent = thread_of(slack_api)
    wait_for(lambda: "Accepted by eSMS 2/2" in block_text(slack_api.messages[parent.ts].blocks))
    shown = block_text(slack_api.messages[parent.ts].blocks)
    assert "<@U0001>" in shown and "0901234567, 0912345678" in shown
    assert "Xin chào 🍀" in shown and "banner.png" in shown and "Xem ngay" in shown


def test_quick_send_with_arbitrary_text(app, slack_api, esms):
    text = "Chào anh Đức 🎉 giảm 50% & = + # https://shop.example/?x=1&y=2 — payload <b> \"quoted\" 'single'"
    answer = app.command(
        f"0901234567,84912345678 {text}", response_url=slack_api.response_url()
    ).json()
    assert "Sending to 2 numbers" in answer["text"]
    wait_for(lambda: len(esms.submissions) == 2)
    assert {s.body["Content"] for s in esms.submissions} == {text}
    assert "OttImgUrl" not in esms.submissions[0].body
    parent = thread_of(slack_api)
    assert "Chào anh Đức 🎉" in block_text(parent.blocks)


def test_sandbox_sends_are_marked_as_tests(app_factory, slack_api, esms):
    app = app_factory(ESMS_SANDBOX="true")
    app.command("0901234567 thử nghiệm")
    wait_for(lambda: esms.submissions)
    assert esms.submissions[0].body["IsSandBox"] == "1"
    assert "no customer receives" in block_text(thread_of(slack_api).blocks)


def test_each_callback_becomes_one_reply_and_the_parent_follows(app, slack_api, esms):
    phones = ["0901234567", "0912345678", "0987654321", "0961234567"]
    app.submit_composer(composer_values(",".join(phones), text="Hello"))
    wait_for(lambda: len(esms.submissions) == 4)
    parent = thread_of(slack_api)
    sub = {p: esms.sends_to(p)[0] for p in phones}
    wait_for(lambda: all(s.sms_id for s in sub.values()))
    wait_for(lambda: "Accepted by eSMS 4/4" in block_text(slack_api.messages[parent.ts].blocks))

    assert esms.callback(sub["0901234567"], 5, success=1).status_code == 200
    assert esms.callback(sub["0912345678"], 5, failed=1).status_code == 200
    assert esms.callback(sub["0987654321"], 4, failed=1).status_code == 200
    assert esms.callback(sub["0961234567"], 1).status_code == 200
    wait_for(lambda: sum(text.count("\n") + 1 for text in reply_texts(slack_api, parent)) >= 4)
    replies = "\n".join(reply_texts(slack_api, parent))
    assert "✅ 0901234567: delivered" in replies
    assert "❌ 0912345678: not delivered" in replies
    assert "⛔ 0987654321: rejected by eSMS" in replies
    assert "🕒 0961234567: waiting for eSMS's own approval" in replies

    # Duplicates and late, older statuses change nothing and add no reply.
    count = len(slack_api.replies(parent.ts))
    assert esms.callback(sub["0901234567"], 5, success=1).status_code == 200
    assert esms.callback(sub["0901234567"], 7).status_code == 200
    assert esms.callback(sub["0912345678"], 2).status_code == 200
    settle()
    assert len(slack_api.replies(parent.ts)) == count

    # The recipient that waited for eSMS's approval is delivered in the end: one more reply.
    esms.callback(sub["0961234567"], 7)
    esms.callback(sub["0961234567"], 5, success=1)
    wait_for(lambda: "0961234567: delivered" in "\n".join(reply_texts(slack_api, parent)))
    wait_for(lambda: "delivered 2/4" in block_text(slack_api.messages[parent.ts].blocks).lower())
    status = block_text(slack_api.messages[parent.ts].blocks)
    assert "⚠️ Delivered 2/4 · failed 1/4 · rejected by eSMS 1/4" in status
    lines = "\n".join(reply_texts(slack_api, parent)).splitlines()
    assert len(lines) == len(set(lines)) == 5


def test_out_of_order_callbacks_settle_on_the_final_state(app, slack_api, esms):
    app.command("0901234567 hi")
    sub = wait_for(lambda: esms.submissions and esms.submissions[0].sms_id and esms.submissions[0])
    parent = thread_of(slack_api)
    esms.callback(sub, 5, success=1)
    esms.callback(sub, 7)
    esms.callback(sub, 2)
    wait_for(lambda: "Delivered 1/1" in block_text(slack_api.messages[parent.ts].blocks))
    settle()
    assert "✅ Delivered 1/1" in block_text(slack_api.messages[parent.ts].blocks)
    assert reply_texts(slack_api, parent) == ["✅ 0901234567: delivered"]


def test_unknown_forged_and_malformed_callbacks_change_nothing(app, slack_api, esms):
    app.command("0901234567 hi")
    sub = wait_for(lambda: esms.submissions and esms.submissions[0].sms_id and esms.submissions[0])
    parent = thread_of(slack_api)
    wait_for(lambda: "Accepted" in block_text(slack_api.messages[parent.ts].blocks))
    updates = slack_api.messages[parent.ts].updates
    callback_url = sub.body["CallbackUrl"]

    unknown = requests.get(callback_url + "?SMSID=ffff0000&SendStatus=5&SendSuccess=1", timeout=5)
    forged = requests.get(
        app.base_url + f"/esms/callback/wrong-secret?SMSID={sub.sms_id}&SendStatus=5&SendSuccess=1",
        timeout=5,
    )
    no_secret = requests.get(
        app.base_url + f"/esms/callback/?SMSID={sub.sms_id}&SendStatus=5", timeout=5
    )
    malformed = [
        requests.get(callback_url + query, timeout=5)
        for query in (
            "",
            f"?SMSID={sub.sms_id}",
            f"?SMSID={sub.sms_id}&SendStatus=abc",
            f"?SMSID={sub.sms_id}&SendStatus=5&SendSuccess=-1",
            f"?SMSID={sub.sms_id}&SendStatus=5&SendStatus=4",
            "?SMSID=%00%01&SendStatus=5",
        )
    ]
    assert unknown.status_code == 200 and "unknown" in unknown.text
    assert forged.status_code == 404 and no_secret.status_code == 404
    assert all(response.status_code == 400 for response in malformed), [
        r.status_code for r in malformed
    ]
    assert all("Traceback" not in response.text for response in [forged, *malformed])
    settle()
    assert slack_api.replies(parent.ts) == []
    assert slack_api.messages[parent.ts].updates == updates
    assert "Accepted by eSMS 1/1" in block_text(slack_api.messages[parent.ts].blocks)


@pytest.mark.parametrize(
    ("code", "message", "words"),
    [
        (101, "Authorize Failed", "wrong eSMS ApiKey or SecretKey (101)"),
        (103, "Balance not enough", "insufficient balance (103)"),
        (104, "Brandname not exist", "the brandname does not exist or is inactive (104)"),
        (108, "Phone invalid", "the phone number has a wrong format (108)"),
        (777, "Something new", "Something new (code 777)"),
    ],
)
def test_esms_refusals_are_shown_in_words_with_their_code(
    app, slack_api, esms, code, message, words
):
    esms.refuse_phone["0901234567"] = (code, message)
    app.command("0901234567 hi")
    parent = thread_of(slack_api)
    wait_for(lambda: slack_api.replies(parent.ts))
    assert reply_texts(slack_api, parent) == [f"⛔ 0901234567: eSMS refused the message: {words}"]
    wait_for(lambda: "Refused by eSMS 1/1" in block_text(slack_api.messages[parent.ts].blocks))
    assert len(esms.submissions) == 1  # a refusal is final: no retry


def test_a_retry_after_a_lost_answer_gets_124_and_counts_as_accepted(app, slack_api, esms):
    esms.next_failures = ["timeout_after_accept"]
    app.command("0901234567 hi")
    wait_for(lambda: len(esms.submissions) == 2, timeout=10)
    first, second = esms.submissions
    assert first.body["RequestId"] == second.body["RequestId"]
    assert (first.code, second.code) == (100, 124)
    assert len(esms.accepted_for("0901234567")) == 1
    parent = thread_of(slack_api)
    wait_for(lambda: "Accepted by eSMS 1/1" in block_text(slack_api.messages[parent.ts].blocks))
    # The SMSID never reached the app; the callback still finds its recipient by RequestId.
    esms.callback(first, 5, success=1)
    wait_for(lambda: reply_texts(slack_api, parent) == ["✅ 0901234567: delivered"])


@pytest.mark.parametrize("failure", ["http500", "html", "timeout"])
def test_a_gateway_that_keeps_failing_ends_as_not_confirmed(app, slack_api, esms, failure):
    esms.next_failures = [failure] * 4
    app.command("0901234567 hi")
    parent = thread_of(slack_api)
    wait_for(lambda: slack_api.replies(parent.ts), timeout=20)
    (reply,) = reply_texts(slack_api, parent)
    assert reply.startswith("⚠️ 0901234567: not confirmed:")
    assert "4 attempts" in reply
    assert len(esms.submissions) == 4
    assert len({s.body["RequestId"] for s in esms.submissions}) == 1


def test_a_passing_gateway_error_is_retried_and_sends_once(app, slack_api, esms):
    esms.next_failures = ["http500", "html"]
    app.command("0901234567 hi")
    wait_for(lambda: len(esms.accepted_for("0901234567")) == 1)
    parent = thread_of(slack_api)
    wait_for(lambda: "Accepted by eSMS 1/1" in block_text(slack_api.messages[parent.ts].blocks))
    assert len(esms.submissions) == 3 and slack_api.replies(parent.ts) == []


def test_slack_rate_limits_delay_updates_but_lose_none(app, slack_api, esms):
    slack_api.fail_next("chat.postMessage", times=2, status=429, retry_after=1)
    app.command("0901234567 hi")
    parent = thread_of(slack_api)
    sub = wait_for(lambda: esms.submissions and esms.submissions[0].sms_id and esms.submissions[0])
    slack_api.fail_next("chat.update", times=1, status=429, retry_after=1)
    slack_api.fail_next("chat.postMessage", times=1, status=429, retry_after=1)
    esms.callback(sub, 5, success=1)
    wait_for(lambda: slack_api.replies(parent.ts), timeout=10)
    settle(1.5)
    assert len(slack_api.parents()) == 1
    assert reply_texts(slack_api, parent) == ["✅ 0901234567: delivered"]
    assert "Delivered 1/1" in block_text(slack_api.messages[parent.ts].blocks)
    assert slack_api.rate_limited == 4


def test_slack_outage_is_ridden_out(app, slack_api, esms):
    slack_api.fail_next("chat.postMessage", times=3, status=503)
    app.command("0901234567 hi")
    thread_of(slack_api)
    wait_for(lambda: esms.submissions)
    assert len(slack_api.parents()) == 1
    assert len(slack_api.calls_to("chat.postMessage")) == 4


def test_not_in_channel_tells_the_agent_and_sends_nothing(app, slack_api, esms):
    slack_api.not_member.add("G0PRIVATE")
    app.command("0901234567 hi", channel="G0PRIVATE", response_url=slack_api.response_url())
    (note,) = wait_for(lambda: slack_api.responses)
    assert note["response_type"] == "ephemeral"
    assert "/invite <@UBOT0001>" in note["text"] and "not sent" in note["text"]
    settle()
    assert esms.submissions == []


def test_not_in_channel_after_the_modal_reaches_the_agent_too(app, slack_api, esms):
    slack_api.not_member.add("C0OTHER")
    app.submit_composer(
        composer_values(text="Hi"), channel="C0OTHER", response_url=slack_api.response_url()
    )
    (note,) = wait_for(lambda: slack_api.responses)
    assert "/invite" in note["text"]
    settle()
    assert esms.submissions == []


@pytest.mark.process
def test_a_restart_between_send_and_callback_still_updates_the_thread(app, slack_api, esms):
    app.command("0901234567 hi")
    sub = wait_for(lambda: esms.submissions and esms.submissions[0].sms_id and esms.submissions[0])
    parent = thread_of(slack_api)
    wait_for(lambda: "Accepted" in block_text(slack_api.messages[parent.ts].blocks))
    app.restart()
    assert esms.callback(sub, 5, success=1).status_code == 200
    wait_for(lambda: reply_texts(slack_api, parent) == ["✅ 0901234567: delivered"])
    assert len(esms.submissions) == 1


@pytest.mark.process
def test_a_send_stored_before_a_restart_is_finished_after_it(app, slack_api, esms):
    slack_api.fail_next("chat.postMessage", times=1, status=429, retry_after=2)
    app.command("0901234567 hi")
    wait_for(lambda: slack_api.rate_limited == 1)
    app.restart()
    wait_for(lambda: esms.submissions, timeout=10)
    assert len(slack_api.parents()) == 1
