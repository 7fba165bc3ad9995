"""One schema for both databases: SQLite and PostgreSQL migrated from empty read the same from
their catalogs, and databases that earlier versions of the app built (fixtures in tests/data)
upgrade in place with every row kept."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from PIL import Image

from bot.core.database_url import SQLITE_PREFIX
from bot.core.images import prepare, source_digest
from bot.core.message import ViberMessage
from bot.core.model import Category, JobKind
from bot.db import SCHEMA_VERSION, TABLES, open_database, schema
from bot.store import Store
from tests.databases import (
    POSTGRES_URL,
    SKIP_REASON,
    Schema,
    postgres_database,
    read_schema,
)
from tests.helpers import new_send

DATA = Path(__file__).parent.parent / "data"
UPGRADED_FROM = (6, 7, 8)  # the fixtures: schema-v6.sqlite.sql, schema-v6.postgres.sql, …
# Column types in one vocabulary. A type missing here fails the comparison, so that a new one
# is mapped on purpose. FLOAT: how sqlite-utils before 4 declared floats, in older files.
SQLITE_TYPES = {
    "TEXT": "text",
    "INTEGER": "integer",
    "REAL": "real",
    "FLOAT": "real",
    "BLOB": "bytes",
}
POSTGRES_TYPES = {
    "text": "text",
    "integer": "integer",
    "bigint": "integer",
    "bigint identity": "integer",
    "double precision": "real",
    "bytea": "bytes",
}


def portable(found: Schema, types: dict[str, str]) -> Schema:
    return {
        name: table._replace(columns=[c._replace(type=types[c.type]) for c in table.columns])
        for name, table in found.items()
    }


def migrated(url: str) -> Schema:
    """The schema of the database at `url` once the app has migrated it."""
    db = open_database(url)
    try:
        assert db.migrate() == SCHEMA_VERSION
    finally:
        db.close()
    return read_schema(url)


@contextmanager
def another_database(url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the same kind as `url`."""
    if url.startswith(SQLITE_PREFIX):
        yield f"{SQLITE_PREFIX}{tmp_path / 'another.db'}"
    else:
        with postgres_database() as other:
            yield other


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip(SKIP_REASON)
    with postgres_database() as url:
        yield url


def test_sqlite_and_postgres_migrated_from_empty_have_the_same_schema(tmp_path, postgres_url):
    sqlite = portable(migrated(f"{SQLITE_PREFIX}{tmp_path / 'new.db'}"), SQLITE_TYPES)
    assert sqlite == portable(migrated(postgres_url), POSTGRES_TYPES)


@pytest.mark.parametrize("difference", ["a column", "a type"])
def test_the_comparison_sees_what_one_database_has_otherwise(
    tmp_path, postgres_url, monkeypatch, difference
):
    # How the test above fails when the databases' migrations disagree.
    if difference == "a type":
        monkeypatch.setitem(schema.DIALECTS["postgres"], "real", "INTEGER")
    sqlite = portable(migrated(f"{SQLITE_PREFIX}{tmp_path / 'new.db'}"), SQLITE_TYPES)
    postgres = migrated(postgres_url)
    if difference == "a column":
        with psycopg.connect(postgres_url) as conn:
            conn.execute("ALTER TABLE jobs ADD COLUMN extra TEXT")
        postgres = read_schema(postgres_url)
    assert sqlite != portable(postgres, POSTGRES_TYPES)


def test_tables_names_every_table_of_data_by_its_key_parents_first(database_url):
    found = migrated(database_url)
    # leases and the tallies are kept by the app itself (tallies by triggers, recounted on copy)
    assert set(found) == {*TABLES, "leases", "tallies", "tally_deltas", "schema_migrations"}
    order = list(TABLES)
    for table, key in TABLES.items():
        assert [c.name for c in found[table].columns if c.primary_key] == [key]
        for _, parent, _ in found[table].foreign_keys:
            assert order.index(parent) < order.index(table)


@pytest.mark.parametrize("version", UPGRADED_FROM)
def test_an_upgraded_database_has_the_schema_of_a_new_one(database_url, tmp_path, version):
    load_fixture(database_url, version)
    upgraded = migrated(database_url)
    with another_database(database_url, tmp_path) as new:
        assert upgraded == migrated(new)


