"""Exports through the real app: `/viber export` for REPORT_ADMINS (the file arrives by direct
message), `viber-bot export` on the command line, and the approval trail in `/viber status`."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import date, timedelta

from bot.core.formatting import vietnam_day
from bot.exports import COLUMNS
from tests.e2e.harness import json_or_empty, run_cli, wait_for

AUDITOR, AGENT, BOSS, BYSTANDER = "U0AUDIT", "U0AGENT", "U0BOSS", "U0BYSTANDER"


def this_month() -> tuple[str, str]:
    """The first and last day of this month in Vietnam (2026-12-01 and 2026-12-31 in December)."""
    today = date.fromisoformat(vietnam_day(time.time()))
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return str(first), str(last)


def delivered_send(app, esms, phone="0901234567", user=AGENT):
    before = len(esms.accepted_for(phone))
    app.command(f"{phone} Xin chào", user=user)
    accepted = wait_for(lambda: [a for a in esms.accepted_for(phone)[before:] if a.sms_id])[0]
    esms.callback(accepted, 5, success=1)
    return accepted


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads it as UTF-8
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert tuple(lines[0]) == COLUMNS
    return [dict(zip(COLUMNS, line, strict=True)) for line in lines[1:]]


def test_a_report_admin_gets_the_export_by_direct_message(app_factory, slack_api, esms):
    app = app_factory(REPORT_ADMINS=AUDITOR)
    accepted = delivered_send(app, esms)
    wait_for(lambda: slack_api.replies_all())  # the outcome is stored and told
    first, last = this_month()
    answer = app.command(
        f"export {first} {last}", user=AUDITOR, response_url=slack_api.response_url("exp")
    ).json()
    assert answer["response_type"] == "ephemeral" and "Preparing the sends" in answer["text"]
    (upload,) = wait_for(lambda: slack_api.uploads)
    assert upload.channel_id.startswith("D") and slack_api.dms[upload.channel_id] == AUDITOR
    assert upload.filename == f"viber-sends-{first}-{last}.csv"
    assert upload.title == f"Viber sends {first} – {last}"
    assert "1 line, one per recipient" in upload.initial_comment
    (row,) = csv_rows(upload.content)
    assert row["agent"] == AGENT and row["slack_channel"] == "C0001" and row["channel"] == "viber"
    assert row["phone"] == "0901234567" and row["text"] == "Xin chào"
    assert row["sms_id"] == accepted.sms_id and row["time"].endswith("+07:00")
    (told,) = wait_for(lambda: slack_api.responses)
    assert "The file (1 line) is in your direct messages" in told["text"]
    assert told["replace_original"] is True


def test_the_state_in_the_export_is_the_stored_one(app_factory, slack_api, esms):
    app = app_factory(REPORT_ADMINS=AUDITOR)
    delivered_send(app, esms)
    wait_for(lambda: any("delivered" in m.text.lower() for m in slack_api.replies_all()))
    first, last = this_month()
    url = slack_api.response_url("exp")
    app.command(f"export {first} {last} 0901234567", user=AUDITOR, response_url=url)
    (upload,) = wait_for(lambda: slack_api.uploads)
    assert [row["state"] for row in csv_rows(upload.content)] == ["delivered"]
    assert upload.filename.endswith("-0901234567.csv")


def test_anyone_else_is_refused_and_nothing_is_exported(app_factory, slack_api, esms):
    app = app_factory(REPORT_ADMINS=AUDITOR)
    delivered_send(app, esms)
    first, last = this_month()
    refused = app.command(f"export {first} {last}", user=BYSTANDER).json()
    assert "Only the people in REPORT_ADMINS may export" in refused["text"]
    bad = app.command(f"export {last} {first}", user=AUDITOR).json()
    assert "The first day comes after the last" in bad["text"]
    assert (
        "is not a day written YYYY-MM-DD"
        in app.command("export 1/12 2/12", user=AUDITOR).json()["text"]
    )
    unconfigured = app_factory()  # neither REPORT_ADMINS nor TEMPLATE_ADMINS
    text = unconfigured.command(f"export {first} {last}", user=AUDITOR).json()["text"]
    assert "Nobody may export yet" in text and "REPORT_ADMINS" in text
    time.sleep(0.5)
    assert slack_api.uploads == [] and slack_api.dms == {}


def test_a_group_member_is_told_when_slack_will_not_take_the_file(app_factory, slack_api, esms):
    slack_api.user_groups["S0AUDIT"] = {AUDITOR}
    app = app_factory(TEMPLATE_ADMINS="S0AUDIT")  # REPORT_ADMINS defaults to them
    delivered_send(app, esms)
    slack_api.fail_next("conversations.open", error="cannot_dm_bot")
    first, last = this_month()
    url = slack_api.response_url("exp")
    assert (
        "Preparing"
        in app.command(f"export {first} {last}", user=AUDITOR, response_url=url).json()["text"]
    )
    (told,) = wait_for(lambda: slack_api.responses)
    assert "could not be sent to you (Slack: cannot_dm_bot)" in told["text"]
    assert slack_api.uploads == []
    app.command(f"export {first} {last}", user=AUDITOR, response_url=url)  # again: it arrives
    (upload,) = wait_for(lambda: slack_api.uploads)
    assert len(csv_rows(upload.content)) == 1


def test_the_command_line_exports_json_lines_from_the_apps_database(app_factory, slack_api, esms):
    app = app_factory()
    accepted = delivered_send(app, esms)
    delivered_send(app, esms, phone="0912345678")
    first, last = this_month()
    result = run_cli(app.env, "export", "--from", first, "--to", last, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["phone"] for line in lines] == ["0901234567", "0912345678"]
    assert lines[0]["sms_id"] == accepted.sms_id and list(lines[0]) == list(COLUMNS)
    assert lines[0]["approval_trail"] == [] and lines[0]["approval"] is None
    assert "Exported 2 lines" in result.stderr
    phone_only = run_cli(app.env, "export", "--from", first, "--to", last, "--phone", "0912345678")
    assert [row["phone"] for row in csv.DictReader(io.StringIO(phone_only.stdout))] == [
        "0912345678"
    ]
    for bad, said in (
        (("--from", last, "--to", first), "The first day comes after the last"),
        (("--from", "2025-01-01", "--to", "2026-12-31"), "an export covers at most 366"),
        (("--from", "2026-12-01", "--to", "tomorrow"), "tomorrow is not a day"),
        (("--from", first, "--to", last, "--phone", "12345"), "12345 is not a Vietnamese mobile"),
    ):
        refused = run_cli(app.env, "export", *bad)
        assert refused.returncode == 2 and said in refused.stderr and refused.stdout == ""


def test_status_shows_the_approval_trail_to_an_approver_only(app_factory, slack_api, esms):
    app = app_factory(APPROVAL_REQUIRED="true", APPROVERS=BOSS)
    app.command("0901234567 Khuyến mãi", user=AGENT)
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    send_id = wait_for(lambda: _approve_value(slack_api.messages[parent.ts]))
    app.click("approve_send", send_id, user=BOSS, response_url=slack_api.response_url("ok"))
    wait_for(lambda: esms.accepted_for("0901234567"))
    app.command("0901234567 Lần hai", user=AGENT)
    second = wait_for(lambda: [p for p in slack_api.parents("C0001") if p.ts != parent.ts])[0]
    other_id = wait_for(lambda: _approve_value(slack_api.messages[second.ts]))
    app.click("reject_send", other_id, user=BOSS, response_url=slack_api.response_url("no"))
    wait_for(lambda: slack_api.calls_to("views.open"))
    app.submit_rejection(other_id, "sai <giá>", user=BOSS)

    def status(user):
        return json_or_empty(app.command("status 0901234567", user=user))["text"]

    shown = wait_for(lambda: "rejected by" in (text := status(BOSS)) and text)
    assert shown.count("🕒 requested") == 2
    assert f"✔️ approved by <@{BOSS}>" in shown
    assert f"✖️ rejected by <@{BOSS}>" in shown and ": sai &lt;giá&gt;" in shown
    plain = status(BYSTANDER)
    assert "<@U0AGENT>" in plain and "requested" not in plain and "approved by" not in plain


def _approve_value(message):
    for block in message.blocks:
        if block.get("type") == "actions":
            values = {element["action_id"]: element["value"] for element in block["elements"]}
            return values.get("approve_send")
    return None
