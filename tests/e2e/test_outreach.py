"""Reaching every customer and respecting every refusal, through the real app: the SMS fallback,
opt-outs on every path, the marketing hours and the daily cap, delivery detail."""

from __future__ import annotations

import json
import time
from datetime import datetime
from urllib.parse import urlencode

import pytest

from bot.core.formatting import VIETNAM
from bot.core.marketing import parse_hours
from sandbox.standins.esms import SMS_BRANDNAME
from sandbox.standins.slack_api import TEAM_ID, block_text, section_text
from tests.e2e.harness import composer_values, consent_on_record, run_cli, wait_for

PHONE = "0901234567"
FALLBACK = {"ESMS_SMS_BRANDNAME": SMS_BRANDNAME, "SMS_FALLBACK": "true"}
ORDER = "Don hang A123 da san sang. Chi tiet:"
LINK = "https://shop.example/a123"
TICKED = {"sms_fallback": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}
MARKETING = {"category": {"type": "static_select", "selected_option": {"value": "marketing"}}}


def order_values(phone: str = PHONE) -> dict[str, str]:
    return composer_values(phone, text=ORDER, button_label="Xem", button_url=LINK)


def parent_of(slack_api, index: int = 0):
    return wait_for(lambda: len(slack_api.parents("C0001")) > index and slack_api.parents("C0001"))[
        index
    ]


def shown(slack_api, message) -> str:
    return block_text(slack_api.messages[message.ts].blocks)


def replies(slack_api, parent) -> str:
    return "\n".join(block_text(m.blocks) or m.text for m in slack_api.replies(parent.ts))


def viber_submission(esms, phone: str = PHONE):
    return wait_for(lambda: [s for s in esms.viber_to(phone) if s.sms_id])[-1]


def settle(seconds: float = 1.0) -> None:
    """Time for the app's workers to do anything they still would ("nothing more happens")."""
    time.sleep(seconds)


def closed_hours() -> str:
    """MARKETING_HOURS that are closed now and open within three hours (Vietnamese time)."""
    now = datetime.now(VIETNAM)
    opens = (now.hour * 60 + now.minute + 120) % 1440
    if opens + 60 > 1440 or opens <= now.hour * 60 + now.minute < opens + 60:
        opens = 60
    closes = opens + 60
    return f"{opens // 60:02d}:{opens % 60:02d}-{closes // 60:02d}:{closes % 60:02d}"


def click_stop(app, slack_api, reply, *, user: str = "U0001"):
    """Press "Customer asked to stop" on a reply, as Slack sends it after the confirmation."""
    (button,) = [b["accessory"] for b in reply.blocks if b.get("accessory")]
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "example"},
        "user": {"id": user, "username": "agent", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": "3456.7890.trigger",
        "container": {"type": "message", "message_ts": reply.ts, "channel_id": "C0001"},
        "channel": {"id": "C0001", "name": "support"},
        "message": {"ts": reply.ts, "thread_ts": reply.thread_ts, "text": reply.text},
        "response_url": slack_api.response_url("stop"),
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "x",
                "value": button["value"],
                "action_ts": str(time.time()),
            }
        ],
    }
    return app.post_signed(urlencode({"payload": json.dumps(payload)}))


# -- SMS fallback -------------------------------------------------------------------------------