# --- Rows written under an earlier schema, read back after the upgrade -----------------------

# A send with two recipients, its jobs, a callback, an approval, a template and a lease, under
# today's column names; ids are left to the database to number.
ROWS: dict[str, list[dict[str, Any]]] = json.loads((DATA / "upgrade-rows.json").read_text())
KEYS = {**TABLES, "leases": "name"}
# Columns that version 8 renamed, by their names before it.
OLD_NAMES = {
    ("sends", "thread_state"): "status",
    ("sends", "thread_note"): "status_note",
    ("sends", "test_send"): "sandbox",
    ("recipients", "esms_send_status"): "esms_status",
    ("jobs", "state"): "status",
}
ADDED_IN = {("jobs", "holder"): 7}  # columns younger than the oldest fixture
# Columns younger than every fixture (not in ROWS): what the rows written before read as.
DEFAULTS = {
    ("sends", "category"): "care",
    ("sends", "sms_fallback"): 0,
    ("sends", "campaign"): 0,
    ("templates", "category"): "care",
    ("recipients", "channel"): "viber",
    ("jobs", "crashes"): 0,
    ("jobs", "bulk"): 0,
    ("sends", "image_first_frame"): 0,
    ("sends", "consent_required"): 0,
}


def load_fixture(url: str, version: int) -> None:
    if url.startswith(SQLITE_PREFIX):
        ddl = (DATA / f"schema-v{version}.sqlite.sql").read_text()
        with closing(sqlite3.connect(url.removeprefix(SQLITE_PREFIX))) as conn:
            conn.executescript(ddl)
    else:
        with psycopg.connect(url) as conn:
            conn.execute((DATA / f"schema-v{version}.postgres.sql").read_text())


def write_old_rows(url: str, version: int) -> dict[str, list[dict[str, Any]]]:
    """ROWS written with the columns of `version`; returns them as they should read now."""
    expected: dict[str, list[dict[str, Any]]] = {}
    db = open_database(url)
    with db.transaction() as conn:
        for table, rows in ROWS.items():
            expected[table] = []
            for row in rows:
                younger = {name for name in row if version < ADDED_IN.get((table, name), 0)}
                then = {
                    OLD_NAMES.get((table, name), name) if version < 8 else name: value
                    for name, value in row.items()
                    if name not in younger
                }
                key = KEYS[table]
                written = conn.execute(
                    f"INSERT INTO {table} ({', '.join(then)}) "
                    f"VALUES ({', '.join('?' for _ in then)}) RETURNING {key}",
                    tuple(then.values()),
                ).fetchone()[key]
                # A column the version did not have yet is empty in the rows it wrote.
                expected[table].append({key: written, **row, **dict.fromkeys(younger)})
    db.close()
    return expected


@pytest.mark.parametrize("version", UPGRADED_FROM)
def test_an_upgrade_keeps_every_row_under_the_new_names(database_url, version):
    load_fixture(database_url, version)
    expected = write_old_rows(database_url, version)
    assert [row["id"] for row in expected["recipients"]] == [1, 2]  # as ROWS refers to them
    store = Store.open(database_url)
    try:
        assert store.migrate() == SCHEMA_VERSION
        for table, key in KEYS.items():
            rows = [
                dict(row) for row in store.db.fetch_all(f"SELECT * FROM {table} ORDER BY {key}")
            ]
            wanted = [
                {
                    **{name: DEFAULTS.get((table, name)) for name in row if name not in then},
                    **then,
                }
                for row, then in zip(rows, expected.get(table, []), strict=False)
            ]
            assert rows == wanted, table
            assert len(rows) == len(expected.get(table, [])), table
        versions = store.db.fetch_all("SELECT version FROM schema_migrations ORDER BY version")
        assert [row["version"] for row in versions] == list(range(1, SCHEMA_VERSION + 1))

        send = store.sends.get("s1")
        assert send.thread_state == "posted" and send.thread_note == "buttons moved here"
        assert send.test_send is True and send.approval == "approved"
        recipients = store.sends.recipients("s1")
        assert [(r.id, r.state, r.esms_send_status) for r in recipients] == [
            (1, "delivered", 5),
            (2, "queued", None),
        ]
        assert store.jobs.pending() == 2
        assert [event["action"] for event in store.approvals.events("s1")] == ["approve"]
        assert store.templates.all()["promo"].text == "Khuyến mãi"
        assert store.deliveries.count_callbacks("applied") == 1
        assert not store.leases.hold("reconcile", "another process", 10)

        job = store.jobs.claim()  # the queued submit: the running refresh still holds its lease
        assert (job.kind, job.recipient_id) == (JobKind.SUBMIT, 2)
        newer = store.sends.recipients(new_send(store))
        assert newer[0].id == 3  # new rows are numbered after the old ones
    finally:
        store.close()


