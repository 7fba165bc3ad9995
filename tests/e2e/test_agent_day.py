"""The agent's day: templates, scheduling, the message shortcut, brandnames, test sends."""

import json
import time

import pytest

from sandbox.standins.slack_api import block_text
from tests.e2e.harness import composer_values, json_or_empty, wait_for

ADMIN = "U0ADMIN"


def status(slack_api, parent):
    return block_text(slack_api.messages[parent.ts].blocks)


def buttons(message):
    return {
        element["action_id"]: element["value"]
        for block in message.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
    }


def test_templates_are_managed_by_admins_and_fill_the_composer(app_factory, slack_api, esms):
    app = app_factory(TEMPLATE_ADMINS=ADMIN)
    add = "template add giam-gia | Giảm 50% hôm nay 🎉 | https://cdn.example.com/b.png | Xem ngay | https://shop.example"
    assert "Only template admins" in app.command(add).json()["text"]
    assert "saved" in app.command(add, user=ADMIN).json()["text"]
    bad = app.command(
        "template add broken | Hi | https://cdn.example.com/b.png | |", user=ADMIN
    ).json()
    assert "not saved" in bad["text"] and "needs a button" in bad["text"]
    listed = app.command("template list").json()["text"]
    assert "giam-gia" in listed and "Giảm 50% hôm nay" in listed and "broken" not in listed

    app.command("")
    (opened,) = wait_for(lambda: slack_api.calls_to("views.open"))
    view = opened.args["view"]
    picker = next(b for b in view["blocks"] if b.get("block_id") == "templates")
    assert [o["value"] for o in picker["elements"][0]["options"]] == ["giam-gia"]
    app.pick_template(view, "giam-gia", {"recipients": "0901234567", "text": "typed before"})
    (updated,) = wait_for(lambda: slack_api.calls_to("views.update"))
    new_view = updated.args["view"]
    initial = {
        b["block_id"]: b["element"].get("initial_value")
        for b in new_view["blocks"]
        if b["type"] == "input"
    }
    assert initial["recipients~1"] == "0901234567"  # what the agent typed stays
    assert initial["text~1"] == "Giảm 50% hôm nay 🎉" and initial["button_label~1"] == "Xem ngay"

    # The agent edits the filled text before sending.
    metadata = json.loads(new_view["private_metadata"])
    state = {
        f"{field}~1": value
        for field, value in composer_values(
            "0901234567",
            text="Giảm 60% hôm nay 🎉",
            image_url="https://cdn.example.com/b.png",
            button_label="Xem ngay",
            button_url="https://shop.example",
        ).items()
    }
    assert metadata["v"] == 1
    app.submit_composer(state)
    wait_for(lambda: esms.submissions)
    assert esms.submissions[0].body["Content"] == "Giảm 60% hôm nay 🎉"
    assert "removed" in app.command("template remove giam-gia", user=ADMIN).json()["text"]
    assert "No templates yet" in app.command("template list").json()["text"]


@pytest.mark.process
def test_a_scheduled_send_waits_survives_a_restart_and_goes_at_its_time(app, slack_api, esms):
    send_at = int(time.time()) + 6
    app.submit_composer(
        composer_values("0901234567", text="Hẹn giờ"),
        extra_state={"send_at": {"type": "datetimepicker", "selected_date_time": send_at}},
    )
    parent = wait_for(lambda: slack_api.parents())[0]
    assert "Scheduled for <!date^" in status(slack_api, parent)
    assert "cancel_send" in buttons(parent)
    app.restart()
    wait_for(lambda: esms.submissions, timeout=20)
    assert esms.submissions[0].at >= send_at  # held until its time, across the restart
    wait_for(lambda: "Accepted by eSMS 1/1" in status(slack_api, parent))
    assert "cancel_send" not in buttons(slack_api.messages[parent.ts])


def test_a_scheduled_send_can_be_cancelled_by_its_author_only(app, slack_api, esms):
    app.submit_composer(
        composer_values("0901234567", text="Later"),
        extra_state={
            "send_at": {"type": "datetimepicker", "selected_date_time": int(time.time()) + 5}
        },
    )
    parent = wait_for(lambda: slack_api.parents())[0]
    send_id = buttons(parent)["cancel_send"]
    app.click("cancel_send", send_id, user="U0SOMEONE", response_url=slack_api.response_url("x"))
    (refused,) = wait_for(lambda: slack_api.responses)
    assert "Only <@U0001>" in refused["text"]
    app.click("cancel_send", send_id, user="U0001", response_url=slack_api.response_url("y"))
    wait_for(lambda: "Cancelled by <@U0001>" in status(slack_api, parent))
    time.sleep(6)
    assert esms.submissions == []
    app.click("cancel_send", send_id, user="U0001", response_url=slack_api.response_url("z"))
    wait_for(lambda: len(slack_api.responses) == 2)
    assert "Too late to cancel" in slack_api.responses[-1]["text"]


