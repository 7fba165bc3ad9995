"""The database under the store: SQLite embedded by default, PostgreSQL when one machine is not
enough. Both answer the same small interface, so the store's SQL is written once, with `?`
placeholders, and rows are read by column name. The schema, one list of migrations that both
apply, is in `bot.db.schema`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from bot.core.database_url import SQLITE_PREFIX, url_problem

SCHEMA_VERSION = 25  # the last of bot.db.schema.MIGRATIONS
# The tables that hold the app's data, parents before children, each with its one-column
# primary key. (Leases are not data: they say which process runs a periodic duty now, and
# when each channel may next be posted to.)
JOBS_CHANNEL = "viber_jobs"  # PostgreSQL notifies it when work is stored for the runners
TABLES = {
    "sends": "id",
    "campaigns": "send_id",
    "recipients": "id",
    "callbacks": "id",
    "jobs": "id",
    "approval_events": "id",
    "templates": "name",
    "step_runs": "execution_id",
    "opt_outs": "phone",
    "opt_out_events": "id",
    "phone_locks": "phone",
    "counters": "name",
    "thread_replies": "id",
    "images": "token",
    "consents": "phone",
    "consent_events": "id",
    "privacy_requests": "id",
    "slack_posts": "id",
    "retention_runs": "day",
}

Row = Mapping[str, Any]


class DatabaseError(Exception):
    """The database cannot be reached or used; the message says why, never with a password."""


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


# Positional parameters, as sqlite3's own connection takes them.
class Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> Cursor: ...


class Database(Protocol):
    kind: str  # "sqlite" or "postgres"
    url: str  # safe to show: the password is masked
    # Appended to a SELECT whose rows the transaction goes on to change. SQLite needs none: its
    # write transactions run one at a time.
    row_lock: str
    # An SQL expression for the database server's time, in seconds since the epoch: leases are
    # timed by one clock, whatever the clocks of the processes sharing the database say.
    clock: str

    def transaction(self) -> AbstractContextManager[Connection]: ...

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    def migrate(self) -> int: ...

    def ping(self) -> bool: ...

    def listen(self, wake: Callable[[], None], stop: threading.Event) -> None:
        """Call `wake` whenever another process stores work for the job runners, until `stop`
        is set (PostgreSQL: LISTEN; SQLite returns at once: one process polls its file)."""
        ...

    def close(self) -> None: ...

    def reset_identities(self, conn: Connection) -> None: ...


def open_database(url: str, *, pool_size: int = 5) -> Database:
    """The database DATABASE_URL names; nothing connects until it is first used."""
    problem = url_problem(url)
    if problem:
        raise DatabaseError(problem)
    if url.startswith(SQLITE_PREFIX):
        from bot.db.sqlite import SqliteDatabase

        return SqliteDatabase(url.removeprefix(SQLITE_PREFIX))
    from bot.db.postgres import PostgresDatabase

    return PostgresDatabase(url, pool_size=pool_size)
