"""RETENTION_DAYS' daily purge on both databases: a dry run first, then once a Vietnam day the
content and numbers of older sends go (nothing newer, nothing in flight), in bounded batches;
a changed setting starts again with a dry run; one process runs it, under the pruning's lease.
The clock is the `now` each run is given."""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime

from bot.core.delivery import State
from bot.core.formatting import vietnam_day
from bot.jobs.parent import after_parent
from bot.jobs.pruning import Pruner
from bot.jobs.runner import Worker
from bot.store import Store
from bot.store import privacy as privacy_module
from bot.store.retention import KEEP_RUNS_DAYS, RetentionRun
from tests.e2e.harness import wait_for
from tests.helpers import new_send

DAY = 86400
NOW = time.time()


def delivered_send(store: Store, phones: tuple[str, ...], days_old: float = 0) -> str:
    """A send whose recipients were all delivered, made `days_old` days before NOW."""
    send_id = new_send(store, phones)
    store.sends.mark_parent_posted(send_id, f"1.{send_id}", then=after_parent)
    for recipient in store.sends.recipients(send_id):
        store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id=f"S{recipient.id}")
        store.deliveries.apply_status(recipient.id, 5, 1, 0)
    age(store, send_id, days_old)
    return send_id


def age(store: Store, send_id: str, days: float) -> None:
    with store.db.transaction() as conn:
        conn.execute(
            "UPDATE sends SET created_at = created_at - ? WHERE id = ?", (days * DAY, send_id)
        )


def content(store: Store, send_id: str) -> tuple[str, list[str]]:
    return (
        store.sends.get(send_id).message.text,
        [r.phone for r in store.sends.recipients(send_id)],
    )


def runs(store: Store) -> list[tuple]:
    return [
        (row["day"], row["days"], row["dry"], row["sends"])
        for row in store.db.fetch_all("SELECT * FROM retention_runs ORDER BY day")
    ]


def snapshot(store: Store) -> list[dict]:
    return [
        dict(row)
        for table in ("sends", "recipients", "callbacks", "approval_events", "thread_replies")
        for row in store.db.fetch_all(f"SELECT * FROM {table} ORDER BY 1")
    ]


def test_the_first_run_counts_what_it_would_purge_and_changes_nothing(store):
    old = delivered_send(store, ("0901234567", "0912345678"), days_old=40)
    in_flight = new_send(store, ("0987654321",))  # queued: its number is needed to send it
    age(store, in_flight, 40)
    delivered_send(store, ("0961234567",), days_old=10)
    before = snapshot(store)
    run = store.retention.run(30, now=NOW)
    assert run == RetentionRun(vietnam_day(NOW), 30, dry=True, sends=1, recipients=2)
    assert snapshot(store) == before  # nothing changed but the record of the run
    assert runs(store) == [(vietnam_day(NOW), 30, 1, 1)]
    assert content(store, old) == ("Hi", ["0901234567", "0912345678"])
    assert store.retention.run(30, now=NOW + 3600) is None  # once a day


def test_from_the_next_day_what_is_older_goes_and_nothing_newer(store):
    old = delivered_send(store, ("0901234567", "0912345678"), days_old=40)
    newer = delivered_send(store, ("0961234567",), days_old=28.5)
    in_flight = new_send(store, ("0987654321",))
    age(store, in_flight, 40)
    assert store.retention.run(30, now=NOW).dry
    tomorrow = NOW + DAY
    run = store.retention.run(30, now=tomorrow)
    assert run == RetentionRun(vietnam_day(tomorrow), 30, dry=False, sends=1, recipients=2)
    assert content(store, old) == ("", ["•••••••567", "•••••••678"])
    assert [r.state for r in store.sends.recipients(old)] == [State.DELIVERED] * 2  # statistics
    assert content(store, newer) == ("Hi", ["0961234567"])  # 29.5 days old now: not older than 30
    assert content(store, in_flight) == ("Hi", ["0987654321"])
    assert runs(store) == [(vietnam_day(NOW), 30, 1, 1), (vietnam_day(tomorrow), 30, 0, 1)]
    assert store.retention.run(30, now=tomorrow + 3600) is None  # once a day
    # The day after, what has grown older since goes too.
    after = store.retention.run(30, now=tomorrow + DAY)
    assert after is not None and (after.dry, after.sends) == (False, 1)
    assert content(store, newer) == ("", ["•••••••567"])


def test_a_changed_setting_starts_again_with_a_dry_run(store):
    delivered_send(store, ("0901234567",), days_old=100)
    assert store.retention.run(90, now=NOW).dry
    assert not store.retention.run(90, now=NOW + DAY).dry
    kept = delivered_send(store, ("0912345678",), days_old=50)
    run = store.retention.run(30, now=NOW + 2 * DAY)
    assert run is not None and run.dry and run.sends == 1
    assert content(store, kept) == ("Hi", ["0912345678"])
    # Changed again the same day: that value's own dry run replaces the day's record.
    run = store.retention.run(45, now=NOW + 2 * DAY + 3600)
    assert run is not None and run.dry and runs(store)[-1][1:] == (45, 1, 1)
    assert store.retention.run(45, now=NOW + 2 * DAY + 7200) is None
    run = store.retention.run(45, now=NOW + 3 * DAY)
    assert run is not None and not run.dry and run.sends == 1
    assert content(store, kept)[0] == ""
    assert store.retention.run(0, now=NOW + 4 * DAY) is None  # unset: nothing done
    assert len(runs(store)) == 4