def test_schedule_in_the_past_is_refused_inline(app, esms):
    answer = json_or_empty(
        app.submit_composer(
            composer_values("0901234567", text="x"),
            extra_state={
                "send_at": {"type": "datetimepicker", "selected_date_time": int(time.time()) - 3600}
            },
        )
    )
    assert "has passed" in answer["errors"]["send_at"]


def test_the_message_shortcut_sends_into_that_messages_thread(app, slack_api, esms):
    root = slack_api.messages.setdefault(
        "1700000999.000100", None
    )  # a customer thread in the channel
    from sandbox.standins.slack_api import Message

    slack_api.messages["1700000999.000100"] = Message("C0001", "1700000999.000100", "Khách hỏi", [])
    del root
    app.shortcut(
        "Chào anh &amp; chị, đơn hàng đã gửi!",
        channel="C0001",
        ts="1700001000.000200",
        thread_ts="1700000999.000100",
    )
    (opened,) = wait_for(lambda: slack_api.calls_to("views.open"))
    view = opened.args["view"]
    text_block = next(b for b in view["blocks"] if b.get("block_id") == "text")
    assert text_block["element"]["initial_value"] == "Chào anh & chị, đơn hàng đã gửi!"
    assert json.loads(view["private_metadata"])["t"] == "1700000999.000100"
    app.submit_composer(
        composer_values("0901234567", text="Chào anh & chị"), thread_ts="1700000999.000100"
    )
    (accepted,) = wait_for(lambda: esms.accepted_for("0901234567"))
    parent = wait_for(lambda: slack_api.replies("1700000999.000100"))[0]
    assert "Viber message" in block_text(parent.blocks)
    esms.callback(accepted, 5, success=1)
    wait_for(lambda: any("delivered" in m.text for m in slack_api.replies("1700000999.000100")[1:]))
    assert slack_api.parents() == [slack_api.messages["1700000999.000100"]]


def test_the_agent_chooses_the_brandname(app_factory, slack_api, esms):
    esms.brandnames.append(("SHOP2", 23))
    app = app_factory(ESMS_BRANDNAME="TESTBRAND,SHOP2")
    app.command("")
    view = wait_for(lambda: slack_api.calls_to("views.open"))[0].args["view"]
    choice = next(b for b in view["blocks"] if b.get("block_id") == "brandname")
    assert [o["value"] for o in choice["element"]["options"]] == ["TESTBRAND", "SHOP2"]
    app.submit_composer(
        composer_values("0901234567", text="Hi"),
        extra_state={"brandname": {"type": "static_select", "selected_option": {"value": "SHOP2"}}},
    )
    wait_for(lambda: esms.submissions)
    assert esms.submissions[0].body["Brandname"] == "SHOP2"
    forged = json_or_empty(
        app.submit_composer(
            composer_values("0901234567", text="Hi"),
            extra_state={
                "brandname": {"type": "static_select", "selected_option": {"value": "NOT-MINE"}}
            },
        )
    )
    assert "Pick one of the brandnames" in forged["errors"]["brandname"]


def test_test_sends_say_so_everywhere(app_factory, slack_api, esms):
    app = app_factory(ESMS_ALLOW_TEST_SENDS="true")
    app.submit_composer(
        composer_values("0901234567", text="thử"),
        extra_state={"test_send": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
    )
    (accepted,) = wait_for(lambda: esms.accepted_for("0901234567"))
    assert accepted.body["IsSandBox"] == "1"
    parent = wait_for(lambda: slack_api.parents())[0]
    assert "no customer receives" in status(slack_api, parent)
    esms.callback(accepted, 5, success=1)
    reply = wait_for(lambda: slack_api.replies(parent.ts))[0]
    assert "no customer receives" in block_text(reply.blocks)
    app.submit_composer(composer_values("0912345678", text="thật"))
    (real,) = wait_for(lambda: esms.accepted_for("0912345678"))
    assert real.body["IsSandBox"] == "0"


def test_the_home_tab_shows_the_viewers_latest_sends(app, slack_api, esms):
    app.command("0987654321 hello", user="U0VIEWER")
    app.command("0977777777 other person", user="U0OTHER")
    wait_for(lambda: len(esms.accepted) == 2)
    event = {
        "token": "x",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": "Ev0001",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": "U0VIEWER", "channel": "D0001", "tab": "home"},
    }
    response = app.post_signed(json.dumps(event), content_type="application/json")
    assert response.status_code == 200
    # The first view goes out at once; a second follows when the eSMS balance arrives.
    published = wait_for(lambda: slack_api.calls_to("views.publish"))[0]
    assert published.args["user_id"] == "U0VIEWER"
    shown = block_text(published.args["view"]["blocks"])
    assert "0987654321" in shown and "0977777777" not in shown and "/viber help" in shown


def test_slack_url_verification_is_answered(app):
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"})
    response = app.post_signed(body, content_type="application/json")
    assert response.status_code == 200 and "c-123" in response.text
