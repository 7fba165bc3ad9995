"""The "Send a Viber message" Workflow Builder step through the real app: Slack's
`function_executed` event in, functions.completeSuccess / completeError out."""

from __future__ import annotations

import json
import re
import time

import pytest

from sandbox.standins.slack_api import TEAM_ID, block_text
from tests.e2e.harness import consent_on_record, run_cli, wait_for
from tests.helpers import all_at_once

PHONE = "0901234567"


def run_step(app, slack_api, *, sender="U0AGENT", **inputs):
    """The event Slack sends when `sender` runs the workflow: `sent_by` is their user_context."""
    values = {"channel": "C0001", "phones": PHONE, "text": "Đơn đã giao"}
    values["sent_by"] = {"id": sender, "secret": "4f2a9c"} if sender else None
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
    assert "Sent by" in completion(slack_api, nobody).error
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


@pytest.mark.process
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
    consent_on_record(app.env, PHONE)
    done = completion(
        slack_api, run_step(app, slack_api, category="marketing", timeout_minutes=0.03)
    )
    assert done.method == "functions.completeError" and "marketing hours" in done.error
    assert f"not sent: {PHONE}" in done.error
    # The step's end ends its send: the held message never goes, and the thread says why.
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    wait_for(lambda: "step that started this send ended" in _thread(slack_api, parent), timeout=15)
    time.sleep(1.5)
    assert esms.submissions == []
    status = block_text(slack_api.messages[parent.ts].blocks)
    assert "Cancel send" not in status


def _thread(slack_api, parent) -> str:
    return "\n".join(m.text for m in slack_api.replies(parent.ts))


def test_a_timed_out_step_withdraws_its_approval_request(app_factory, slack_api, esms):
    app = app_factory(APPROVAL_REQUIRED="true", APPROVERS="U0BOSS")
    done = completion(slack_api, run_step(app, slack_api, timeout_minutes=0.02))
    assert done.method == "functions.completeError" and "withdrawn" in done.error
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]

    def buttons_gone() -> bool:
        blocks = slack_api.messages[parent.ts].blocks
        return not any(b["type"] == "actions" for b in blocks) and "withdrawn" in block_text(blocks)

    wait_for(buttons_gone, timeout=15)
    wait_for(lambda: "withdrawn" in _thread(slack_api, parent), timeout=15)
    # An approver arriving late finds nothing to approve, and nothing is sent.
    send_id = re.search(r"send ([0-9a-f]{16})", block_text(parent.blocks)).group(1)
    app.click("approve_send", send_id, user="U0BOSS", response_url=slack_api.response_url("a"))
    time.sleep(1.5)
    assert esms.submissions == []


def _delivered_at_once(slack_api, esms, apps) -> None:
    """One `function_executed` event posted to each of `apps` at the same moment: one send."""
    inputs = {"sent_by": {"id": "U0AGENT", "secret": "x"}, "channel": "C0001", "phones": PHONE}
    body = slack_api.function_executed(
        {**inputs, "text": "Một lần"},
        team=TEAM_ID,
        app_id="A0001",
        callback_id="send_viber_message",
    )
    raw = json.dumps(body)
    answers = all_at_once(
        len(apps), lambda i: apps[i].post_signed(raw, content_type="application/json")
    )
    assert {a.status_code for a in answers} == {200}
    done = completion(slack_api, body["event"]["function_execution_id"])
    assert done.method == "functions.completeSuccess"
    time.sleep(1.0)
    assert len(slack_api.parents("C0001")) == 1 and len(esms.submissions) == 1


def test_one_event_delivered_twice_at_once_sends_once(app, slack_api, esms):
    _delivered_at_once(slack_api, esms, [app] * 4)


@pytest.mark.process
def test_one_event_delivered_to_two_processes_sends_once(app_factory, slack_api, esms, shared_url):
    first, second = app_factory(DATABASE_URL=shared_url), app_factory(DATABASE_URL=shared_url)
    _delivered_at_once(slack_api, esms, [first, second, first, second])


def test_a_workflow_built_before_sent_by_is_told_and_check_says_so(app, slack_api, esms):
    inputs = {"sender": "U0AGENT", "channel": "C0001", "phones": PHONE, "text": "Đơn đã giao"}
    body = slack_api.function_executed(
        inputs, team=TEAM_ID, app_id="A0001", callback_id="send_viber_message"
    )
    assert app.post_signed(json.dumps(body), content_type="application/json").status_code == 200
    done = completion(slack_api, body["event"]["function_execution_id"])
    assert done.method == "functions.completeError" and "re-add the step" in done.error
    assert esms.submissions == [] and slack_api.parents("C0001") == []
    checked = run_cli(app.env, "check")
    assert "✗ Workflow step" in checked.stdout and "manifest.workflow.yml" in checked.stdout