def test_a_backlog_goes_in_bounded_batches_and_a_run_out_of_time_is_carried_on(store, monkeypatch):
    monkeypatch.setattr(privacy_module, "BATCH_SENDS", 2)
    sends = [delivered_send(store, ("0901234567",), days_old=40 + i) for i in range(5)]
    store.retention.run(30, now=NOW)
    tomorrow = NOW + DAY
    batches: list[int] = []  # sends per batch, each batch a transaction of its own
    purge_sends = privacy_module._purge_sends

    def counted(conn, ids, now):
        batches.append(len(ids))
        return purge_sends(conn, ids, now)

    monkeypatch.setattr(privacy_module, "_purge_sends", counted)
    # No time left after the first batch: two sends, the oldest, and the day not recorded yet.
    first = store.retention.run(30, now=tomorrow, budget_seconds=0)
    assert first is not None and (first.sends, first.recipients, first.finished) == (2, 2, False)
    assert batches == [2]
    assert [content(store, s)[0] for s in sends] == ["Hi", "Hi", "Hi", "", ""]
    assert runs(store)[-1][0] == vietnam_day(NOW)
    # The next pruning carries on; the one that finishes records the day's whole count.
    second = store.retention.run(30, now=tomorrow + 600, budget_seconds=0)
    assert second is not None and (second.sends, second.finished) == (2, False)
    last = store.retention.run(30, now=tomorrow + 1200, budget_seconds=0)
    assert last is not None and (last.sends, last.recipients, last.finished) == (5, 5, True)
    assert runs(store)[-1] == (vietnam_day(tomorrow), 30, 0, 5)
    assert all(content(store, s)[0] == "" for s in sends)
    assert store.retention.run(30, now=tomorrow + 1800) is None
    # Without a budget a run goes through every batch.
    more = [delivered_send(store, ("0912345678",), days_old=40) for _ in range(5)]
    batches.clear()
    run = store.retention.run(30, now=tomorrow + DAY, budget_seconds=None)
    assert run is not None and (run.sends, run.finished) == (5, True)
    assert batches == [2, 2, 1]
    assert all(content(store, s)[0] == "" for s in more)


def test_runs_are_kept_400_days(store):
    today = vietnam_day(NOW)
    with store.db.transaction() as conn:
        for days_ago in (KEEP_RUNS_DAYS + 1, KEEP_RUNS_DAYS - 1, 1):
            conn.execute(
                "INSERT INTO retention_runs (day, days, dry, sends, ran_at) VALUES (?, 30, 0, 0, ?)",
                (vietnam_day(NOW - days_ago * DAY), NOW - days_ago * DAY),
            )
    store.retention.run(30, now=NOW)
    assert [day for day, *_ in runs(store)] == [
        vietnam_day(NOW - (KEEP_RUNS_DAYS - 1) * DAY),
        vietnam_day(NOW - DAY),
        today,
    ]
    assert runs(store)[-1] == (today, 30, 0, 0)  # yesterday's run had 30 days too


def test_the_day_is_vietnams(store):
    # 23:30 UTC on 6 December is 06:30 on 7 December in Vietnam.
    late_utc = datetime(2026, 12, 6, 23, 30, tzinfo=UTC).timestamp()
    assert store.retention.run(30, now=late_utc).day == "2026-12-07"
    assert store.retention.run(30, now=late_utc + 16 * 3600) is None  # 22:30 there: same day
    assert store.retention.run(30, now=late_utc + 17.5 * 3600 + 60).day == "2026-12-08"


def test_the_duty_logs_counts_and_never_a_number(store, caplog):
    delivered_send(store, ("0901234567", "0912345678"), days_old=100)
    pruner = Pruner(store, job_hours=24, callback_days=14, retention_days=90)
    caplog.set_level(logging.INFO, logger="bot.jobs.pruning")
    pruner.run_once(now=NOW)
    pruner.run_once(now=NOW + 60)
    pruner.run_once(now=NOW + DAY)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.jobs.pruning"]
    assert lines == [
        "retention: a dry run: 1 send (2 recipients) older than 90 days would be purged from "
        "tomorrow on",
        "retention: 1 send (2 recipients) older than 90 days purged",
    ]
    assert not re.search(r"\d{9}", caplog.text)
    quiet = Pruner(store, job_hours=24, callback_days=14, retention_days=0)
    quiet.run_once(now=NOW + 2 * DAY)
    assert len([r for r in caplog.records if r.name == "bot.jobs.pruning"]) == 2


def test_two_processes_running_the_duty_do_it_once(database_url, caplog):
    stores = [Store.open(database_url, job_lease_seconds=60) for _ in range(2)]
    stores[0].migrate()
    delivered_send(stores[0], ("0901234567",), days_old=40)
    tries = [0, 0]
    for index, store in enumerate(stores):
        hold = store.leases.hold

        def counting(*args, _hold=hold, _index=index):
            tries[_index] += 1
            return _hold(*args)

        store.leases.hold = counting  # type: ignore[method-assign]
    caplog.set_level(logging.INFO, logger="bot.jobs.pruning")
    workers = [
        Worker(
            store,
            policies={},
            threads=0,
            periodic=[
                (0.05, Pruner(store, job_hours=24, callback_days=14, retention_days=30).run_once)
            ],
        )
        for store in stores
    ]
    try:
        for worker in workers:
            worker.start()
        wait_for(lambda: min(tries) >= 10, timeout=20)  # each had many turns at the duty
    finally:
        for worker in workers:
            worker.stop(timeout=3)
    try:
        lines = [r.getMessage() for r in caplog.records if r.name == "bot.jobs.pruning"]
        assert lines == [
            "retention: a dry run: 1 send (1 recipient) older than 30 days would be purged "
            "from tomorrow on"
        ]
        assert runs(stores[1]) == [(vietnam_day(time.time()), 30, 1, 1)]
    finally:
        for store in stores:
            store.close()
