"""Copy every row of one database into another, empty one (SQLite into PostgreSQL, typically),
ids included, so thread mappings, RequestIds, jobs and the audit trail carry over unchanged."""

from __future__ import annotations

from collections.abc import Callable

from bot.db import TABLES, Database, DatabaseError

BATCH_ROWS = 1000
# An image row holds up to a megabyte: fewer at a time keep the copy's memory bounded.
BATCH_BYTES_ROWS = {"images": 16}


def copy_database(
    source: Database, target: Database, *, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy all rows in one target transaction; returns rows copied per table.

    The target must be empty: copying twice, or over a database in use, would mix two histories.
    """
    source.migrate()
    target.migrate()
    for table in TABLES:
        if target.fetch_one(f"SELECT 1 AS found FROM {table} LIMIT 1"):
            raise DatabaseError(
                f"{target.url} already holds data (table {table}); copy into an empty database"
            )
    try:
        copied = _copy_rows(source, target, progress)
    except DatabaseError:
        raise
    except Exception as error:  # the driver's own error: the target's transaction rolled back
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise DatabaseError(f"{type(error).__name__}: {reason}") from None
    for table, count in copied.items():
        row = target.fetch_one(f"SELECT COUNT(*) AS n FROM {table}")
        assert row is not None  # a count has its row
        found = row["n"]
        if found != count:
            raise DatabaseError(f"{table}: copied {count} rows but {target.url} holds {found}")
    return copied


def _copy_rows(
    source: Database, target: Database, progress: Callable[[str, int], None] | None
) -> dict[str, int]:
    copied: dict[str, int] = {}
    with target.transaction() as conn:
        for table, key in TABLES.items():
            copied[table] = 0
            last = None
            batch = BATCH_BYTES_ROWS.get(table, BATCH_ROWS)
            while True:
                after = "" if last is None else f" WHERE {key} > ?"
                rows = source.fetch_all(
                    f"SELECT * FROM {table}{after} ORDER BY {key} LIMIT {batch}",
                    () if last is None else (last,),
                )
                if not rows:
                    break
                columns = list(rows[0].keys())
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' for _ in columns)})",
                    [tuple(row[column] for column in columns) for row in rows],
                )
                copied[table] += len(rows)
                last = rows[-1][key]
            if progress:
                progress(table, copied[table])
        target.reset_identities(conn)
    return copied
