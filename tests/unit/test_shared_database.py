"""Several processes on one database: each stands in as its own Store (its own connections, its
own locks), and every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.core.callback import parse_callback
from bot.core.delivery import State
from bot.core.model import Approval, JobKind
from bot.db import SCHEMA_VERSION
from bot.jobs.parent import after_parent
from bot.store import Store
from tests.helpers import all_at_once, drain, new_send

PROCESSES = 3


@pytest.fixture
def stores(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Store]]:
    monkeypatch.setattr("bot.store.jobs.SYNC_DEBOUNCE_SECONDS", 0)
    opened = [Store.open(database_url, job_lease_seconds=60) for _ in range(PROCESSES)]
    opened[0].migrate()
    yield opened
    for store in opened:
        store.close()


def migrate_together(database_url: str, processes: int = 4) -> list[object]:
    fresh = [Store.open(database_url) for _ in range(processes)]
    try:
        return all_at_once(processes, lambda i: fresh[i].migrate())
    finally:
        for store in fresh:
            store.close()


def test_processes_starting_together_build_the_schema_once(database_url):
    assert migrate_together(database_url) == [SCHEMA_VERSION] * 4


def test_processes_opening_a_new_sqlite_file_together_all_get_in(tmp_path):
    # The first to open a new file turns it to WAL, and SQLite answers "locked" at once to the
    # others meanwhile; it happened in about one round in ten, hence the many rounds.
    for round_number in range(50):
        url = f"sqlite:///{tmp_path}/new-{round_number}.db"
        assert migrate_together(url) == [SCHEMA_VERSION] * 4, f"round {round_number}"


def test_every_job_is_claimed_exactly_once_across_processes(stores):
    for index in range(40):
        new_send(stores[0], (f"09{index:08d}",))
    claimed: list[list[int]] = [[] for _ in range(PROCESSES * 3)]

    def claim_all(index: int) -> None:
        store = stores[index % PROCESSES]
        while (job := store.jobs.claim()) is not None:
            claimed[index].append(job.id)
            time.sleep(0.002)  # the job's work, during which the others claim theirs
            store.jobs.finish(job.id)

    all_at_once(PROCESSES * 3, claim_all)
    every = [job_id for ids in claimed for job_id in ids]
    assert len(every) == 40 and len(set(every)) == 40
    assert sum(1 for ids in claimed if ids) > 1  # the work really was shared
    assert stores[1].jobs.pending() == 0


def test_a_thread_s_jobs_never_run_together_across_processes(stores):
    send_id = new_send(stores[0])
    first = stores[0].jobs.claim()
    assert first.kind == JobKind.POST_PARENT
    stores[0].sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    (recipient,) = stores[0].sends.recipients(send_id)
    stores[0].deliveries.record_submission(
        recipient.id, State.ACCEPTED, sms_id="S1"
    )  # queues a refresh
    kinds = [job.kind for job in all_at_once(PROCESSES, lambda i: stores[i].jobs.claim()) if job]
    assert kinds == [JobKind.SUBMIT]  # the refresh waits for the parent's job
    stores[0].jobs.finish(first.id)
    assert stores[2].jobs.claim().kind == JobKind.SYNC_THREAD


def test_one_decision_wins_across_processes(stores):
    send_id = new_send(stores[0], approval_ttl_seconds=3600.0)
    stores[0].sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    decisions = all_at_once(
        12,
        lambda i: stores[i % PROCESSES].approvals.decide(send_id, Approval.APPROVED, f"U{i}").won,
    )
    assert decisions.count(True) == 1
    assert len(stores[1].approvals.events(send_id)) == 1
    kinds = [kind for store in stores for kind in drain(store)]
    assert kinds.count(JobKind.SUBMIT) == 1


def test_expiry_sweeps_racing_each_other_settle_each_request_once(stores):
    send_ids = [new_send(stores[0], approval_ttl_seconds=-1) for _ in range(5)]
    for send_id in send_ids:
        stores[0].sends.mark_parent_posted(send_id, "1.1", then=after_parent)
    swept = all_at_once(PROCESSES, lambda i: stores[i].approvals.expire())
    assert sorted(send_id for ids in swept for send_id in ids) == sorted(send_ids)
    assert all(len(stores[0].approvals.events(send_id)) == 1 for send_id in send_ids)


def test_callbacks_for_one_recipient_through_several_processes_never_go_back(stores):
    send_id = new_send(stores[0])
    (recipient,) = stores[0].sends.recipients(send_id)
    stores[0].deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id="S1")
    queries = [
        "SMSID=S1&SendStatus=2",
        "SMSID=S1&SendStatus=5&SendSuccess=1",
        "SMSID=S1&SendStatus=7",
    ]

    def call_back(index: int) -> bool:
        query = queries[index % len(queries)]
        return (
            stores[index % PROCESSES]
            .deliveries.apply_callback(parse_callback(query), query)
            .changed
        )

    changed = all_at_once(12, call_back)
    assert stores[2].sends.recipient(recipient.id).state == State.DELIVERED
    assert stores[1].deliveries.count_callbacks() == 12
    # Each distinct status moves the recipient at most once (four copies of each arrive), and
    # the table records exactly the moves that happened.
    assert 1 <= changed.count(True) <= len(queries)
    assert stores[0].deliveries.count_callbacks("applied") == changed.count(True)


def test_cancel_racing_a_claim_either_cancels_everything_or_nothing(stores):
    def drain_sends() -> list[str]:
        # A cancel queues a thread refresh (due at once here); only submits are the point.
        return [kind for kind in drain(stores[0]) if kind != JobKind.SYNC_THREAD]

    for _ in range(10):
        send_id = new_send(stores[0], ("0901234567", "0912345678"), scheduled_at=time.time() - 1)
        assert drain_sends() == [JobKind.POST_PARENT]
        stores[0].sends.mark_parent_posted(
            send_id, "1.1", then=after_parent
        )  # both submits are due now

        def race(index: int, send_id: str = send_id) -> object:
            if index == 0:
                return stores[1].jobs.claim()
            return stores[2].sends.cancel_scheduled(send_id, "U1")

        claimed, cancelled = all_at_once(2, race)
        if cancelled is not None:
            # A claim that comes after the cancel may only take that refresh.
            assert claimed is None or claimed.kind == JobKind.SYNC_THREAD
            if claimed is not None:
                stores[1].jobs.finish(claimed.id)
            assert {r.state for r in stores[0].sends.recipients(send_id)} == {State.CANCELLED}
            assert drain_sends() == []
        else:
            assert claimed.kind == JobKind.SUBMIT
            stores[1].jobs.finish(claimed.id)
            assert drain_sends() == [JobKind.SUBMIT]


def test_a_lease_has_one_holder_until_it_runs_out(stores):
    assert (
        all_at_once(6, lambda i: stores[i % PROCESSES].leases.hold("poll", f"p{i}", 60)).count(True)
        == 1
    )
    assert stores[0].leases.hold("sweep", "a", 60)
    assert not stores[1].leases.hold("sweep", "b", 60)
    assert stores[2].leases.hold("sweep", "a", 60)  # the holder renews
    assert stores[0].leases.hold("gone", "a", -1)  # a holder that stopped renewing…
    assert stores[1].leases.hold("gone", "b", 60)  # …is replaced once its lease ran out
    assert not stores[2].leases.hold("gone", "a", 60)
