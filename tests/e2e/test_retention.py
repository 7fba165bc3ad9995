"""RETENTION_DAYS on the running app: a team sets it on an app holding an old send; the pruning
duty's first run only counts (its log line and /metrics), and from the next day on the old
send's content and number are gone while a new send keeps its own."""

from __future__ import annotations

import time

import pytest

from bot.core.formatting import vietnam_day
from bot.store import Store
from bot.web import runtime
from tests.e2e.harness import wait_for
from tests.e2e.test_metrics import TOKEN, scrape, value

OLD, NEW = "0901234567", "0912345678"
DAY = 86400


def delivered(app, esms, phone: str, text: str) -> None:
    """A send made through the app, accepted by eSMS and delivered by its callback."""
    assert app.command(f"{phone} {text}").status_code == 200
    accepted = wait_for(lambda: [s for s in esms.accepted_for(phone) if s.sms_id])[-1]
    assert esms.callback(accepted, 5, success=1).status_code == 200
    wait_for(lambda: held(app, phone) == ("delivered", text))


def held(app, phone: str) -> tuple[str, str] | None:
    """What the database holds of the send to `phone`: its recipient's state and its text."""
    row = sql_one(
        app,
        """SELECT r.state, s.text FROM recipients r JOIN sends s ON s.id = r.send_id
           WHERE r.phone = ?""",
        phone,
    )
    return None if row is None else (row["state"], row["text"])


def sql_one(app, sql: str, *params: object):
    store = Store.open(app.env["DATABASE_URL"], pool_size=1)
    try:
        return store.db.fetch_one(sql, params)
    finally:
        store.close()


def sql(app, statement: str, *params: object) -> None:
    store = Store.open(app.env["DATABASE_URL"], pool_size=1)
    try:
        with store.db.transaction() as conn:
            conn.execute(statement, params)
    finally:
        store.close()


def test_retention_counts_first_then_purges_old_sends_from_the_next_day(
    app_factory, esms, monkeypatch: pytest.MonkeyPatch
):
    before = app_factory()  # the app as it ran before RETENTION_DAYS was set
    delivered(before, esms, OLD, "Mã giảm giá bí mật")
    sql(before, "UPDATE sends SET created_at = created_at - ?", 40 * DAY)
    before.close()

    monkeypatch.setattr(runtime, "PRUNE_SECONDS", 0.2)  # the pruning duty's turn comes at once
    app = app_factory(RETENTION_DAYS="30", METRICS_TOKEN=TOKEN)
    dry_line = (
        "retention: a dry run: 1 send (1 recipient) older than 30 days would be purged from "
        "tomorrow on"
    )
    wait_for(lambda: dry_line in app.log())
    samples = scrape(app)
    assert value(samples, "viber_retention_days") == 30
    assert value(samples, "viber_retention_last_run_sends", dry="true") == 1
    assert value(samples, "viber_retention_last_run_sends", dry="false") == 0
    assert value(samples, "viber_retention_last_run_timestamp_seconds", dry="true") > 0
    assert held(app, OLD) == ("delivered", "Mã giảm giá bí mật")  # nothing removed

    delivered(app, esms, NEW, "Đơn hàng đã giao")
    # The next day: the dry run recorded as yesterday's.
    sql(app, "UPDATE retention_runs SET day = ?", vietnam_day(time.time() - DAY))
    wait_for(lambda: "retention: 1 send (1 recipient) older than 30 days purged" in app.log())
    assert held(app, OLD) is None  # the number is masked: no row holds it
    assert held(app, "•••••••567") == ("delivered", "")  # the statistics stay
    assert held(app, NEW) == ("delivered", "Đơn hàng đã giao")
    samples = scrape(app)
    assert value(samples, "viber_retention_last_run_sends", dry="false") == 1
    assert value(samples, "viber_retention_last_run_sends", dry="true") == 1
    assert app.log().count("retention:") == 2  # once a day, whatever the duty's pace
    assert OLD not in app.log() and NEW not in app.log()