def test_a_failed_viber_message_is_followed_by_exactly_one_sms(app_factory, slack_api, esms):
    app = app_factory(**FALLBACK)
    app.submit_composer(order_values(), extra_state=TICKED)
    parent = parent_of(slack_api)
    viber = viber_submission(esms)
    assert esms.callback(viber, 5, success=0, failed=1, telcoid=1).status_code == 200
    sms = wait_for(lambda: esms.sms_to(PHONE))[0]
    body = sms.body
    assert body["SmsType"] == "2" and body["Brandname"] == SMS_BRANDNAME
    assert body["Phone"] == PHONE and body["Content"] == f"{ORDER} {LINK}"
    assert body["IsUnicode"] == "0" and body["Sandbox"] == "0"
    assert body["RequestId"] != viber.body["RequestId"] and body["CallbackUrl"]
    # The same failure called back again, and as reconciliation's poll gives it: still one SMS.
    esms.callback(viber, 5, success=0, failed=1)
    esms.callback(viber, 4)
    wait_for(lambda: "SMS" in replies(slack_api, parent))
    assert esms.callback(sms, 5, success=1, TotalPrice="350.0000", telcoid=2).status_code == 200
    story = wait_for(
        lambda: [
            line for line in replies(slack_api, parent).splitlines() if "SMS delivered" in line
        ]
    )[0]
    assert "Viber not delivered" in story or "Viber failed" in story
    assert "Mobifone" in story and "350 ₫" in story
    wait_for(lambda: "SMS fallback: delivered 1/1" in shown(slack_api, parent))
    settle()
    assert len(esms.sms_to(PHONE)) == 1 and len(esms.viber_to(PHONE)) == 1


def test_a_delivered_viber_message_is_never_followed_by_an_sms(app_factory, slack_api, esms):
    app = app_factory(**FALLBACK)
    app.submit_composer(order_values(), extra_state=TICKED)
    parent = parent_of(slack_api)
    viber = viber_submission(esms)
    esms.callback(viber, 5, success=1, TotalPrice="470.0000", telcoid=1)
    wait_for(lambda: "✅ Delivered 1/1" in shown(slack_api, parent))
    esms.callback(viber, 5, success=0, failed=1)  # late and contradicting: a final state holds
    settle()
    assert esms.sms_to(PHONE) == []
    (reply,) = wait_for(lambda: slack_api.replies(parent.ts))  # the reply follows the parent
    assert section_text(reply.blocks) == f"✅ {PHONE}: delivered"
    assert "Viettel · 470 ₫" in block_text(reply.blocks)  # the network and the price
    assert "470 ₫" in shown(slack_api, parent)  # the send's total cost


@pytest.mark.process
def test_the_sms_goes_out_once_across_a_sigkill_while_it_is_being_sent(
    app_factory, slack_api, esms
):
    app = app_factory(**FALLBACK)
    app.submit_composer(order_values(), extra_state=TICKED)
    parent_of(slack_api)
    viber = viber_submission(esms)
    esms.send_delay = 2.5  # the SMS call is under way when the process dies
    esms.callback(viber, 5, success=0, failed=1)
    wait_for(lambda: esms.sms_to(PHONE))
    app.kill()
    esms.send_delay = 0
    app.start()
    wait_for(lambda: len(esms.sms_to(PHONE)) >= 2, timeout=20)  # the retry, same RequestId
    settle(1.5)
    sms = esms.sms_to(PHONE)
    assert {s.body["RequestId"] for s in sms} == {sms[0].body["RequestId"]}
    assert len([s for s in sms if s.code == 100]) == 1  # one accepted; the retry got 124


@pytest.mark.process
def test_the_sms_goes_out_once_when_the_process_dies_before_the_call(app_factory, slack_api, esms):
    app = app_factory(**FALLBACK)
    app.submit_composer(order_values(), extra_state=TICKED)
    parent = parent_of(slack_api)
    viber = viber_submission(esms)
    esms.next_failures.append("timeout")  # the first SMS call never gets an answer …
    esms.callback(viber, 5, success=0, failed=1)
    wait_for(lambda: esms.sms_to(PHONE))
    app.kill()  # … and the process dies before it could try again
    app.start()
    wait_for(lambda: [s for s in esms.sms_to(PHONE) if s.code == 100], timeout=20)
    settle()
    sms = esms.sms_to(PHONE)
    assert len({s.body["RequestId"] for s in sms}) == 1
    assert len([s for s in sms if s.code == 100]) == 1
    esms.callback(sms[-1], 5, success=1)
    wait_for(lambda: "SMS delivered" in replies(slack_api, parent))


