"""`viber-bot migrate-db`: a SQLite database the app produced, copied into PostgreSQL, carries on
there: the same threads, the same pending work, and new sends alongside."""

from __future__ import annotations

import time

import psycopg
import pytest

from tests.e2e.harness import consent_on_record, run_cli, wait_for
from tests.e2e.test_reliability import reply_lines, status

PHONES = ["0901234567", "0912345678"]


@pytest.mark.process
def test_a_copied_database_keeps_every_thread_and_its_pending_work(
    app_factory, slack_api, esms, tmp_path, shared_url
):
    before = app_factory()
    before.command(f"{','.join(PHONES)} Xin chào")
    before.command("0987654321 Khuyến mãi")
    wait_for(lambda: len(esms.accepted) == 3, timeout=15)
    first, *_ = parents = wait_for(lambda: len(slack_api.parents()) == 2 and slack_api.parents())
    (accepted,) = esms.accepted_for(PHONES[0])
    assert esms.callback(accepted, 5, success=1).status_code == 200
    wait_for(lambda: "Delivered 1/2" in status(slack_api, first))
    consent_on_record(before.env, PHONES[0])
    before.stop()

    copied = run_cli(
        before.env, "migrate-db", "--from", f"sqlite:///{tmp_path / 'app.db'}", "--to", shared_url
    )
    assert copied.returncode == 0, copied.stderr
    assert "sends: 2 rows" in copied.stdout and "recipients: 3 rows" in copied.stdout
    assert "consents: 1 rows" in copied.stdout and "consent_events: 1 rows" in copied.stdout
    with psycopg.connect(shared_url) as conn:
        threads = dict(conn.execute("SELECT channel_id || ':' || id, parent_ts FROM sends"))
    assert sorted(threads.values()) == sorted(parent.ts for parent in parents)

    after = app_factory(DATABASE_URL=shared_url)
    # The second number's callback arrives after the move, at the new deployment: it lands in
    # the thread the old one started.
    (late,) = esms.accepted_for(PHONES[1])
    assert esms.callback(late, 5, success=1, via=after.base_url).status_code == 200
    wait_for(lambda: "Delivered 2/2" in status(slack_api, first))
    wait_for(
        lambda: any(
            f"{PHONES[1][-3:]}: delivered" in line for line in reply_lines(slack_api, first)
        )
    )
    # New work numbers its rows after the copied ones.
    after.command("0977777777 Sau khi chuyển")
    wait_for(lambda: len(esms.accepted) == 4, timeout=15)
    time.sleep(0.5)
    assert len(slack_api.parents()) == 3
    again = run_cli(
        after.env, "migrate-db", "--from", f"sqlite:///{tmp_path / 'app.db'}", "--to", shared_url
    )
    assert again.returncode == 2 and "already holds data" in again.stderr


def test_a_copy_to_an_unreachable_server_says_why_and_hides_the_password(app, tmp_path):
    result = run_cli(
        app.env,
        "migrate-db",
        "--from",
        f"sqlite:///{tmp_path / 'app.db'}",
        "--to",
        "postgres://viber:hunter2-secret@127.0.0.1:1/viber",
    )
    assert result.returncode == 2
    assert "Nothing was copied" in result.stderr and "Connection refused" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def test_a_copy_from_a_missing_file_or_an_odd_url_is_refused(app, tmp_path):
    missing = run_cli(
        app.env,
        "migrate-db",
        "--from",
        f"sqlite:///{tmp_path / 'none.db'}",
        "--to",
        "postgres://u@127.0.0.1:1/x",
    )
    assert missing.returncode == 2 and "there is no SQLite database" in missing.stderr
    odd = run_cli(app.env, "migrate-db", "--from", "mysql://x", "--to", "postgres://u@h/x")
    assert odd.returncode == 2 and "--from: DATABASE_URL must be" in odd.stderr
    assert not (tmp_path / "none.db").exists()
