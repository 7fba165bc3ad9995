"""The command line: migrate and purge on a database the app itself produced."""

import sqlite3

from bot.db import SCHEMA_VERSION
from tests.e2e.harness import run_cli, wait_for


def test_purge_keeps_statistics_and_forgets_content(app, slack_api, esms, tmp_path):
    app.command("0901234567 Mã giảm giá bí mật 123")
    (accepted,) = wait_for(lambda: esms.accepted_for("0901234567"))
    esms.callback(accepted, 5, success=1)
    parent = wait_for(lambda: slack_api.parents())[0]
    wait_for(lambda: slack_api.replies(parent.ts))
    result = run_cli(app.env, "purge", "--older-than", "0")
    assert result.returncode == 0, result.stderr
    assert "of 1 settled send older than 0 days" in result.stdout
    with sqlite3.connect(tmp_path / "app.db") as conn:
        dump = "\n".join(conn.iterdump())
        states = conn.execute("SELECT state, price FROM recipients").fetchall()
    assert "bí mật" not in dump and "0901234567" not in dump
    assert states == [("delivered", 470.0)]


def test_purge_refuses_a_negative_age(app):
    result = run_cli(app.env, "purge", "--older-than", "-3")
    assert result.returncode == 2 and "0 or more" in result.stderr


def test_migrate_reports_the_schema_version(app):
    result = run_cli(app.env, "migrate")
    assert result.returncode == 0 and f"schema version {SCHEMA_VERSION}" in result.stdout
