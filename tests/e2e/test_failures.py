"""A listener that fails after its acknowledgement still tells the person, with a reference
that the log line of the failure carries."""

import json
import re
import sqlite3
import time

from sandbox.standins.slack_api import block_text
from tests.e2e.harness import json_or_empty, wait_for

REFERENCE = re.compile(r"`([0-9a-f]{8})`")


def break_table(tmp_path, table):
    """The database loses a table under the running app: every listener reading it fails."""
    with sqlite3.connect(tmp_path / "app.db") as conn:
        conn.execute(f"ALTER TABLE {table} RENAME TO {table}_gone")


def reference_logged(app, text):
    (reference,) = REFERENCE.findall(text)
    wait_for(lambda: f"reference {reference}" in app.log())
    return reference


def test_a_failed_click_is_told_in_its_channel(app, slack_api, tmp_path):
    break_table(tmp_path, "sends")
    response = app.click("cancel_send", "abc", user="U0AGENT", response_url="", channel="C0042")
    assert response.status_code == 200
    (told,) = wait_for(lambda: slack_api.calls_to("chat.postEphemeral"))
    assert told.args["channel"] == "C0042" and told.args["user"] == "U0AGENT"
    assert "went wrong" in told.args["text"]
    reference_logged(app, told.args["text"])


def test_a_failed_approval_click_is_told_too(app_factory, slack_api, tmp_path):
    app = app_factory(APPROVAL_REQUIRED="true", APPROVERS="U0BOSS")
    break_table(tmp_path, "sends")
    app.click("approve_send", "abc", user="U0BOSS", response_url="", channel="C0007")
    (told,) = wait_for(lambda: slack_api.calls_to("chat.postEphemeral"))
    assert told.args["channel"] == "C0007" and told.args["user"] == "U0BOSS"
    reference_logged(app, told.args["text"])


def test_a_failure_in_an_open_modal_is_shown_in_the_modal(app, slack_api, tmp_path):
    break_table(tmp_path, "templates")
    view = {"callback_id": "viber_compose", "private_metadata": json.dumps({"c": "C0001"})}
    assert app.pick_template(view, "promo", {"recipients": "0901234567"}).status_code == 200
    (updated,) = wait_for(lambda: slack_api.calls_to("views.update"))
    assert updated.args["view_id"] == "V0001"
    shown = block_text(updated.args["view"]["blocks"])
    assert "went wrong" in shown
    reference_logged(app, shown)
    assert slack_api.calls_to("chat.postEphemeral") == []


def test_a_failed_message_shortcut_is_told_in_the_channel(app, slack_api, tmp_path):
    break_table(tmp_path, "templates")
    app.shortcut("Hello", channel="C0009", ts="1700000001.000200", user="U0AGENT")
    (told,) = wait_for(lambda: slack_api.calls_to("chat.postEphemeral"), timeout=30)
    assert told.args["channel"] == "C0009" and told.args["user"] == "U0AGENT"
    reference_logged(app, told.args["text"])
    assert slack_api.calls_to("views.open") == []


def test_a_submission_that_fails_before_its_answer_shows_the_error_under_the_field(
    app, slack_api, tmp_path
):
    break_table(tmp_path, "sends")
    answer = json_or_empty(app.submit_rejection("abc", "no", user="U0BOSS"))
    assert answer["response_action"] == "errors"
    reference_logged(app, answer["errors"]["reason"])


def test_a_failure_with_no_channel_is_told_by_direct_message(app, slack_api, tmp_path):
    break_table(tmp_path, "sends")
    event = {
        "token": "x",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": "Ev0002",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": "U0VIEWER", "tab": "home"},
    }
    assert app.post_signed(json.dumps(event), content_type="application/json").status_code == 200
    (told,) = wait_for(lambda: [c for c in slack_api.calls_to("chat.postMessage")])
    assert told.args["channel"] == "U0VIEWER"
    reference_logged(app, told.args["text"])
