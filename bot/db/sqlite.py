"""SQLite: one file, WAL, one writer at a time; the schema is `bot.db.schema`'s."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from bot.core.database_url import SQLITE_PREFIX
from bot.db import Connection, DatabaseError, Row, schema

BUSY_SECONDS = 30


def _use_wal(conn: sqlite3.Connection) -> None:
    # Turning a new file to WAL needs it to itself, and SQLite answers "locked" at once instead
    # of waiting in its busy handler, so processes opening a new file together retry here.
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class SqliteDatabase:
    kind = "sqlite"
    row_lock = ""
    clock = "((julianday('now') - 2440587.5) * 86400.0)"

    def __init__(self, path: str) -> None:
        self.path = path
        self.url = SQLITE_PREFIX + path
        self._local = threading.local()
        self._write_lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            _use_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        # SQLite has one writer; threads of this process queue here, on a lock that hands over
        # at once, instead of in SQLite's busy handler, which sleeps in growing steps.
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._connection().execute(sql, params).fetchall()

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self._connection().execute(sql, params).fetchone()

    def ping(self) -> bool:
        try:
            return self.fetch_one("SELECT 1 AS ok") is not None
        except sqlite3.Error:
            return False

    def listen(self, wake: Callable[[], None], stop: threading.Event) -> None:
        """Nothing to hear: one process owns an SQLite file, and wakes its own runners."""

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def reset_identities(self, conn: Connection) -> None:
        """Nothing to do: SQLite numbers new rows after the largest id present."""

    def migrate(self) -> int:
        """Create or upgrade the schema; returns the version now in force."""
        try:
            with self.transaction() as conn:
                return schema.migrate(conn, self.kind)
        except sqlite3.Error as error:
            raise DatabaseError(f"{self.url} cannot be used: {error}") from None
