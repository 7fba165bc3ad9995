"""PostgreSQL wakes the job runners of other processes when work is stored or a job ends;
SQLite has nothing to hear."""

from __future__ import annotations

import threading

import pytest

from bot.store import Store
from tests.databases import POSTGRES_URL, SKIP_REASON, postgres_database
from tests.helpers import new_send


@pytest.mark.skipif(not POSTGRES_URL, reason=SKIP_REASON)
def test_another_process_storing_work_or_ending_a_job_wakes_this_one():
    with postgres_database() as url:
        here, there = Store.open(url), Store.open(url)
        here.migrate()
        woken, stop = threading.Event(), threading.Event()
        listener = threading.Thread(target=here.db.listen, args=(woken.set, stop))
        listener.start()
        try:
            while not woken.wait(0.2):  # LISTEN is in place once a notification gets through
                with there.db.transaction() as conn:
                    conn.execute("NOTIFY viber_jobs")
            woken.clear()
            new_send(there)  # its parent's job, stored by the other process
            assert woken.wait(5), "no wake-up for a new job"
            woken.clear()
            job = there.jobs.claim()
            assert not woken.wait(0.5)  # taken by a runner: nothing for the others
            there.jobs.finish(job.id)
            assert woken.wait(5), "no wake-up for a job that ended"
        finally:
            stop.set()
            listener.join(5)
            here.close()
            there.close()
    assert not listener.is_alive()


def test_sqlite_has_nothing_to_listen_for(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}")
    store.migrate()
    store.db.listen(lambda: None, threading.Event())  # returns at once
    store.close()
