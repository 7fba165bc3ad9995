"""What only PostgreSQL has: a server that drops connections, and a pool that must cope."""

from __future__ import annotations

import psycopg
import pytest

from bot.db import open_database
from bot.store import Store
from tests.databases import POSTGRES_URL, SKIP_REASON, postgres_database, read_schema

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason=SKIP_REASON)


def test_connections_the_server_dropped_are_replaced_before_use(monkeypatch):
    monkeypatch.setattr("bot.db.postgres.IDLE_CHECK_SECONDS", 0.0)  # every connection "idle"
    with postgres_database() as url:
        store = Store.open(url)
        store.migrate()
        assert store.jobs.pending() == 0  # the pool holds a connection now
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()) t",
                (name,),
            ).fetchone()[0]
        assert ended >= 1  # a restart, as far as the pool can tell
        assert store.jobs.pending() == 0 and store.ping()
        store.close()


def test_a_connection_in_steady_use_is_not_tested_each_time(monkeypatch):
    checks = []
    monkeypatch.setattr(
        "bot.db.postgres.ConnectionPool.check_connection", staticmethod(checks.append)
    )
    with postgres_database() as url:
        store = Store.open(url, pool_size=1)
        store.migrate()
        for _ in range(20):
            store.jobs.pending()
        store.close()
    assert len(checks) <= 1  # the first use of a new connection, at most


def test_rows_copied_in_with_their_ids_are_followed_by_new_ones_in_every_numbered_table():
    # The NOT NULL columns of each table whose ids PostgreSQL numbers; {id} is 41 or DEFAULT.
    rows = {
        "recipients": "(id, send_id, phone, request_id, state) VALUES ({id}, 's1', '1', ?, 'q')",
        "callbacks": "(id, query) VALUES ({id}, ?)",
        "jobs": "(id, kind, send_id, order_key, state) VALUES ({id}, 'submit', 's1', ?, 'q')",
        "approval_events": "(id, send_id, action) VALUES ({id}, 's1', ?)",
        "opt_out_events": "(id, phone, at, action) VALUES ({id}, '0901234567', 0, ?)",
        "privacy_requests": (
            "(id, kind, digest, asked_by, asked_at, answer_due, done_due, state) "
            "VALUES ({id}, 'erase', ?, 'U1', 0, 0, 0, 'done')"
        ),
        "slack_posts": "(id, channel, kind, created_at) VALUES ({id}, 'C1', ?, 0)",
        "consent_events": (
            "(id, phone, at, actor, action, source) VALUES ({id}, '0901234567', 0, 'U1', ?, 'x')"
        ),
        "tally_deltas": "(id, name, value) VALUES ({id}, ?, 0)",
        "thread_replies": "(id, send_id, seq, state, created_at) VALUES ({id}, 's1', length(?), 'posted', 0)",
    }
    with postgres_database() as url:
        db = open_database(url)
        db.migrate()
        numbered = {
            name
            for name, table in read_schema(url).items()
            if any(column.type.endswith(" identity") for column in table.columns)
        }
        assert numbered == set(rows)
        with db.transaction() as conn:
            conn.execute(
                """INSERT INTO sends (id, created_at, channel_id, user_id, thread_state)
                   VALUES ('s1', 0, 'C1', 'U1', 'new')"""
            )
            for table, values in rows.items():
                conn.execute(f"INSERT INTO {table} {values.format(id=41)}", ("copied",))
            db.reset_identities(conn)
        with db.transaction() as conn:
            for table, values in rows.items():
                new = conn.execute(
                    f"INSERT INTO {table} {values.format(id='DEFAULT')} RETURNING id", ("new",)
                ).fetchone()
                if table == "tally_deltas":  # the other tables' inserts add deltas too
                    assert new["id"] > 41, table
                else:
                    assert new["id"] == 42, table
        db.close()
