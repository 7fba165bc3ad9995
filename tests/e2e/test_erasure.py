"""`/viber privacy erase NUMBER` over signed HTTP against the real app: only privacy admins,
bad input answered and nothing changed, the confirmation's button carrying the request's id
only, and, confirmed, the number erased from every table, from what the app posted to Slack and
from its log."""

from __future__ import annotations

import json

from bot.store import Store
from tests.e2e.harness import wait_for

ADMIN, AGENT = "U0ADMIN", "U0AGENT"
KEY = "test-data-key-" + "x" * 30
PHONE, OTHER = "0901234567", "0912345678"
PRIVACY = {"PRIVACY_ADMINS": ADMIN, "DATA_KEY": KEY}


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
