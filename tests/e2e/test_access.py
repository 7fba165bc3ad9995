"""Access control: workspace, app, users (and groups) and channels, refused before anything is stored."""

import json
import sqlite3
import time
from urllib.parse import urlencode

from tests.e2e.harness import composer_values, json_or_empty, wait_for

LIMITS = {
    "SLACK_TEAM_ID": "T0001",
    "ALLOWED_USERS": "U0001,S0TEAM",
    "ALLOWED_CHANNELS": "C0001,C0002",
}


def stored_sends(tmp_path):
    with sqlite3.connect(tmp_path / "app.db") as conn:
        return conn.execute("SELECT COUNT(*) FROM sends").fetchone()[0]


def test_allowed_people_in_allowed_channels_can_send(app_factory, slack_api, esms, tmp_path):
    slack_api.user_groups["S0TEAM"] = {"U0TEAMMATE"}
    app = app_factory(**LIMITS)
    assert "Sending to 1 number" in app.command("0901234567 hi").json()["text"]
    assert (
        "Sending to 1 number"
        in app.command("0901234567 hi", user="U0TEAMMATE", channel="C0002").json()["text"]
    )
    assert stored_sends(tmp_path) == 2


def test_outsiders_are_refused_and_nothing_is_stored(app_factory, slack_api, esms, tmp_path):
    slack_api.user_groups["S0TEAM"] = {"U0TEAMMATE"}
    app = app_factory(**LIMITS)
    wrong_user = app.command("0901234567 hi", user="U0OUTSIDER").json()
    wrong_channel = app.command("0901234567 hi", channel="C0OTHER").json()
    wrong_team = app.command("0901234567 hi", team="T0EVIL").json()
    modal = json_or_empty(app.submit_composer(composer_values(text="hi"), user="U0OUTSIDER"))
    modal_channel = json_or_empty(
        app.submit_composer(composer_values(text="hi"), channel="C0OTHER")
    )
    assert "not on the list" in wrong_user["text"] and wrong_user["response_type"] == "ephemeral"
    assert "can't be sent from this channel" in wrong_channel["text"]
    assert "not set up for this workspace" in wrong_team["text"]
    assert "not on the list" in modal["errors"]["recipients"]
    assert "this channel" in modal_channel["errors"]["recipients"]
    time.sleep(0.5)
    assert stored_sends(tmp_path) == 0 and esms.submissions == [] and slack_api.parents() == []
    assert slack_api.calls_to("views.open") == []


def test_the_composer_does_not_open_for_outsiders(app_factory, slack_api):
    app = app_factory(**LIMITS)
    answer = app.command("", user="U0OUTSIDER").json()
    assert "not on the list" in answer["text"]
    time.sleep(0.3)
    assert slack_api.calls_to("views.open") == []


def test_clicks_from_another_workspace_are_refused(app_factory, slack_api, esms):
    app = app_factory(SLACK_TEAM_ID="T0OTHER", APPROVAL_REQUIRED="true", APPROVERS="U0BOSS")
    response = app.click(
        "approve_send", "whatever", user="U0BOSS", response_url=slack_api.response_url()
    )
    assert response.status_code == 200
    time.sleep(0.5)
    assert [r["text"] for r in slack_api.responses] == [
        "This app is not set up for this workspace."
    ]


def message_shortcut(app, slack_api, *, user="U0001", channel="C0001", text="Chào anh"):
    """A "Send on Viber" message shortcut as Slack sends it, with a response URL to answer on."""
    payload = {
        "type": "message_action",
        "callback_id": "send_on_viber",
        "team": {"id": "T0001", "domain": "example"},
        "user": {"id": user, "team_id": "T0001"},
        "channel": {"id": channel, "name": "support"},
        "trigger_id": "3456.7890.trigger",
        "response_url": slack_api.response_url("shortcut"),
        "message_ts": "1700001000.000200",
        "message": {
            "type": "message",
            "user": "U0CUSTOMERCARE",
            "ts": "1700001000.000200",
            "text": text,
        },
    }
    return app.post_signed(urlencode({"payload": json.dumps(payload)}))


def test_the_message_shortcut_is_refused_to_outsiders_before_the_modal_opens(
    app_factory, slack_api, esms, tmp_path
):
    slack_api.user_groups["S0TEAM"] = {"U0TEAMMATE"}
    app = app_factory(**LIMITS)
    assert message_shortcut(app, slack_api, user="U0OUTSIDER").status_code == 200
    assert message_shortcut(app, slack_api, channel="C0OTHER").status_code == 200
    refusals = wait_for(lambda: len(slack_api.responses) == 2 and slack_api.responses)
    texts = sorted(response["text"] for response in refusals)
    assert "can't be sent from this channel" in texts[0] and "not on the list" in texts[1]
    assert all(response["response_type"] == "ephemeral" for response in refusals)
    time.sleep(0.5)
    assert slack_api.calls_to("views.open") == [] and stored_sends(tmp_path) == 0
    message_shortcut(app, slack_api, user="U0TEAMMATE", channel="C0002")
    (opened,) = wait_for(lambda: slack_api.calls_to("views.open"))
    assert json.loads(opened.args["view"]["private_metadata"])["c"] == "C0002"
