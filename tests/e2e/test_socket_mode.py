"""`viber-bot dev`: Socket Mode against local stand-ins, no public URL, status by polling."""

import subprocess
import sys

import pytest

from sandbox.standins.slack_api import TEAM_ID, block_text
from sandbox.standins.socket_mode import SocketModeStandIn
from tests.e2e.harness import app_environment, free_port, run_cli, wait_for


@pytest.fixture
def socket_mode(slack_api):
    stand_in = SocketModeStandIn().start()
    slack_api.socket_url = stand_in.url
    yield stand_in
    stand_in.stop()


@pytest.fixture
def dev_app(slack_api, esms, socket_mode, tmp_path):
    env = app_environment(slack_api.url, esms.url, free_port(), tmp_path / "dev.db")
    env.update(
        PUBLIC_URL="",
        SLACK_SIGNING_SECRET="",
        SLACK_APP_TOKEN=slack_api.app_token,
        STATUS_POLL_SECONDS="1",
        STATUS_GRACE_SECONDS="0",
    )
    log = (tmp_path / "dev.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "dev"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    yield process
    process.terminate()
    process.wait(10)


def command(text):
    return {
        "team_id": TEAM_ID,
        "channel_id": "C0001",
        "user_id": "U0001",
        "command": "/viber",
        "text": text,
        "api_app_id": "A0001",
        "response_url": "",
        "trigger_id": "1.2.trigger",
    }


def test_dev_mode_serves_commands_over_socket_mode_and_polls_statuses(
    dev_app, socket_mode, slack_api, esms
):
    assert socket_mode.connected.wait(20), "the app never connected"
    envelope = socket_mode.send("slash_commands", command("0901234567 Xin chào từ dev"))
    ack = socket_mode.ack_for(envelope)
    assert "Sending to 1 number" in ack["payload"]["text"]
    (accepted,) = wait_for(lambda: esms.accepted_for("0901234567"))
    assert accepted.body["Content"] == "Xin chào từ dev" and "CallbackUrl" not in accepted.body
    esms.settle(accepted, 5, success=1)  # no callback without a public URL: polling finds it
    parent = wait_for(lambda: slack_api.parents())[0]
    wait_for(
        lambda: "Delivered 1/1" in block_text(slack_api.messages[parent.ts].blocks), timeout=15
    )

    opened = socket_mode.send("slash_commands", command(""))
    socket_mode.ack_for(opened)
    wait_for(lambda: slack_api.calls_to("views.open"))


def test_dev_mode_without_an_app_token_says_what_is_missing(slack_api, esms, tmp_path):
    env = app_environment(slack_api.url, esms.url, free_port(), tmp_path / "dev.db")
    env.pop("SLACK_APP_TOKEN", None)
    result = run_cli(env, "dev", timeout=30)
    assert result.returncode == 2 and "SLACK_APP_TOKEN is missing" in result.stderr


def test_the_workflow_step_runs_over_socket_mode(dev_app, socket_mode, slack_api, esms):
    assert socket_mode.connected.wait(20), "the app never connected"
    body = slack_api.function_executed(
        {
            "sent_by": {"id": "U0001", "secret": "x"},
            "channel": "C0001",
            "phones": "0901234567",
            "text": "Từ quy trình",
        },
        team=TEAM_ID,
        app_id="A0001",
        callback_id="send_viber_message",
    )
    socket_mode.ack_for(socket_mode.send("events_api", body))
    execution = body["event"]["function_execution_id"]
    done = wait_for(lambda: slack_api.completion_of(execution), timeout=20)
    assert done.method == "functions.completeSuccess" and done.outputs["send_id"]
    assert esms.accepted_for("0901234567")
