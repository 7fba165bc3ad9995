"""SQLite: one file, WAL, one writer at a time; the schema is built with sqlite-utils."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from bot.db import SCHEMA_VERSION, SQLITE_PREFIX, Connection, DatabaseError, Row

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
                db = sqlite_utils.Database(conn)
                db["schema_migrations"].create(
                    {"version": int, "applied_at": float}, pk="version", if_not_exists=True
                )
                current = conn.execute(
                    "SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations"
                ).fetchone()["version"]
                for version, step in _MIGRATIONS.items():
                    if version > current:
                        step(db)
                        db["schema_migrations"].insert(
                            {"version": version, "applied_at": time.time()}
                        )
                        current = version
                return current
        except sqlite3.Error as error:
            raise DatabaseError(f"{self.url} cannot be used: {error}") from None


def _migration_1(db: sqlite_utils.Database) -> None:
    db["sends"].create(
        {
            "id": str, "created_at": float, "updated_at": float, "team_id": str,
            "channel_id": str, "user_id": str, "response_url": str, "text": str,
            "image_url": str, "button_label": str, "button_url": str, "brandname": str,
            "sandbox": int, "status": str, "status_note": str, "parent_ts": str,
        },
        pk="id",
        not_null={"created_at", "channel_id", "user_id", "status"},
    )  # fmt: skip
    db["recipients"].create(
        {
            "id": int, "send_id": str, "position": int, "phone": str, "request_id": str,
            "sms_id": str, "state": str, "esms_status": int, "error_code": int,
            "error_detail": str, "reported_state": str, "telco_id": int, "price": float,
            "updated_at": float,
        },
        pk="id",
        foreign_keys=[("send_id", "sends", "id")],
        not_null={"send_id", "phone", "request_id", "state"},
    )  # fmt: skip
    db["recipients"].create_index(["request_id"], unique=True)
    db["recipients"].create_index(["sms_id"])
    db["recipients"].create_index(["send_id", "position"])
    db["callbacks"].create(
        {
            "id": int, "received_at": float, "recipient_id": int, "sms_id": str,
            "request_id": str, "query": str, "outcome": str,
        },
        pk="id",
    )  # fmt: skip
    db["callbacks"].create_index(["outcome", "sms_id"])
    db["jobs"].create(
        {
            "id": int, "kind": str, "send_id": str, "recipient_id": int, "order_key": str,
            "status": str, "attempts": int, "run_after": float, "lease_until": float,
            "last_error": str, "created_at": float, "updated_at": float,
        },
        pk="id",
        not_null={"kind", "send_id", "order_key", "status"},
    )  # fmt: skip
    db["jobs"].create_index(["status", "run_after"])
    db["jobs"].create_index(["order_key", "status"])
    db["jobs"].create_index(["kind", "send_id", "status"])


def _migration_2(db: sqlite_utils.Database) -> None:
    """Approvals: the decision on the send, and an audit trail of every decision."""
    sends = db["sends"]
    sends.add_column("approval", str, not_null_default="none")
    for name, kind in (
        ("approval_expires_at", float), ("approval_channel", str), ("approval_ts", str),
        ("decided_by", str), ("decided_at", float), ("decision_reason", str),
    ):  # fmt: skip
        sends.add_column(name, kind)
    sends.add_column("decision_reported", int, not_null_default=0)
    sends.create_index(["approval", "approval_expires_at"])
    db["approval_events"].create(
        {"id": int, "send_id": str, "at": float, "actor": str, "action": str, "reason": str},
        pk="id",
        foreign_keys=[("send_id", "sends", "id")],
    )
    db["approval_events"].create_index(["send_id"])


def _migration_3(db: sqlite_utils.Database) -> None:
    """Reconciliation: when a recipient reached eSMS, and when its status was last asked for."""
    recipients = db["recipients"]
    recipients.add_column("submitted_at", float)
    recipients.add_column("last_polled_at", float)
    recipients.create_index(["state", "last_polled_at"])


def _migration_4(db: sqlite_utils.Database) -> None:
    """Privacy: when a send's content was purged."""
    db["sends"].add_column("purged_at", float)
    db["sends"].create_index(["channel_id", "created_at"])
    db["sends"].create_index(["user_id", "created_at"])


def _migration_5(db: sqlite_utils.Database) -> None:
    """Scheduling, sends started from a message's thread, and canned messages."""
    sends = db["sends"]
    sends.add_column("scheduled_at", float)
    sends.add_column("thread_ts", str)
    sends.add_column("cancelled_by", str)
    sends.add_column("cancelled_at", float)
    db["templates"].create(
        {"name": str, "text": str, "image_url": str, "button_label": str, "button_url": str,
         "created_by": str, "created_at": float},
        pk="name",
    )  # fmt: skip


def _migration_6(db: sqlite_utils.Database) -> None:
    """Leases: which process runs a duty that must run in one place at a time."""
    db["leases"].create({"name": str, "holder": str, "expires_at": float}, pk="name")


def _migration_7(db: sqlite_utils.Database) -> None:
    """Job leases with a holder: which process runs a job, renewed while it runs."""
    db["jobs"].add_column("holder", str)


def _migration_8(db: sqlite_utils.Database) -> None:
    """One word per idea: the thread's state, the job's state, eSMS's SendStatus, test sends."""
    for table, old, new in _RENAMES_8:
        db.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")


_RENAMES_8 = (
    ("sends", "status", "thread_state"),
    ("sends", "status_note", "thread_note"),
    ("sends", "sandbox", "test_send"),
    ("recipients", "esms_status", "esms_send_status"),
    ("jobs", "status", "state"),
)

_MIGRATIONS = {
    1: _migration_1,
    2: _migration_2,
    3: _migration_3,
    4: _migration_4,
    5: _migration_5,
    6: _migration_6,
    7: _migration_7,
    8: _migration_8,
}
assert max(_MIGRATIONS) == SCHEMA_VERSION
