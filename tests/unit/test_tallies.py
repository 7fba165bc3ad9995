"""The tallies that /metrics reads agree with counting the tables, whatever happened to the
rows: new sends, state changes, refusals, approvals, deletions, an upgrade with rows in place."""

from __future__ import annotations

import random

from bot.core.callback import parse_callback
from bot.core.delivery import State
from bot.db import open_database, tallies
from bot.jobs.parent import after_parent
from bot.store import Store
from tests.helpers import new_send
from tests.unit.test_schema import schema_up_to


def counted_by_scan(store: Store) -> dict:
    """What the tallies must say, from the tables themselves."""
    rows = []
    for tallied in tallies.TALLIED:
        columns = ", ".join(tallied.labels)
        amount = tallied.amount.format(row="t")
        for row in store.db.fetch_all(
            f"SELECT {columns}, SUM({amount}) AS n FROM {tallied.table} t GROUP BY {columns}"
        ):
            labels = "|".join("" if row[c] is None else str(row[c]) for c in tallied.labels)
            rows.append((f"{tallied.prefix}|{labels}", row["n"]))
    return nonzero(tallies.by_prefix(rows))


def nonzero(found: dict) -> dict:
    """The counts that are not zero, by prefix (a prefix with none left out)."""
    kept = {p: {labels: n for labels, n in counts.items() if n} for p, counts in found.items()}
    return {prefix: counts for prefix, counts in kept.items() if counts}


def counted_by_tallies(store: Store) -> dict:
    return nonzero(tallies.read(store.db))


def test_the_tallies_follow_every_change(store: Store):
    chance = random.Random(7)
    sends = [new_send(store, [f"09{n:08d}" for n in range(chance.randint(1, 5))]) for _ in range(8)]
    for send_id in sends:
        for recipient in store.sends.recipients(send_id):
            outcome = chance.choice(["accept", "refuse", "keep"])
            if outcome == "accept":
                store.deliveries.record_submission(
                    recipient.id, State.ACCEPTED, sms_id=f"S{recipient.id}"
                )
                store.deliveries.apply_callback(
                    parse_callback(f"SMSID=S{recipient.id}&SendStatus=5&SendSuccess=1"), "q"
                )
            elif outcome == "refuse":
                store.deliveries.record_submission(
                    recipient.id, State.REFUSED, error_code=99, error_detail="blocked"
                )
    store.sends.mark_parent_posted(sends[0], "1.1", then=after_parent)
    job = store.jobs.claim()
    store.jobs.retry(job.id, 0, "Slack: busy")  # a retry, then a give-up
    store.jobs.fail(store.jobs.claim().id, "gave up")
    with store.db.transaction() as conn:  # rows deleted, as a database tidied by hand would
        conn.execute("DELETE FROM jobs WHERE send_id = ?", (sends[1],))
        conn.execute("DELETE FROM recipients WHERE send_id = ?", (sends[1],))
        conn.execute("DELETE FROM sends WHERE id = ?", (sends[1],))
    assert counted_by_tallies(store) == counted_by_scan(store)
    assert tallies.fold(store.db) > 0  # the deltas gathered: the same counts, read from tallies
    assert store.db.fetch_one("SELECT COUNT(*) AS n FROM tally_deltas")["n"] == 0
    assert counted_by_tallies(store) == counted_by_scan(store)
    assert sum(counted_by_tallies(store)["job_retries"].values()) == 1
    assert sum(counted_by_tallies(store)["recipients"].values()) == len(
        store.db.fetch_all("SELECT id FROM recipients")
    )


def test_an_upgraded_database_starts_its_tallies_from_the_rows_it_has(database_url):
    with schema_up_to(19):
        db = open_database(database_url)
        assert db.migrate() == 19
        old = Store(db)
        send_id = new_send(old, ["0901234567", "0912345678"])
        first = db.fetch_one("SELECT MIN(id) AS id FROM recipients WHERE send_id = ?", (send_id,))
        old.deliveries.record_submission(
            first["id"], State.REFUSED, error_code=103, error_detail="x"
        )
        db.close()
    store = Store.open(database_url)
    try:
        store.migrate()
        assert counted_by_tallies(store) == counted_by_scan(store)
        assert counted_by_tallies(store)["recipients"][("viber", "refused", "103")] == 1
    finally:
        store.close()


def test_a_fold_works_through_a_backlog_in_bounded_batches(store: Store, monkeypatch):
    monkeypatch.setattr(tallies, "FOLD_ROWS", 3)
    monkeypatch.setattr(tallies, "FOLD_BATCHES", 2)
    new_send(store, [f"09{n:08d}" for n in range(10)])
    before = counted_by_tallies(store)
    assert tallies.fold(store.db) == 6  # two batches of three, the rest for the next fold
    assert counted_by_tallies(store) == before
    while tallies.fold(store.db):
        pass
    assert counted_by_tallies(store) == before == counted_by_scan(store)
