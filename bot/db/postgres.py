"""PostgreSQL: a pool of connections per process, row locks where a transaction reads what it
then changes, and the same schema versions as SQLite, written as plain DDL."""

from __future__ import annotations

import functools
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.db import SCHEMA_VERSION, Connection, DatabaseError, Row, redact_url

CONNECT_TIMEOUT_SECONDS = 10
IDLE_CHECK_SECONDS = 2.0
_IDENTITY_TABLES = ("recipients", "callbacks", "jobs", "approval_events")
# Taken by `migrate` so that processes starting together upgrade the schema once.
_MIGRATION_LOCK = 0x7669_6265_72  # "viber"


@functools.lru_cache(maxsize=512)
def _placeholders(sql: str) -> str:
    """The store writes `?` (SQLite's style); psycopg wants `%s`, and a literal % doubled."""
    return sql.replace("%", "%%").replace("?", "%s")


class _Connection:
    """A pooled connection that speaks the store's placeholder style."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        return self._conn.execute(_placeholders(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> psycopg.Cursor[Any]:
        cursor = self._conn.cursor()
        cursor.executemany(_placeholders(sql), rows)
        return cursor


class PostgresDatabase:
    kind = "postgres"
    row_lock = " FOR UPDATE"
    clock = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"

    def __init__(self, url: str, *, pool_size: int = 5) -> None:
        self.url = redact_url(url)
        self._conninfo = url
        self._pool_size = pool_size
        self._pool: ConnectionPool | None = None
        self._pool_lock = threading.Lock()
        self._returned_at: weakref.WeakKeyDictionary[psycopg.Connection[Any], float] = (
            weakref.WeakKeyDictionary()
        )

    def _connections(self) -> ConnectionPool:
        # Opened on first use, so a process that forks (gunicorn) opens its own after the fork.
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ConnectionPool(
                        self._conninfo,
                        min_size=1,
                        max_size=self._pool_size,
                        kwargs={
                            "autocommit": True,
                            "row_factory": dict_row,
                            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                        },
                        check=self._check_if_idle,
                        reset=self._note_return,
                        timeout=30,
                        name="viber-bot",
                        open=True,
                    )
        return self._pool

    def _check_if_idle(self, conn: psycopg.Connection[Any]) -> None:
        # A connection that sat idle may have been dropped by the server (restart, failover,
        # idle timeout): it is tested, and replaced if dead, rather than failing the request
        # that drew it. One in use a moment ago is alive, and testing it would cost a round
        # trip on every statement.
        if time.monotonic() - self._returned_at.get(conn, 0.0) > IDLE_CHECK_SECONDS:
            ConnectionPool.check_connection(conn)

    def _note_return(self, conn: psycopg.Connection[Any]) -> None:
        self._returned_at[conn] = time.monotonic()

    @contextmanager
    def transaction(self) -> Iterator[_Connection]:
        with self._connections().connection() as conn, conn.transaction():
            yield _Connection(conn)

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._connections().connection() as conn:
            return conn.execute(_placeholders(sql), tuple(params)).fetchall()

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._connections().connection() as conn:
            return conn.execute(_placeholders(sql), tuple(params)).fetchone()

    def ping(self) -> bool:
        try:
            with self._connections().connection(timeout=5) as conn:
                return conn.execute("SELECT 1 AS ok").fetchone() is not None
        except (psycopg.Error, PoolTimeout, OSError):
            return False

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def reset_identities(self, conn: Connection) -> None:
        """After rows were copied in with their ids, number new rows after the largest."""
        for table in _IDENTITY_TABLES:
            conn.execute(
                f"""SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                           COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"""
            )

    def migrate(self) -> int:
        """Create or upgrade the schema; returns the version now in force."""
        try:
            with (
                psycopg.connect(
                    self._conninfo,
                    autocommit=True,
                    row_factory=dict_row,
                    connect_timeout=CONNECT_TIMEOUT_SECONDS,
                ) as conn,
                conn.transaction(),
            ):
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                conn.execute(
                    """CREATE TABLE IF NOT EXISTS schema_migrations
                           (version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION)"""
                )
                current = conn.execute(
                    "SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations"
                ).fetchone()["version"]
                for version, statements in _MIGRATIONS.items():
                    if version > current:
                        for statement in statements:
                            conn.execute(statement)
                        conn.execute(
                            "INSERT INTO schema_migrations (version, applied_at) VALUES (%s, %s)",
                            (version, time.time()),
                        )
                        current = version
                return current
        except psycopg.Error as error:
            raise DatabaseError(f"{self.url} cannot be used: {_first_line(error)}") from None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE sends (
            id TEXT PRIMARY KEY, created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION, team_id TEXT, channel_id TEXT NOT NULL,
            user_id TEXT NOT NULL, response_url TEXT, text TEXT, image_url TEXT,
            button_label TEXT, button_url TEXT, brandname TEXT, sandbox INTEGER,
            status TEXT NOT NULL, status_note TEXT, parent_ts TEXT)""",
        """CREATE TABLE recipients (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            send_id TEXT NOT NULL REFERENCES sends (id), position INTEGER, phone TEXT NOT NULL,
            request_id TEXT NOT NULL, sms_id TEXT, state TEXT NOT NULL, esms_status INTEGER,
            error_code INTEGER, error_detail TEXT, reported_state TEXT, telco_id INTEGER,
            price DOUBLE PRECISION, updated_at DOUBLE PRECISION)""",
        "CREATE UNIQUE INDEX idx_recipients_request_id ON recipients (request_id)",
        "CREATE INDEX idx_recipients_sms_id ON recipients (sms_id)",
        "CREATE INDEX idx_recipients_send_id_position ON recipients (send_id, position)",
        """CREATE TABLE callbacks (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            received_at DOUBLE PRECISION, recipient_id BIGINT, sms_id TEXT, request_id TEXT,
            query TEXT, outcome TEXT)""",
        "CREATE INDEX idx_callbacks_outcome_sms_id ON callbacks (outcome, sms_id)",
        """CREATE TABLE jobs (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, kind TEXT NOT NULL,
            send_id TEXT NOT NULL, recipient_id BIGINT, order_key TEXT NOT NULL,
            status TEXT NOT NULL, attempts INTEGER, run_after DOUBLE PRECISION,
            lease_until DOUBLE PRECISION, last_error TEXT, created_at DOUBLE PRECISION,
            updated_at DOUBLE PRECISION)""",
        "CREATE INDEX idx_jobs_status_run_after ON jobs (status, run_after)",
        "CREATE INDEX idx_jobs_order_key_status ON jobs (order_key, status)",
        "CREATE INDEX idx_jobs_kind_send_id_status ON jobs (kind, send_id, status)",
    ),
    2: (
        "ALTER TABLE sends ADD COLUMN approval TEXT NOT NULL DEFAULT 'none'",
        """ALTER TABLE sends ADD COLUMN approval_expires_at DOUBLE PRECISION,
            ADD COLUMN approval_channel TEXT, ADD COLUMN approval_ts TEXT,
            ADD COLUMN decided_by TEXT, ADD COLUMN decided_at DOUBLE PRECISION,
            ADD COLUMN decision_reason TEXT,
            ADD COLUMN decision_reported INTEGER NOT NULL DEFAULT 0""",
        "CREATE INDEX idx_sends_approval_approval_expires_at ON sends (approval, approval_expires_at)",
        """CREATE TABLE approval_events (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            send_id TEXT REFERENCES sends (id), at DOUBLE PRECISION, actor TEXT, action TEXT,
            reason TEXT)""",
        "CREATE INDEX idx_approval_events_send_id ON approval_events (send_id)",
    ),
    3: (
        """ALTER TABLE recipients ADD COLUMN submitted_at DOUBLE PRECISION,
            ADD COLUMN last_polled_at DOUBLE PRECISION""",
        "CREATE INDEX idx_recipients_state_last_polled_at ON recipients (state, last_polled_at)",
    ),
    4: (
        "ALTER TABLE sends ADD COLUMN purged_at DOUBLE PRECISION",
        "CREATE INDEX idx_sends_channel_id_created_at ON sends (channel_id, created_at)",
        "CREATE INDEX idx_sends_user_id_created_at ON sends (user_id, created_at)",
    ),
    5: (
        """ALTER TABLE sends ADD COLUMN scheduled_at DOUBLE PRECISION,
            ADD COLUMN thread_ts TEXT, ADD COLUMN cancelled_by TEXT,
            ADD COLUMN cancelled_at DOUBLE PRECISION""",
        """CREATE TABLE templates (
            name TEXT PRIMARY KEY, text TEXT, image_url TEXT, button_label TEXT,
            button_url TEXT, created_by TEXT, created_at DOUBLE PRECISION)""",
    ),
    6: (
        """CREATE TABLE leases (
            name TEXT PRIMARY KEY, holder TEXT, expires_at DOUBLE PRECISION)""",
    ),
    7: ("ALTER TABLE jobs ADD COLUMN holder TEXT",),
    8: (
        "ALTER TABLE sends RENAME COLUMN status TO thread_state",
        "ALTER TABLE sends RENAME COLUMN status_note TO thread_note",
        "ALTER TABLE sends RENAME COLUMN sandbox TO test_send",
        "ALTER TABLE recipients RENAME COLUMN esms_status TO esms_send_status",
        "ALTER TABLE jobs RENAME COLUMN status TO state",
    ),
}
assert max(_MIGRATIONS) == SCHEMA_VERSION
