"""Running counts of rows by state, kept by the database itself, so that `/metrics` reads a few
dozen rows instead of scanning the tables.

Triggers append a signed delta to `tally_deltas` in the transaction that inserts, changes or
deletes a row: an append never waits on another writer and stays cheap inside a transaction of
100,000 rows (an update of one counting row per change would queue parallel writers on it, and
on PostgreSQL would leave a chain of row versions to walk inside one transaction). A periodic
duty folds the deltas into `tallies` (`fold`); a reader adds both up in one statement (`read`).

A tally's name is its prefix and the row's labels joined by `|`, e.g.
`recipients|viber|delivered|` (channel, state, eSMS's error code or nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.db import Database

FOLD_ROWS = 10_000  # deltas folded per transaction
# The last delta folded: a reader reads the deltas after it from the index, never the pages of
# those folded and deleted (PostgreSQL keeps them until it vacuums). A delta written by a
# transaction still open at a fold, with a lower id, is read from the next fold on.
FOLDED = "#folded"
FOLD_BATCHES = 50  # per fold: a backlog is worked through over several


@dataclass(frozen=True)
class Tallied:
    table: str
    prefix: str
    labels: tuple[str, ...]  # columns, each a label of the count
    amount: str = "1"  # what the row adds to its tally (an expression of `{row}`)
    watched: tuple[str, ...] = ()  # columns the amount reads, besides the labels

    @property
    def columns(self) -> tuple[str, ...]:
        return self.labels + self.watched


TALLIED = (
    Tallied("recipients", "recipients", ("channel", "state", "error_code")),
    Tallied("sends", "sends", ("thread_state", "approval")),
    Tallied("approval_events", "decisions", ("action",)),
    Tallied("callbacks", "callbacks", ("outcome",)),
    Tallied("jobs", "jobs", ("kind", "state")),
    # A retry is an attempt after a job's first: a queued job's attempts so far each ended in
    # one; a running, done or failed job's first attempt did not.
    Tallied(
        "jobs",
        "job_retries",
        ("kind",),
        amount="CASE WHEN {row}.state = 'queued' THEN {row}.attempts"
        " WHEN {row}.attempts > 1 THEN {row}.attempts - 1 ELSE 0 END",
        watched=("state", "attempts"),
    ),
)

TABLES = (
    "CREATE TABLE tallies (name TEXT PRIMARY KEY, value {bigint} NOT NULL DEFAULT 0)",
    "CREATE TABLE tally_deltas (id {id}, name TEXT NOT NULL, value {bigint} NOT NULL)",
)


def _name(tallied: Tallied, row: str) -> str:
    parts = [f"COALESCE(CAST({row}.{column} AS TEXT), '')" for column in tallied.labels]
    return f"'{tallied.prefix}|' || " + " || '|' || ".join(parts)


def _delta(tallied: Tallied, row: str, sign: str) -> str:
    amount = tallied.amount.format(row=row)
    return f"""INSERT INTO tally_deltas (name, value)
        VALUES ({_name(tallied, row)}, {sign}({amount}));"""


def _sqlite(tallied: Tallied) -> list[str]:
    name, table = tallied.prefix, tallied.table
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in tallied.columns)
    return [
        f"""CREATE TRIGGER tally_{name}_insert AFTER INSERT ON {table} BEGIN
            {_delta(tallied, "NEW", "")} END""",
        f"""CREATE TRIGGER tally_{name}_delete AFTER DELETE ON {table} BEGIN
            {_delta(tallied, "OLD", "-")} END""",
        f"""CREATE TRIGGER tally_{name}_update AFTER UPDATE OF {", ".join(tallied.columns)}
            ON {table} WHEN {changed} BEGIN
            {_delta(tallied, "OLD", "-")}
            {_delta(tallied, "NEW", "")} END""",
    ]


def _postgres(tallied: Tallied) -> list[str]:
    name, table = tallied.prefix, tallied.table
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in tallied.columns)
    return [
        f"""CREATE FUNCTION tally_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN {_delta(tallied, "OLD", "-")} END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN {_delta(tallied, "NEW", "")} END IF;
                RETURN NULL;
            END $$""",
        f"""CREATE TRIGGER tally_{name}_rows AFTER INSERT OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION tally_{name}()""",
        f"""CREATE TRIGGER tally_{name}_update AFTER UPDATE OF {", ".join(tallied.columns)}
            ON {table} FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION tally_{name}()""",
    ]


def statements(kind: str) -> list[str]:
    """The migration that starts the tallies: their tables, the triggers, and the counts of
    the rows already there. Written for the schema's renderer: `{id}` and `{bigint}` are its
    own, any other brace is doubled."""
    out: list[str] = []
    for tallied in TALLIED:
        out += _sqlite(tallied) if kind == "sqlite" else _postgres(tallied)
        out.append(
            f"""INSERT INTO tally_deltas (name, value)
                SELECT {_name(tallied, "t")}, SUM({tallied.amount.format(row="t")})
                FROM {tallied.table} t GROUP BY 1"""
        )
    escaped = [s.replace("{", "{{").replace("}", "}}") for s in out]
    return [*TABLES, *escaped]


def fold(db: Database) -> int:
    """Move the deltas into the tallies, a bounded batch per transaction; how many moved.
    What is added is exactly what is deleted (RETURNING), whatever commits meanwhile."""
    moved = 0
    for _ in range(FOLD_BATCHES):
        with db.transaction() as conn:
            rows = conn.execute(
                f"""DELETE FROM tally_deltas WHERE id IN (
                        SELECT id FROM tally_deltas ORDER BY id LIMIT {FOLD_ROWS})
                    RETURNING id, name, value"""
            ).fetchall()
            sums: dict[str, int] = {}
            for row in rows:
                sums[row["name"]] = sums.get(row["name"], 0) + int(row["value"])
            if rows:  # readers look at the deltas after it only (see `read`)
                conn.execute(
                    """INSERT INTO tallies (name, value) VALUES (?, ?) ON CONFLICT (name)
                       DO UPDATE SET value = CASE WHEN excluded.value > tallies.value
                           THEN excluded.value ELSE tallies.value END""",
                    (FOLDED, max(int(row["id"]) for row in rows)),
                )
            conn.executemany(
                """INSERT INTO tallies (name, value) VALUES (?, ?) ON CONFLICT (name)
                   DO UPDATE SET value = tallies.value + excluded.value""",
                sorted(item for item in sums.items() if item[1]),
            )
        moved += len(rows)
        if len(rows) < FOLD_ROWS:
            break
    return moved


def read(db: Database) -> dict[str, dict[tuple[str, ...], int]]:
    """Every tally now (folded and not yet), by prefix, then by labels; read in one statement,
    so a fold running meanwhile is seen either wholly or not at all."""
    rows = db.fetch_all(
        f"""SELECT name, SUM(value) AS n FROM (
               SELECT name, value FROM tallies WHERE name <> '{FOLDED}'
               UNION ALL SELECT name, value FROM tally_deltas WHERE id > COALESCE(
                   (SELECT value FROM tallies WHERE name = '{FOLDED}'), 0)
           ) t GROUP BY name"""
    )
    return by_prefix((row["name"], int(row["n"] or 0)) for row in rows)


def by_prefix(rows: Iterable[tuple[str, int]]) -> dict[str, dict[tuple[str, ...], int]]:
    """Tally rows (name, count) by table prefix, then by labels."""
    found: dict[str, dict[tuple[str, ...], int]] = {}
    for name, value in rows:
        prefix, *labels = name.split("|")
        found.setdefault(prefix, {})[tuple(labels)] = int(value)
    return found
