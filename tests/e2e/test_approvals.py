"""Approval before sending, through the real app: buttons, four eyes, one decision, expiry."""

import time

import pytest

from sandbox.standins.slack_api import block_text
from tests.e2e.harness import composer_values, wait_for
from tests.helpers import all_at_once

AGENT, BOSS, DEPUTY, STRANGER, GROUPIE = "U0AGENT", "U0BOSS", "U0DEPUTY", "U0STRANGER", "U0GROUPIE"
APPROVAL = {"APPROVAL_REQUIRED": "true", "APPROVERS": f"{BOSS},{DEPUTY},S0LEADS,{AGENT}"}


@pytest.fixture
def approval_app(app_factory, slack_api):
    slack_api.user_groups["S0LEADS"] = {GROUPIE}
    return app_factory(**APPROVAL)


def request_approval(app, slack_api, phones="0901234567,0912345678", **kwargs):
    app.submit_composer(composer_values(phones, text="Khuyến mãi 🎁"), user=AGENT, **kwargs)
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    return parent, button_value(parent)


def button_value(message):
    for block in message.blocks:
        if block.get("type") == "actions":
            return {element["action_id"]: element["value"] for element in block["elements"]}[
                "approve_send"
            ]
    return None


def current(slack_api, message):
    return slack_api.messages[message.ts]


def thread_text(slack_api, parent):
    return "\n".join(m.text + block_text(m.blocks) for m in slack_api.replies(parent.ts))


def settle(seconds=0.6):
    time.sleep(seconds)


def test_a_request_waits_for_approval_and_nothing_reaches_esms(approval_app, slack_api, esms):
    parent, send_id = request_approval(approval_app, slack_api)
    assert send_id
    shown = block_text(parent.blocks)
    assert "Awaiting approval" in shown and f"<@{BOSS}>" in shown and "<!subteam^S0LEADS>" in shown
    assert "Khuyến mãi 🎁" in shown
    (actions,) = [b for b in parent.blocks if b["type"] == "actions"]
    approve, reject = actions["elements"]
    assert approve["style"] == "primary" and "confirm" in approve and reject["style"] == "danger"
    settle()
    assert esms.submissions == []


def test_quick_send_also_waits(approval_app, slack_api, esms):
    answer = approval_app.command("0901234567 hi", user=AGENT).json()
    assert "waits for an approver" in answer["text"]
    assert button_value(wait_for(lambda: slack_api.parents())[0])
    settle()
    assert esms.submissions == []


def test_the_requester_and_strangers_cannot_decide(approval_app, slack_api, esms):
    parent, send_id = request_approval(approval_app, slack_api)
    own = approval_app.click(
        "approve_send", send_id, user=AGENT, response_url=slack_api.response_url("own")
    )
    stranger = approval_app.click(
        "approve_send", send_id, user=STRANGER, response_url=slack_api.response_url("stranger")
    )
    rejecter = approval_app.click(
        "reject_send", send_id, user=STRANGER, response_url=slack_api.response_url("r")
    )
    assert own.status_code == stranger.status_code == rejecter.status_code == 200
    notes = wait_for(lambda: len(slack_api.responses) == 3 and slack_api.responses)
    texts = sorted(note["text"] for note in notes)
    assert any("four eyes" in text for text in texts)
    assert sum("Only the configured approvers" in text for text in texts) == 2
    assert all(note["response_type"] == "ephemeral" for note in notes)
    settle()
    assert esms.submissions == [] and slack_api.calls_to("views.open") == []
    assert button_value(current(slack_api, parent)) == send_id


def test_an_approval_sends_once_even_when_clicked_twice(approval_app, slack_api, esms):
    parent, send_id = request_approval(approval_app, slack_api)
    for _ in range(2):
        approval_app.click(
            "approve_send", send_id, user=BOSS, response_url=slack_api.response_url("boss")
        )
    wait_for(lambda: len(esms.submissions) == 2)
    wait_for(lambda: "Approved by" in thread_text(slack_api, parent))
    settle()
    assert sorted(s.body["Phones"][0] for s in esms.submissions) == ["0901234567", "0912345678"]
    assert button_value(current(slack_api, parent)) is None
    assert f"Approved by <@{BOSS}>" in block_text(current(slack_api, parent).blocks)
    (late,) = wait_for(lambda: slack_api.responses)
    assert late["text"].startswith(f"This request was already approved by <@{BOSS}>")


def test_two_approvers_clicking_at_once_make_one_decision(approval_app, slack_api, esms):
    parent, send_id = request_approval(approval_app, slack_api)
    clickers = [BOSS, DEPUTY, BOSS, DEPUTY, GROUPIE, GROUPIE]
    all_at_once(
        len(clickers),
        lambda i: approval_app.click(
            "approve_send", send_id, user=clickers[i], response_url=slack_api.response_url(f"c{i}")
        ),
    )
    wait_for(lambda: len(esms.submissions) == 2)
    wait_for(lambda: len(slack_api.responses) == len(clickers) - 1)
    settle()
    assert len(esms.submissions) == 2
    assert thread_text(slack_api, parent).count("Approved by") == 1
    assert all("already approved" in note["text"] for note in slack_api.responses)


