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


def send_as(app, esms, phones, *, user, channel):
    """A send by `user` from `channel`, once eSMS accepted it; its acceptance."""
    first = phones.split(",")[0]
    before = len(esms.accepted_for(first))
    app.command(f"{phones} hello", channel=channel, user=user)
    return wait_for(lambda: esms.accepted_for(first)[before:])[0]


def test_status_shows_only_own_and_this_channels_sends_and_counts_the_rest(app, slack_api, esms):
    send_as(app, esms, "0901234567", user="U0001", channel="C0001")  # mine, here
    send_as(app, esms, "0901234567", user="U0002", channel="C0001")  # a colleague's, here
    send_as(app, esms, "0901234567", user="U0001", channel="C0ELSE")  # mine, elsewhere
    private = send_as(app, esms, "0901234567,0977777777", user="U0BOSS", channel="G0PRIVATE")
    private_parent = wait_for(lambda: slack_api.parents("G0PRIVATE"))[0]

    mine = app.command("status 0901234567", user="U0001", channel="C0001").json()["text"]
    assert mine.count("<@U0001>") == 2 and mine.count("<@U0002>") == 1
    assert "…and 1 more send in another channel, not shown here." in mine
    for secret in ("U0BOSS", "G0PRIVATE", "0977777777", private_parent.ts.replace(".", "")):
        assert secret not in mine

    stranger = app.command("status 0901234567", user="U0NEW", channel="C0LOBBY").json()["text"]
    assert "Latest sends to 0901234567" in stranger
    assert "4 sends in other channels, not shown here" in stranger
    assert "<@" not in stranger and "archives" not in stranger and "0977777777" not in stranger

    def by_id(user):
        return app.command(f"status {private.sms_id}", user=user, channel="C0001").json()["text"]

    owner = wait_for(lambda: "<@U0BOSS>" in (text := by_id("U0BOSS")) and text)  # SMSID stored
    assert "archives/G0PRIVATE" in owner and "not shown" not in owner
    other = by_id("U0001")
    assert "1 send in another channel, not shown here" in other
    assert "No send has that SMSID" not in other
    assert "G0PRIVATE" not in other and "<@" not in other and "0977777777" not in other
    member = app.command("status 0977777777", user="U0002", channel="G0PRIVATE").json()["text"]
    assert "<@U0BOSS>" in member and "not shown" not in member


def test_history_never_reaches_beyond_this_channel(app, slack_api, esms):
    send_as(app, esms, "0901234567", user="U0001", channel="C0001")
    send_as(app, esms, "0912345678", user="U0001", channel="G0PRIVATE")  # the asker's own
    send_as(app, esms, "0987654321", user="U0BOSS", channel="G0PRIVATE")
    here = app.command("history", user="U0001", channel="C0001").json()["text"]
    assert "Last 1 Viber sends from this channel" in here and "0901234567" in here
    for elsewhere in ("0912345678", "0987654321", "G0PRIVATE", "U0BOSS", "other channel"):
        assert elsewhere not in here
    there = app.command("history", user="U0002", channel="G0PRIVATE").json()["text"]
    assert "0912345678" in there and "0987654321" in there and "0901234567" not in there


def test_status_speaks_vietnamese_about_hidden_sends(app_factory, slack_api, esms):
    app = app_factory(LANGUAGE="vi")
    send_as(app, esms, "0901234567", user="U0BOSS", channel="G0PRIVATE")
    send_as(app, esms, "0901234567", user="U0001", channel="C0001")
    text = app.command("status 0901234567", user="U0001", channel="C0001").json()["text"]
    assert "…và 1 lượt gửi ở kênh khác nữa, không hiển thị ở đây." in text