def test_a_template_mismatch_is_explained_and_the_composer_warns_first(
    app_factory, slack_api, esms
):
    app = app_factory(**FALLBACK)
    wait_for(lambda: esms.template_queries)  # the app read the registered templates at start
    settle(0.3)
    values = composer_values(PHONE, text="Chào chị Lan, hẹn gặp lại")
    answer = app.submit_composer(values, extra_state=TICKED).json()
    assert answer["response_action"] == "errors"
    warning = answer["errors"]["sms_text"]
    assert "matches none of the templates" in warning and "146" in warning and "1 SMS" in warning
    assert slack_api.parents("C0001") == []
    anyway = {
        "sms_fallback": {
            "type": "checkboxes",
            "selected_options": [{"value": "yes"}, {"value": "anyway"}],
        }
    }
    assert app.submit_composer(values, extra_state=anyway).text in ("", "{}")
    parent = parent_of(slack_api)
    esms.callback(viber_submission(esms), 5, success=0, failed=1)
    wait_for(lambda: "does not match a template" in replies(slack_api, parent))


def test_a_marketing_message_never_falls_back_to_sms(app_factory, slack_api, esms):
    app = app_factory(**FALLBACK, MARKETING_HOURS="00:00-24:00")
    consent_on_record(app.env, PHONE)
    # The box is ticked (SMS_FALLBACK=true), but a marketing message never falls back.
    assert app.submit_composer(order_values(), extra_state={**TICKED, **MARKETING}).text in (
        "",
        "{}",
    )
    parent = parent_of(slack_api)
    esms.callback(viber_submission(esms), 5, success=0, failed=1)
    wait_for(lambda: "not delivered" in replies(slack_api, parent))
    settle()
    assert esms.sms_to(PHONE) == []


def test_an_account_refusal_never_falls_back(app_factory, slack_api, esms):
    app = app_factory(**FALLBACK)
    esms.force_next(103)
    app.submit_composer(order_values(), extra_state=TICKED)
    parent = parent_of(slack_api)
    wait_for(lambda: "balance" in replies(slack_api, parent))
    settle()
    assert esms.sms_to(PHONE) == []


# -- opt-outs ---------------------------------------------------------------------------------


def test_an_opted_out_number_is_refused_by_the_composer_and_the_quick_send(app, slack_api, esms):
    added = app.command(f"optout add {PHONE} asked by phone").json()["text"]
    assert "added to the opt-outs" in added
    answer = app.submit_composer(composer_values(f"{PHONE},0912345678", text="Hi")).json()
    error = answer["errors"]["recipients"]
    assert PHONE in error and "0912345678" not in error and "since" in error
    quick = app.command(f"{PHONE} Xin chào").json()["text"]
    assert "Nothing was sent" in quick or PHONE in quick
    assert "asked not to be messaged" in quick
    settle()
    assert esms.submissions == [] and slack_api.parents() == []
    listed = app.command("optout list").json()["text"]
    assert PHONE in listed and "asked by phone" in listed and "<@U0001>" in listed


def test_only_opt_out_admins_remove_a_number(app_factory):
    app = app_factory(OPTOUT_ADMINS="U0ADMIN")
    app.command(f"optout add {PHONE}")
    refused = app.command(f"optout remove {PHONE}").json()["text"]
    assert "Only the opt-out admins" in refused
    assert PHONE in app.command("optout list").json()["text"]
    removed = app.command(f"optout remove {PHONE}", user="U0ADMIN").json()["text"]
    assert "removed from the opt-outs" in removed
    assert "No number has opted out" in app.command("optout list").json()["text"]


def test_a_scheduled_send_is_checked_again_when_it_goes_out(app, slack_api, esms):
    moment = int(time.time()) + 4
    at = {"send_at": {"type": "datetimepicker", "selected_date_time": moment}}
    app.submit_composer(composer_values(f"{PHONE},0912345678", text="Hi"), extra_state=at)
    parent = parent_of(slack_api)
    wait_for(lambda: "Scheduled" in shown(slack_api, parent))
    app.command(f"optout add {PHONE} changed her mind")
    wait_for(lambda: esms.viber_to("0912345678"), timeout=15)
    lines = lambda: [x for x in replies(slack_api, parent).splitlines() if PHONE in x]  # noqa: E731
    line = wait_for(lines)[0]
    day = datetime.now(VIETNAM).strftime("%Y-%m-%d")
    assert f"not sent: opted out on {day} (changed her mind)" in line
    settle()
    assert esms.viber_to(PHONE) == []


