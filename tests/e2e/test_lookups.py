"""`/viber status`, `/viber history` and `/viber balance`, answered privately."""

from tests.e2e.harness import json_or_empty, wait_for


def settled_send(app, slack_api, esms, phones="0901234567", channel="C0001"):
    app.command(f"{phones} hello", channel=channel)
    first = phones.split(",")[0]
    wait_for(lambda: esms.accepted_for(first) and esms.accepted_for(first)[-1].sms_id)
    return esms.accepted_for(first)[-1]


def test_status_by_number_and_by_smsid(app, slack_api, esms):
    accepted = settled_send(app, slack_api, esms)
    esms.callback(accepted, 5, success=1)
    parent = wait_for(lambda: slack_api.parents())[0]
    wait_for(lambda: slack_api.replies(parent.ts))
    by_number = app.command("status +84 901 234 567").json()
    assert by_number["response_type"] == "ephemeral"
    assert "Latest sends to 0901234567" in by_number["text"]
    assert "✅ Delivered 1/1" in by_number["text"] and "<@U0001>" in by_number["text"]
    assert f"archives/C0001/p{parent.ts.replace('.', '')}" in by_number["text"]
    by_id = app.command(f"status {accepted.sms_id}").json()
    assert "✅ Delivered 1/1" in by_id["text"]
    assert "Nothing was sent to 0912345678" in app.command("status 0912345678").json()["text"]
    assert "No send has that SMSID" in app.command("status nonsense").json()["text"]
    assert "Which number" in app.command("status").json()["text"]


def test_history_lists_this_channels_latest_sends(app, slack_api, esms):
    for index in range(3):
        settled_send(app, slack_api, esms, phones=f"09012345{index:02d}")
    settled_send(app, slack_api, esms, phones="0987654321", channel="C0OTHER")
    answer = app.command("history 2").json()
    assert "Last 2 Viber sends from this channel" in answer["text"]
    assert "0901234502" in answer["text"] and "0901234501" in answer["text"]
    assert "0901234500" not in answer["text"] and "0987654321" not in answer["text"]
    assert "No Viber message" in app.command("history", channel="C0EMPTY").json()["text"]


def test_balance_in_vietnamese_format_with_low_warning(app_factory, slack_api, esms):
    app = app_factory(ESMS_LOW_BALANCE="50000")
    first = json_or_empty(app.command("balance", response_url=slack_api.response_url("bal")))
    assert "Asking eSMS" in first["text"]
    (answer,) = wait_for(lambda: slack_api.responses)
    assert (
        "eSMS balance: *36.693 ₫*" in answer["text"]
        and "Below the warning level of 50.000 ₫" in answer["text"]
    )
    assert answer["replace_original"] is True


def test_balance_when_esms_refuses(app_factory, slack_api, esms):
    app = app_factory(ESMS_API_KEY="WRONG-KEY")
    app.command("balance", response_url=slack_api.response_url("bal"))
    (answer,) = wait_for(lambda: slack_api.responses)
    assert "wrong eSMS ApiKey or SecretKey (101)" in answer["text"]
