"""PostgreSQL: a pool of connections per process, row locks where a transaction reads what it
then changes, and the schema of `bot.db.schema`, as SQLite has it."""

from __future__ import annotations

import functools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.core.database_url import redact_url
from bot.db import JOBS_CHANNEL, Connection, DatabaseError, Row, schema

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 10
LISTEN_CHECK_SECONDS = 1.0  # how often a listener looks whether it should stop
RELISTEN_SECONDS = 5.0
IDLE_CHECK_SECONDS = 2.0
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
        self._pool: ConnectionPool[psycopg.Connection[DictRow]] | None = None
        self._pool_lock = threading.Lock()
        self._returned_at: weakref.WeakKeyDictionary[psycopg.Connection[Any], float] = (
            weakref.WeakKeyDictionary()
        )

    def _connections(self) -> ConnectionPool[psycopg.Connection[DictRow]]:
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
            # Dict rows are Rows, but a list of them is not a list[Row] (list is invariant).
            return cast(list[Row], conn.execute(_placeholders(sql), tuple(params)).fetchall())

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._connections().connection() as conn:
            return conn.execute(_placeholders(sql), tuple(params)).fetchone()

    def ping(self) -> bool:
        try:
            with self._connections().connection(timeout=5) as conn:
                return conn.execute("SELECT 1 AS ok").fetchone() is not None
        except (psycopg.Error, PoolTimeout, OSError):
            return False

    def listen(self, wake: Callable[[], None], stop: threading.Event) -> None:
        """LISTEN on a connection of its own (outside the pool: it waits for ever), calling
        `wake` at each notification; a lost connection is opened again a few seconds later
        (the runners' polling covers the gap)."""
        while not stop.is_set():
            try:
                with psycopg.connect(
                    self._conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
                ) as conn:
                    conn.execute(f"LISTEN {JOBS_CHANNEL}")
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=LISTEN_CHECK_SECONDS):
                            wake()
            except (psycopg.Error, OSError) as error:
                log.warning("LISTEN %s lost: %s", JOBS_CHANNEL, _first_line(error))
                stop.wait(RELISTEN_SECONDS)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def reset_identities(self, conn: Connection) -> None:
        """After rows were copied in with their ids, number new rows after the largest."""
        # The catalog says which columns are numbered, so no list here to keep in step.
        numbered = conn.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND is_identity = 'YES'"""
        ).fetchall()
        for row in numbered:
            table, column = row["table_name"], row["column_name"]
            conn.execute(
                f"""SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                           COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"""
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
                return schema.migrate(_Connection(conn), self.kind)
        except psycopg.Error as error:
            raise DatabaseError(f"{self.url} cannot be used: {_first_line(error)}") from None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