def test_an_approved_send_is_checked_again_on_approval(app_factory, slack_api, esms):
    app = app_factory(APPROVAL_REQUIRED="true", APPROVERS="U0BOSS")
    app.submit_composer(composer_values(PHONE, text="Hi"), user="U0AGENT")
    parent = parent_of(slack_api)
    send_id = next(
        e["value"] for b in parent.blocks if b["type"] == "actions" for e in b["elements"]
    )
    app.command(f"optout add {PHONE}")
    app.click("approve_send", send_id, user="U0BOSS", response_url=slack_api.response_url("b"))
    wait_for(lambda: "not sent: opted out on" in replies(slack_api, parent))
    settle()
    assert esms.submissions == []


def test_the_sms_fallback_respects_an_opt_out_made_meanwhile(app_factory, slack_api, esms):
    app = app_factory(**FALLBACK)
    app.submit_composer(order_values(), extra_state=TICKED)
    parent = parent_of(slack_api)
    viber = viber_submission(esms)
    app.command(f"optout add {PHONE} stop")
    esms.callback(viber, 5, success=0, failed=1)
    wait_for(lambda: "not sent: opted out" in replies(slack_api, parent))
    settle()
    assert esms.sms_to(PHONE) == []


def test_customer_asked_to_stop_from_a_thread_and_a_99_never_adds_by_itself(app, slack_api, esms):
    esms.refuse_phone[PHONE] = (99, "Phone is in blacklist")
    app.submit_composer(composer_values(PHONE, text="Hi"))
    parent = parent_of(slack_api)
    reply = wait_for(lambda: slack_api.replies(parent.ts))[0]
    text = block_text(reply.blocks)
    assert "Phone is in blacklist" in text  # eSMS's own words: blocked, or an unknown error
    assert "No number has opted out" in app.command("optout list").json()["text"]
    assert click_stop(app, slack_api, reply).status_code == 200
    wait_for(lambda: "asked to stop" in replies(slack_api, parent))
    listed = app.command("optout list").json()["text"]
    assert PHONE in listed and "customer asked to stop" in listed
    answer = app.submit_composer(composer_values(PHONE, text="Again"))
    assert PHONE in answer.json()["errors"]["recipients"]


def test_a_99_refusal_never_falls_back_to_sms(app_factory, slack_api, esms):
    """The number may be blocked by its owner: the customer said no, and an SMS would ask
    again."""
    app = app_factory(**FALLBACK)
    esms.refuse_phone[PHONE] = (99, "Phone is in blacklist")
    app.submit_composer(order_values(), extra_state=TICKED)
    parent = parent_of(slack_api)
    wait_for(lambda: "Phone is in blacklist" in replies(slack_api, parent))
    settle()
    assert esms.sms_to(PHONE) == []


def test_opt_outs_import_and_export_on_the_command_line(app, tmp_path):
    sheet = tmp_path / "optouts.csv"
    sheet.write_bytes("\ufeffSố điện thoại;Reason\n0901234567;hotline\n+84 912 345 678;\n".encode())
    result = run_cli(app.env, "optout", "import", str(sheet))
    assert result.returncode == 0 and "Added 2" in result.stdout
    exported = run_cli(app.env, "optout", "export")
    assert exported.stdout.splitlines()[0] == "phone,added_at,added_by,reason"
    assert {line.split(",")[0] for line in exported.stdout.splitlines()[1:]} == {
        "0901234567",
        "0912345678",
    }
    bad = tmp_path / "bad.csv"
    bad.write_text("phone\n0901234568\n12345\n")
    refused = run_cli(app.env, "optout", "import", str(bad))
    assert refused.returncode == 1 and "row 3" in refused.stderr
    assert "0901234568" not in run_cli(app.env, "optout", "export").stdout  # nothing changed


