"""Slack's side: signatures, the command, the composer and its inline validation."""

import json
import time

import pytest
import requests

from sandbox.standins import esms as esms_stand_in
from tests.e2e.harness import (
    app_environment,
    composer_values,
    free_port,
    json_or_empty,
    run_cli,
    wait_for,
)


def test_unsigned_forged_and_stale_requests_get_401(app, esms, slack_api):
    body = "command=%2Fviber&text=0901234567+hi&channel_id=C0001&user_id=U0001"
    unsigned = requests.post(app.base_url + "/slack/events", data=body, timeout=5)
    forged = requests.post(
        app.base_url + "/slack/events",
        data=body,
        headers={
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": "v0=" + "0" * 64,
        },
        timeout=5,
    )
    stale = app.post_signed(body, timestamp=int(time.time()) - 600)
    assert [unsigned.status_code, forged.status_code, stale.status_code] == [401, 401, 401]
    assert "Traceback" not in unsigned.text
    time.sleep(0.3)
    assert esms.submissions == [] and slack_api.parents() == []


def test_missing_variable_stops_start_up_naming_it(tmp_path):
    env = app_environment(
        "http://127.0.0.1:9/", "http://127.0.0.1:9/", free_port(), tmp_path / "x.db"
    )
    del env["ESMS_BRANDNAME"]
    env["ESMS_SANDBOX"] = "perhaps"
    result = run_cli(env, "serve", cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    assert "ESMS_BRANDNAME is missing" in result.stderr
    assert "ESMS_SANDBOX must be true or false" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_modal_opens_within_slacks_deadline_while_esms_is_slow(app, esms, slack_api):
    esms.send_delay = 5
    for index in range(6):  # keep every job worker busy waiting on eSMS
        app.submit_composer(composer_values(f"09012345{index:02d}", text="busy"))
    wait_for(lambda: len(esms.submissions) >= 4, timeout=10)
    # Slack gives up on an acknowledgement after 3 s; so does this request.
    response = app.command("", response_url=slack_api.response_url())
    assert response.status_code == 200
    opened = wait_for(lambda: slack_api.calls_to("views.open"), timeout=3)
    view = opened[0].args["view"]
    assert opened[0].args["trigger_id"] == "1234.5678.trigger"
    assert view["callback_id"] == "viber_compose"
    assert json.loads(view["private_metadata"])["c"] == "C0001"


VALIDATION_CASES = [
    (
        composer_values("12345, 0901234567, abc", text="Hi"),
        "recipients",
        "12345, abc are not Vietnamese mobile",
    ),
    (composer_values("", text="Hi"), "recipients", "Add at least one phone number"),
    (
        composer_values(",".join(f"09{i:08d}" for i in range(51)), text="Hi"),
        "recipients",
        "at most 50",
    ),
    (composer_values(text=""), "text", "Write a message or add an image"),
    (
        composer_values(text="Hi", image_url="https://x.example/a.png"),
        "button_label",
        "needs a button",
    ),
    (composer_values(text="Hi", button_label="Go"), "button_url", "needs a link"),
    (composer_values(text="Hi", button_url="https://x.example"), "button_label", "needs a label"),
    (composer_values(image_url="http://x.example/a.png"), "image_url", "https"),
    (composer_values(text="x" * 1001), "text", "1001 characters"),
    (
        composer_values(text="Hi", button_label="L" * 31, button_url="https://x.example"),
        "button_label",
        "31",
    ),
    (
        composer_values(text="Hi", button_label="Go", button_url="javascript:alert(1)"),
        "button_url",
        "http",
    ),
]


def test_every_validation_rule_answers_inline_and_sends_nothing(app, esms, slack_api):
    for values, field, words in VALIDATION_CASES:
        response = app.submit_composer(values)
        answer = json_or_empty(response)
        assert response.status_code == 200
        assert answer.get("response_action") == "errors", (values, response.text)
        assert words in answer["errors"][field], (field, answer)
    time.sleep(0.5)
    assert esms.submissions == []
    assert slack_api.parents() == []


def test_expired_or_tampered_form_gets_an_inline_error(app, esms):
    response = app.post_signed(
        "payload="
        + requests.utils.quote(
            json.dumps(
                {
                    "type": "view_submission",
                    "team": {"id": "T0001"},
                    "user": {"id": "U0001"},
                    "view": {
                        "type": "modal",
                        "callback_id": "viber_compose",
                        "private_metadata": "garbage",
                        "state": {"values": {}},
                    },
                }
            )
        )
    )
    assert json_or_empty(response)["response_action"] == "errors"
    assert esms.submissions == []


@pytest.mark.parametrize("text", ["help", "HELP"])
def test_help(app, text):
    response = app.command(text)
    assert response.status_code == 200
    assert "/viber 0901234567" in json_or_empty(response)["text"]


def test_unrecognised_text_answers_with_help(app, esms):
    answer = json_or_empty(app.command("please send the payload now"))
    assert "I don't know `please`" in answer["text"] and "/viber help" in answer["text"]
    assert esms.submissions == []


def test_quick_send_errors_are_ephemeral_and_send_nothing(app, esms, slack_api):
    invalid = json_or_empty(app.command("0901234567,12345 Xin chào"))
    no_text = json_or_empty(app.command("0901234567"))
    assert "12345 is not a Vietnamese mobile number" in invalid["text"]
    assert "Add the message after the numbers" in no_text["text"]
    time.sleep(0.3)
    assert esms.submissions == [] and slack_api.parents() == []


@pytest.mark.parametrize(
    "body",
    [
        "payload=%7Bnot+json",
        "payload=%5B1%2C2%5D",
        "{not json",
        "a=%ZZ&&&=",
        "",
        "payload=" + requests.utils.quote(json.dumps({"type": "view_submission", "view": None})),
        "payload=" + requests.utils.quote(json.dumps({"type": "block_actions", "actions": "x"})),
    ],
)
def test_malformed_signed_bodies_get_a_4xx_not_a_crash(app, esms, body):
    response = app.post_signed(body)
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.status_code
    assert "Traceback" not in response.text
    assert requests.get(app.base_url + "/healthz", timeout=5).status_code == 200
    assert esms.submissions == []


def test_oversized_body_is_refused(app):
    response = app.post_signed("text=" + "x" * (1024 * 1024 + 10))
    assert response.status_code == 413


def test_health_and_unknown_routes(app):
    assert requests.get(app.base_url + "/healthz", timeout=5).json() == {"ok": True}
    assert requests.get(app.base_url + "/nope", timeout=5).status_code == 404
    assert requests.get(app.base_url + "/slack/events", timeout=5).status_code == 405


def test_brandname_and_keys_never_appear_in_logs(app, esms):
    app.command("0901234567 hello")
    wait_for(lambda: esms.submissions)
    time.sleep(0.3)
    log = app.log()
    assert esms_stand_in.SECRET_KEY not in log and esms_stand_in.API_KEY not in log
    assert "xoxb-test-token" not in log
    assert "0901234567" not in log  # phones are masked


def test_log_lines_carry_the_request_id_send_id_and_a_masked_number(app, esms):
    response = app.command("0901234567 hello")
    request_id = response.headers["X-Request-Id"]
    wait_for(lambda: esms.accepted)
    time.sleep(0.3)
    lines = app.log().splitlines()
    stored = [line for line in lines if f"[{request_id}]" in line and "stored" in line]
    assert stored, lines[-10:]
    send_id = stored[0].split("send ")[1].split()[0]
    accepted = [line for line in lines if f"send {send_id} to •••••••567 accepted" in line]
    assert accepted and "[job-" in accepted[0]
    echoed = requests.get(
        app.base_url + "/healthz", headers={"X-Request-Id": "router-abc-123"}, timeout=5
    )
    assert echoed.headers["X-Request-Id"] == "router-abc-123"


@pytest.mark.process
def test_several_web_processes_asked_for_with_sqlite_run_as_one(app_factory):
    app = app_factory(WEB_CONCURRENCY="3", DYNO="web.1")
    assert "WEB_CONCURRENCY=3 ignored" in app.log()
    assert app.log().count("Booting worker") == 1
    assert "wiped at every restart" in app.log()  # SQLite on a Heroku dyno is called out
