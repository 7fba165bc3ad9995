"""The command line: migrate and purge on a database the app itself produced."""

import sqlite3

import pytest
import requests

from bot.db import SCHEMA_VERSION
from tests.e2e.harness import run_cli, wait_for


def test_purge_keeps_statistics_and_forgets_content(app, slack_api, esms, tmp_path):
    app.command("0901234567 Mã giảm giá bí mật 123")
    (accepted,) = wait_for(lambda: esms.accepted_for("0901234567"))
    esms.callback(accepted, 5, success=1)
    parent = wait_for(lambda: slack_api.parents())[0]
    wait_for(lambda: slack_api.replies(parent.ts))
    age_everything(tmp_path / "app.db", days=2)
    result = run_cli(app.env, "purge", "--older-than", "1")
    assert result.returncode == 0, result.stderr
    assert "of 1 send older than 1 day" in result.stdout
    with sqlite3.connect(tmp_path / "app.db") as conn:
        dump = "\n".join(conn.iterdump())
        states = conn.execute("SELECT state, price FROM recipients").fetchall()
    assert "bí mật" not in dump and "0901234567" not in dump
    assert states == [("delivered", 470.0)]


def test_purge_forgets_test_sends_and_unmatched_callbacks_too(
    app_factory, slack_api, esms, tmp_path
):
    app = app_factory(ESMS_SANDBOX="true")
    app.command("0901234567 Mã giảm giá bí mật 123")
    (accepted,) = wait_for(lambda: [s for s in esms.accepted_for("0901234567") if s.sms_id])
    state = "SELECT state FROM recipients"
    wait_for(lambda: sqlite_value(tmp_path / "app.db", state) == "accepted")  # and never settles
    # The sandbox never calls back; a callback nobody asked for names another number.
    stray = requests.get(
        accepted.body["CallbackUrl"] + "?SMSID=UNKNOWN42&SendStatus=5&SendSuccess=1"
        "&phonenumber=0987654321",
        timeout=10,
    )
    assert stray.status_code == 200 and "ignored" in stray.text
    age_everything(tmp_path / "app.db", days=2)
    result = run_cli(app.env, "purge", "--older-than", "1")
    assert result.returncode == 0, result.stderr
    dump = database_dump(tmp_path / "app.db")
    for private in ("bí mật", "0901234567", "0987654321"):
        assert private not in dump
    assert "of 1 send older than 1 day" in result.stdout
    assert "unmatched callbacks" in result.stdout


def test_purge_forgets_why_a_send_was_rejected(app_factory, slack_api, esms, tmp_path):
    app = app_factory(APPROVAL_REQUIRED="true", APPROVERS="U0BOSS")
    app.command("0901234567 Khuyến mãi")
    parent = wait_for(lambda: slack_api.parents())[0]
    send_id = next(
        element["value"]
        for block in parent.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if element["action_id"] == "reject_send"
    )
    app.click("reject_send", send_id, user="U0BOSS", response_url=slack_api.response_url())
    wait_for(lambda: slack_api.calls_to("views.open"))
    reason = "Khách Nguyễn Văn A đã từ chối nhận tin"
    assert app.submit_rejection(send_id, reason, user="U0BOSS").status_code == 200
    wait_for(lambda: "rejected" in sqlite_value(tmp_path / "app.db", "SELECT approval FROM sends"))
    assert reason in database_dump(tmp_path / "app.db")
    age_everything(tmp_path / "app.db", days=2)
    result = run_cli(app.env, "purge", "--older-than", "1")
    assert result.returncode == 0, result.stderr
    dump = database_dump(tmp_path / "app.db")
    assert reason not in dump and "Nguyễn" not in dump
    assert "of 1 send older than 1 day" in result.stdout
    with sqlite3.connect(tmp_path / "app.db") as conn:
        assert conn.execute("SELECT actor, action FROM approval_events").fetchall() == [
            ("U0BOSS", "rejected")
        ]


def database_dump(path):
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def sqlite_value(path, sql):
    with sqlite3.connect(path) as conn:
        row = conn.execute(sql).fetchone()
    return row[0] if row else ""


@pytest.mark.parametrize("days", ["-3", "0", "0.5", "nan"])
def test_purge_refuses_less_than_a_day(app, days):
    """The marketing cap counts each number's messages of the last 24 hours."""
    result = run_cli(app.env, "purge", "--older-than", days)
    assert result.returncode == 2 and "at least 1" in result.stderr


def age_everything(path, *, days: float) -> None:
    """Every send and callback of the database as if made `days` ago."""
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE sends SET created_at = created_at - ?", (days * 86400,))
        conn.execute("UPDATE callbacks SET received_at = received_at - ?", (days * 86400,))
        conn.execute(
            "UPDATE recipients SET counted_at = counted_at - ? WHERE counted_at IS NOT NULL",
            (days * 86400,),
        )


def test_migrate_reports_the_schema_version(app):
    result = run_cli(app.env, "migrate")
    assert result.returncode == 0 and f"schema version {SCHEMA_VERSION}" in result.stdout