# -- marketing ----------------------------------------------------------------------------------


def test_a_marketing_send_outside_the_hours_waits_for_their_opening(app_factory, slack_api, esms):
    hours = closed_hours()
    app = app_factory(MARKETING_HOURS=hours, MARKETING_PREFIX="[QC]")
    consent_on_record(app.env, PHONE)
    app.submit_composer(composer_values(PHONE, text="Giảm 20%"), extra_state=MARKETING)
    parent = parent_of(slack_api)
    status = wait_for(
        lambda: (
            "waits for the marketing hours" in shown(slack_api, parent) and shown(slack_api, parent)
        )
    )
    assert "[QC] Giảm 20%" in status and "Marketing message" in status
    opening = parse_hours(hours).next_opening(time.time())
    assert f"<!date^{int(opening)}^" in status  # the thread says when it goes out
    assert any(
        e.get("action_id") == "cancel_send"
        for b in slack_api.messages[parent.ts].blocks
        if b["type"] == "actions"
        for e in b["elements"]
    )
    settle()
    assert esms.submissions == []


def test_the_fourth_marketing_message_to_a_number_in_a_day_is_skipped(app_factory, slack_api, esms):
    app = app_factory(MARKETING_HOURS="00:00-24:00")
    consent_on_record(app.env, PHONE)
    for index in range(4):
        app.submit_composer(composer_values(PHONE, text=f"Ưu đãi {index}"), extra_state=MARKETING)
        parent = parent_of(slack_api, index)
        if index < 3:
            wait_for(lambda n=index + 1: len(esms.viber_to(PHONE)) == n)
    wait_for(lambda: "not sent" in replies(slack_api, parent))
    assert "already received 3 marketing messages" in replies(slack_api, parent)
    settle()
    assert len(esms.viber_to(PHONE)) == 3
    # Care messages are not counted.
    app.submit_composer(composer_values(PHONE, text="Đơn hàng đã giao"))
    wait_for(lambda: len(esms.viber_to(PHONE)) == 4)


def test_approvers_see_the_category(app_factory, slack_api):
    app = app_factory(APPROVAL_REQUIRED="true", APPROVERS="U0BOSS", MARKETING_HOURS="00:00-24:00")
    consent_on_record(app.env, PHONE)
    app.submit_composer(composer_values(PHONE, text="Sale"), user="U0AGENT", extra_state=MARKETING)
    parent = parent_of(slack_api)
    assert "Marketing message" in block_text(parent.blocks)


@pytest.mark.parametrize("value", ["07-22", "22:00-07:00", "25:00-26:00"])
def test_wrong_marketing_hours_stop_the_app_with_the_reason(app, value):
    env = {**app.env, "MARKETING_HOURS": value}
    result = run_cli(env, "check")
    assert result.returncode == 1 and "MARKETING_HOURS" in result.stdout


def test_too_many_requests_per_second_is_retried_not_a_failure(app_factory, slack_api, esms):
    app = app_factory(**FALLBACK)
    esms.force_next(160)
    app.submit_composer(order_values(), extra_state=TICKED)
    parent = parent_of(slack_api)
    wait_for(lambda: [s for s in esms.viber_to(PHONE) if s.code == 100], timeout=15)
    assert [s.code for s in esms.viber_to(PHONE)] == [160, 100]
    assert len({s.body["RequestId"] for s in esms.viber_to(PHONE)}) == 1
    settle()
    assert esms.sms_to(PHONE) == [] and "refused" not in replies(slack_api, parent)


def test_a_quick_send_says_when_its_sms_would_be_refused(app_factory, esms):
    app = app_factory(**FALLBACK)
    wait_for(lambda: esms.template_queries)
    settle(0.3)
    answer = app.command(f"{PHONE} Chào chị, cảm ơn chị").json()["text"]
    assert "Sending" in answer or "sending" in answer
    assert "would be refused by eSMS (146)" in answer
    fits = app.command(f"{PHONE} Ma xac nhan cua ban la 123456").json()["text"]
    assert "146" not in fits