def test_reject_with_a_reason_sends_nothing_and_says_why(approval_app, slack_api, esms):
    parent, send_id = request_approval(approval_app, slack_api)
    approval_app.click("reject_send", send_id, user=DEPUTY, response_url=slack_api.response_url())
    (opened,) = wait_for(lambda: slack_api.calls_to("views.open"))
    assert opened.args["view"]["callback_id"] == "viber_reject"
    assert opened.args["view"]["private_metadata"] == send_id
    assert (
        approval_app.submit_rejection(send_id, "Sai giá <khuyến mãi>", user=DEPUTY).status_code
        == 200
    )
    wait_for(lambda: "rejected by" in thread_text(slack_api, parent))
    text = thread_text(slack_api, parent)
    assert f"<@{AGENT}>" in text and f"<@{DEPUTY}>" in text and "Sai giá &lt;khuyến mãi&gt;" in text
    assert button_value(current(slack_api, parent)) is None
    assert "Not sent: rejected by" in block_text(current(slack_api, parent).blocks)
    # A late approval changes nothing and says what happened.
    approval_app.click(
        "approve_send", send_id, user=BOSS, response_url=slack_api.response_url("late")
    )
    late = wait_for(lambda: slack_api.responses)
    assert "already rejected" in late[-1]["text"]
    # A second reject form submitted late gets an inline answer.
    again = approval_app.submit_rejection(send_id, "", user=BOSS).json()
    assert "already rejected" in again["errors"]["reason"]
    settle()
    assert esms.submissions == []


def test_an_unanswered_request_expires_by_itself(app_factory, slack_api, esms):
    app = app_factory(**APPROVAL, APPROVAL_TTL_HOURS="0.0005")  # 1.8 seconds
    parent, send_id = request_approval(app, slack_api)
    wait_for(lambda: "expired" in thread_text(slack_api, parent), timeout=10)
    assert button_value(current(slack_api, parent)) is None
    assert "Not sent: expired" in block_text(current(slack_api, parent).blocks)
    app.click("approve_send", send_id, user=BOSS, response_url=slack_api.response_url())
    (note,) = wait_for(lambda: slack_api.responses)
    assert "already expired" in note["text"]
    settle()
    assert esms.submissions == []


@pytest.mark.process
def test_buttons_posted_before_a_restart_still_work(approval_app, slack_api, esms):
    parent, send_id = request_approval(approval_app, slack_api)
    approval_app.restart()
    approval_app.click("approve_send", send_id, user=BOSS, response_url=slack_api.response_url())
    wait_for(lambda: len(esms.submissions) == 2)
    wait_for(lambda: button_value(current(slack_api, parent)) is None)


def test_group_members_may_approve_until_they_leave_the_group(approval_app, slack_api, esms):
    first_parent, first = request_approval(approval_app, slack_api, phones="0901234567")
    approval_app.click(
        "approve_send", first, user=GROUPIE, response_url=slack_api.response_url("g1")
    )
    wait_for(lambda: len(esms.submissions) == 1)

    approval_app.submit_composer(composer_values("0912345678", text="again"), user=AGENT)
    second_parent = wait_for(lambda: [p for p in slack_api.parents() if p.ts != first_parent.ts])[0]
    second = button_value(second_parent)
    slack_api.user_groups["S0LEADS"] = set()  # removed after the request was posted
    approval_app.click(
        "approve_send", second, user=GROUPIE, response_url=slack_api.response_url("g2")
    )
    (note,) = wait_for(lambda: slack_api.responses)
    assert "Only the configured approvers" in note["text"]
    settle()
    assert len(esms.submissions) == 1


def test_requests_can_go_to_an_approval_channel(app_factory, slack_api, esms):
    app = app_factory(**APPROVAL, APPROVAL_CHANNEL="C0APPROVE")
    app.submit_composer(composer_values("0901234567", text="hi"), user=AGENT)
    request = wait_for(lambda: slack_api.parents("C0APPROVE"))[0]
    parent = slack_api.parents("C0001")[0]
    assert button_value(parent) is None and "Awaiting approval in <#C0APPROVE>" in block_text(
        parent.blocks
    )
    send_id = button_value(request)
    app.click(
        "approve_send",
        send_id,
        user=BOSS,
        channel="C0APPROVE",
        response_url=slack_api.response_url(),
    )
    wait_for(lambda: esms.submissions)
    wait_for(lambda: button_value(current(slack_api, request)) is None)
    assert "Decision:* approved by" in block_text(current(slack_api, request).blocks)
    wait_for(lambda: "Approved by" in thread_text(slack_api, parent))


def test_an_unreachable_approval_channel_puts_the_buttons_in_the_thread(
    app_factory, slack_api, esms
):
    slack_api.not_member.add("C0APPROVE")
    app = app_factory(**APPROVAL, APPROVAL_CHANNEL="C0APPROVE")
    app.submit_composer(composer_values("0901234567", text="hi"), user=AGENT)
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    wait_for(lambda: button_value(current(slack_api, parent)))
    settle()
    assert esms.submissions == []
