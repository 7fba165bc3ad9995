"""What only PostgreSQL has: a server that drops connections, and a pool that must cope."""

from __future__ import annotations

import psycopg
import pytest

from bot.store import Store
from tests.databases import POSTGRES_URL, SKIP_REASON, postgres_database

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