@contextmanager
def schema_up_to(version: int) -> Iterator[None]:
    """The migrations as they were at `version`, for writing rows as that version did."""
    newer = {v: schema.MIGRATIONS.pop(v) for v in list(schema.MIGRATIONS) if v > version}
    try:
        yield
    finally:
        schema.MIGRATIONS.update(newer)


def test_version_16_keeps_each_open_step_run_due_from_its_creation(database_url):
    """A run written by version 15 reads back whole, due at once, with no attempt counted."""
    with schema_up_to(15):
        db = open_database(database_url)
        assert db.migrate() == 15
        send_id = new_send(Store(db))
        with db.transaction() as conn:
            conn.execute(
                """INSERT INTO step_runs (execution_id, send_id, token, wait_for, timeout_at,
                       state, created_at) VALUES ('Fx1', ?, 'xwfp-1', 'delivered', 2e9, 'open', 1.5e9)""",
                (send_id,),
            )
        db.close()
    store = Store.open(database_url)
    try:
        assert store.migrate() == SCHEMA_VERSION
        [run] = store.steps.open_runs()
        assert (run.execution_id, run.send_id, run.token, run.wait_for) == (
            "Fx1",
            send_id,
            "xwfp-1",
            "delivered",
        )
        assert (run.timeout_at, run.attempts, run.outcome) == (2e9, 0, None)
        [row] = store.db.fetch_all("SELECT due_at FROM step_runs")
        assert row["due_at"] == 1.5e9
    finally:
        store.close()


def test_version_17_keeps_unreported_outcomes_to_be_told_in_parts(database_url):
    """A send written by version 16, its outcome not told yet, upgrades with its rows whole and
    its news stored as a reply to post, then marked posted with its ts only."""
    with schema_up_to(16):
        db = open_database(database_url)
        assert db.migrate() == 16
        send_id = new_send(Store(db))
        with db.transaction() as conn:
            conn.execute("UPDATE recipients SET state = 'delivered' WHERE send_id = ?", (send_id,))
        db.close()
    store = Store.open(database_url)
    try:
        assert store.migrate() == SCHEMA_VERSION
        [recipient] = store.sends.recipients(send_id)
        assert (recipient.state, recipient.reported_state) == ("delivered", None)
        assert store.replies.pending(send_id) == []
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "delivered"}}]
        store.replies.stage(send_id, [("one", blocks), ("two", [])], {recipient.id: "delivered"})
        first, second = store.replies.pending(send_id)
        assert (first.seq, first.text, first.blocks, second.seq) == (1, "one", blocks, 2)
        assert store.sends.recipients(send_id)[0].reported_state == "delivered"
        store.replies.mark_posted(first.id, "1700000000.000200")
        assert [r.seq for r in store.replies.pending(send_id)] == [2]
        [posted, _] = store.replies.posted(send_id)
        assert posted == {"seq": 1, "state": "posted", "ts": "1700000000.000200", "refusal": None}
        [row] = store.db.fetch_all("SELECT text, blocks FROM thread_replies WHERE seq = 1")
        assert (row["text"], row["blocks"]) == (None, None)  # what it said is in Slack only
    finally:
        store.close()


