"""The "Send a Viber message" Workflow Builder step through the real app: Slack's
`function_executed` event in, functions.completeSuccess / completeError out."""

from __future__ import annotations

import json

from bot.standins.slack_api import TEAM_ID
from tests.e2e.harness import wait_for

PHONE = "0901234567"


def run_step(app, slack_api, **inputs):
    values = {"sender": "U0AGENT", "channel": "C0001", "phones": PHONE, "text": "Đơn đã giao"}
    values.update(inputs)
    body = slack_api.function_executed(
        {k: v for k, v in values.items() if v is not None},
        team=TEAM_ID,
        app_id="A0001",
        callback_id="send_viber_message",
    )
    answer = app.post_signed(json.dumps(body), content_type="application/json")
    assert answer.status_code == 200
    return body["event"]["function_execution_id"]


def completion(slack_api, execution_id, timeout=15):
    return wait_for(lambda: slack_api.completion_of(execution_id), timeout=timeout)


def test_a_step_sends_and_completes_once_esms_accepted(app, slack_api, esms):
    execution = run_step(app, slack_api)
    done = completion(slack_api, execution)
    assert done.method == "functions.completeSuccess"
    assert done.outputs["pending"] == 1 and done.outputs["delivered"] == 0
    assert done.outputs["send_id"] and done.outputs["thread_url"].startswith("https://slack.com/")
    assert f"{PHONE}: accepted by eSMS" in done.outputs["states"]
    assert [s.body["Phones"] for s in esms.submissions] == [[PHONE]]
    (parent,) = slack_api.parents("C0001")
    assert "U0AGENT" in parent.text  # sent on behalf of the person the step names


def test_waiting_for_delivery_completes_when_every_recipient_is_final(app, slack_api, esms):
    execution = run_step(app, slack_api, phones=f"{PHONE},0912345678", wait_for="delivered")
    wait_for(lambda: len(esms.accepted) == 2)
    assert slack_api.completion_of(execution) is None
    first, second = esms.accepted.values()
    esms.callback(first, 5, success=1)
    esms.callback(second, 5, success=0, failed=1)
    done = completion(slack_api, execution)
    assert done.method == "functions.completeSuccess"
    assert (done.outputs["delivered"], done.outputs["failed"], done.outputs["pending"]) == (1, 1, 0)


def test_invalid_input_fails_at_once_with_a_sentence(app, slack_api, esms):
    bad_number = run_step(app, slack_api, phones="12345")
    done = completion(slack_api, bad_number)
    assert done.method == "functions.completeError" and "12345" in done.error
    nobody = run_step(app, slack_api, sender="")
    assert "Send as" in completion(slack_api, nobody).error
    assert esms.submissions == [] and slack_api.parents() == []


def test_an_opted_out_number_fails_the_step(app, slack_api, esms):
    app.command(f"optout add {PHONE} asked to stop")
    done = completion(slack_api, run_step(app, slack_api))
    assert done.method == "functions.completeError" and "asked not to be messaged" in done.error
    assert esms.submissions == []


def test_approval_then_completion_and_rejection(app_factory, slack_api, esms):
    app = app_factory(APPROVAL_REQUIRED="true", APPROVERS="U0BOSS")
    approved = run_step(app, slack_api)
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    send_id = next(
        e["value"] for b in parent.blocks if b["type"] == "actions" for e in b["elements"]
    )
    assert slack_api.completion_of(approved) is None and esms.submissions == []
    app.click("approve_send", send_id, user="U0BOSS", response_url=slack_api.response_url("a"))
    assert completion(slack_api, approved).method == "functions.completeSuccess"
    rejected = run_step(app, slack_api, phones="0912345678")
    second = wait_for(lambda: len(slack_api.parents("C0001")) == 2 and slack_api.parents("C0001"))[
        1
    ]
    send_id = next(
        e["value"] for b in second.blocks if b["type"] == "actions" for e in b["elements"]
    )
    app.submit_rejection(send_id, "not this customer", user="U0BOSS")
    done = completion(slack_api, rejected)
    assert done.method == "functions.completeError"
    assert "Rejected by <@U0BOSS>" in done.error and "not this customer" in done.error


def test_a_step_that_waits_too_long_fails_with_the_reason(app_factory, slack_api, esms):
    app = app_factory(APPROVAL_REQUIRED="true", APPROVERS="U0BOSS")
    execution = run_step(app, slack_api, timeout_minutes=0.02)  # 1.2 s
    done = completion(slack_api, execution)
    assert done.method == "functions.completeError"
    assert "waiting for an approver's decision" in done.error


def test_a_restart_between_submission_and_completion_still_completes(app, slack_api, esms):
    esms.send_delay = 0.8  # the process dies while eSMS is answering
    execution = run_step(app, slack_api)
    wait_for(lambda: esms.submissions)
    app.kill()
    esms.send_delay = 0
    app.start()
    done = completion(slack_api, execution, timeout=30)
    assert done.method == "functions.completeSuccess"
    assert len([s for s in esms.submissions if s.code == 100]) == 1


def test_a_workflow_that_stopped_waiting_is_told_in_the_thread(app, slack_api, esms):
    esms.send_delay = 0.5  # time enough to stop the workflow before eSMS accepts
    execution = run_step(app, slack_api)
    slack_api.stopped.add(execution)
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    wait_for(
        lambda: any("stopped waiting" in m.text for m in slack_api.replies(parent.ts)), timeout=15
    )
    assert slack_api.completion_of(execution) is None


def test_an_esms_refusal_fails_the_step_with_its_code(app, slack_api, esms):
    esms.refuse_phone[PHONE] = (108, "Phone invalid")
    done = completion(slack_api, run_step(app, slack_api))
    assert done.method == "functions.completeError"
    assert PHONE in done.error and "(108)" in done.error


def test_a_marketing_step_outside_the_hours_times_out_saying_so(app_factory, slack_api, esms):
    from tests.e2e.test_outreach import closed_hours

    app = app_factory(MARKETING_HOURS=closed_hours())
    done = completion(
        slack_api, run_step(app, slack_api, category="marketing", timeout_minutes=0.03)
    )
    assert done.method == "functions.completeError" and "marketing hours" in done.error
    assert esms.submissions == []
