"""Pruning keeps jobs, leases and callbacks within their windows, and /metrics counts the same
before and after (what deleted rows counted moves to counters first)."""

from __future__ import annotations

import time

from bot.core.callback import parse_callback
from bot.core.model import JobKind
from bot.store import Store
from bot.store import pruning as pruning_module
from bot.store.metrics import read_figures
from bot.store.pruning import cutoffs
from tests.helpers import new_send

DAY = 86400


def age(store: Store, table: str, column: str, seconds: float, where: str = "1 = 1") -> None:
    with store.db.transaction() as conn:
        conn.execute(f"UPDATE {table} SET {column} = {column} - ? WHERE {where}", (seconds,))


def counted(store: Store) -> tuple:
    figures = read_figures(store.db)
    return figures.job_retries, figures.job_give_ups, figures.callbacks


def test_old_rows_go_new_ones_stay_and_the_metrics_count_the_same(store: Store):
    old_send, new_send_id = new_send(store), new_send(store)
    # The old send's parent job: tried three times, then given up.
    job = store.jobs.claim()
    assert job.send_id == old_send
    store.jobs.retry(job.id, 0, "Slack: busy")
    job = store.jobs.claim()
    store.jobs.retry(job.id, 0, "Slack: busy")
    job = store.jobs.claim()
    store.jobs.fail(job.id, "gave up")
    done = store.jobs.claim()  # the new send's parent: done at once
    store.jobs.finish(done.id)
    for number in range(3):
        store.deliveries.apply_callback(
            parse_callback(f"SMSID=nobody{number}&SendStatus=5&SendSuccess=1"), "q"
        )
    assert store.leases.hold("slack-pace:C1", "someone", 1)
    before = counted(store)
    assert before[0][JobKind.POST_PARENT] == 2 and before[1][JobKind.POST_PARENT] == 1
    assert before[2]["unmatched"] == 3

    age(store, "jobs", "updated_at", 2 * DAY, f"send_id = '{old_send}'")
    age(store, "callbacks", "received_at", 30 * DAY)
    age(store, "leases", "expires_at", 2 * DAY)
    pruned = store.pruning.run(**cutoffs(24, 14))

    assert (pruned.jobs, pruned.leases, pruned.callbacks) == (1, 1, 2)  # the latest stays
    kinds = [(row["send_id"], row["state"]) for row in store.db.fetch_all("SELECT * FROM jobs")]
    assert (old_send, "failed") not in kinds and (new_send_id, "done") in kinds
    assert store.deliveries.count_callbacks() == 1
    assert counted(store) == before  # nothing the metrics showed went down
    assert store.pruning.run(**cutoffs(24, 14)).jobs == 0  # again: nothing more to do


def test_a_backlog_is_deleted_in_bounded_batches(store: Store, monkeypatch):
    monkeypatch.setattr(pruning_module, "BATCH_ROWS", 3)
    monkeypatch.setattr(pruning_module, "MAX_BATCHES", 2)
    for number in range(10):
        store.deliveries.apply_callback(
            parse_callback(f"SMSID=nobody{number}&SendStatus=5&SendSuccess=1"), "q"
        )
    age(store, "callbacks", "received_at", 30 * DAY)
    assert store.pruning.run(jobs_before=time.time(), callbacks_before=time.time()).callbacks == 6
    assert store.pruning.run(jobs_before=time.time(), callbacks_before=time.time()).callbacks == 3
    assert store.deliveries.count_callbacks() == 1
    assert read_figures(store.db).callbacks["unmatched"] == 10