def test_version_18_counts_no_crash_for_a_job_written_before(database_url):
    with schema_up_to(17):
        db = open_database(database_url)
        assert db.migrate() == 17
        new_send(Store(db))  # its parent's job, queued
        db.close()
    store = Store.open(database_url)
    try:
        assert store.migrate() == SCHEMA_VERSION
        job = store.jobs.claim()
        assert (job.kind, job.attempts, job.crashes) == (JobKind.POST_PARENT, 1, 0)
    finally:
        store.close()


def test_version_23_keeps_sends_written_before_images_could_be_uploaded(database_url):
    """A send written by version 22 reads back whole, with no upload waiting and no image of
    its own; a new send then hosts an image, and the copy to another database carries it."""
    with schema_up_to(22):
        db = open_database(database_url)
        assert db.migrate() == 22
        banner = ViberMessage(text="Hi", image_url="https://cdn.example.com/banner.png")
        send_id = new_send(Store(db), message=banner)
        db.close()
    store = Store.open(database_url)
    try:
        assert store.migrate() == SCHEMA_VERSION
        send = store.sends.get(send_id)
        assert send.message.image_url == "https://cdn.example.com/banner.png"
        [row] = store.db.fetch_all("SELECT image_file, image_token FROM sends")
        assert (row["image_file"], row["image_token"]) == (None, None)
        picture = io.BytesIO()
        Image.new("RGB", (20, 10), (1, 2, 3)).save(picture, "PNG")
        source = picture.getvalue()
        hosted = store.images.host(
            send_id, source_digest(source), prepare(source, 800), "https://bot.example.com"
        )
        assert store.sends.get(send_id).message.image_url.endswith(f"/media/{hosted.token}.jpg")
        assert store.images.release_unused() == 0
    finally:
        store.close()


def test_version_24_keeps_marketing_stored_before_under_its_old_rule(database_url):
    """A marketing send written by version 23 reads back needing no consent and with no stop
    links (its recipients' messages go as they were approved); a new one after the upgrade
    needs consent and gives each recipient a stop link."""
    with schema_up_to(23):
        db = open_database(database_url)
        assert db.migrate() == 23
        old = new_send(Store(db), ("0901234567",), category=Category.MARKETING)
        db.close()
    store = Store.open(database_url)
    try:
        assert store.migrate() == SCHEMA_VERSION
        send, [recipient] = store.sends.get(old), store.sends.recipients(old)
        assert send.category == Category.MARKETING and not send.consent_required
        assert (recipient.stop_token, recipient.stopped_at) == (None, None)
        new = new_send(
            store, ("0901234567",), category=Category.MARKETING, consent_required=True,
            stop_links=True,
        )  # fmt: skip
        assert store.sends.get(new).consent_required
        assert store.sends.recipients(new)[0].stop_token
        assert store.consents.count() == 0 and store.consents.history("0901234567")[1] == 0
    finally:
        store.close()


def test_version_25_erases_what_version_24_stored_and_counts_the_threads_it_cannot_find(
    database_url,
):
    """A send and an opt-out written by version 24 read back after the upgrade, and an erasure
    of their number carries them out; the thread posted before posts were recorded is told as
    out of reach, the opt-out still refuses the number."""
    with schema_up_to(24):
        db = open_database(database_url)
        assert db.migrate() == 24
        old = Store(db)
        send_id = new_send(old, ("0901234567",))
        old.sends.mark_parent_posted(send_id, "1.1", then=lambda send: ())
        old.optouts.add("0901234567", "U1", "asked by phone")
        db.close()
    store = Store.open(database_url, data_key="k" * 40)
    try:
        assert store.migrate() == SCHEMA_VERSION
        assert store.sends.recipients(send_id)[0].phone == "0901234567"
        request_id, reach = store.erasures.ask("0901234567", "U0ADMIN")
        assert (reach.sends, reach.opt_out, reach.posts) == (1, True, 0)
        store.erasures.confirm(request_id)
        request = store.erasures.carry_out(request_id).request
        assert request.unreachable["unrecorded"] == 1
        assert store.sends.recipients(send_id)[0].phone == "•••••••567"
        assert store.optouts.get("0901234567").reason == "asked by phone"
    finally:
        store.close()
