"""Running counts of rows by state, kept by the database itself (triggers) in the transaction
that changes a row, so that `/metrics` reads a few dozen tally rows instead of scanning the
tables. Each count is spread over SHARDS rows (by the row's id) so that writers in parallel
on PostgreSQL do not queue on one hot row; a reader adds the shards up.

A tally's name is its table's prefix and the row's labels joined by `|`, e.g.
`recipients|viber|delivered|` (channel, state, eSMS's error code or nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

SHARDS = 16


@dataclass(frozen=True)
class Tallied:
    table: str
    prefix: str
    labels: tuple[str, ...]  # columns, each a label of the count
    sqlite_shard: str  # an expression of the row (`{row}`) from 0 to SHARDS - 1
    postgres_shard: str
    amount: str = "1"  # what the row adds to its tally (an expression of `{row}`)
    watched: tuple[str, ...] = ()  # columns the amount reads, besides the labels

    @property
    def columns(self) -> tuple[str, ...]:
        return self.labels + self.watched


TALLIED = (
    Tallied(
        "recipients",
        "recipients",
        ("channel", "state", "error_code"),
        f"{{row}}.id % {SHARDS}",
        f"mod({{row}}.id, {SHARDS})",
    ),
    Tallied(
        "sends",
        "sends",
        ("thread_state", "approval"),
        f"unicode({{row}}.id) % {SHARDS}",
        f"mod(ascii({{row}}.id), {SHARDS})",
    ),
    Tallied(
        "approval_events",
        "decisions",
        ("action",),
        f"{{row}}.id % {SHARDS}",
        f"mod({{row}}.id, {SHARDS})",
    ),
    Tallied(
        "callbacks",
        "callbacks",
        ("outcome",),
        f"{{row}}.id % {SHARDS}",
        f"mod({{row}}.id, {SHARDS})",
    ),
    Tallied(
        "jobs", "jobs", ("kind", "state"), f"{{row}}.id % {SHARDS}", f"mod({{row}}.id, {SHARDS})"
    ),
    # A retry is an attempt after a job's first: a queued job's attempts so far each ended in
    # one; a running, done or failed job's first attempt did not.
    Tallied(
        "jobs",
        "job_retries",
        ("kind",),
        f"{{row}}.id % {SHARDS}",
        f"mod({{row}}.id, {SHARDS})",
        amount="CASE WHEN {row}.state = 'queued' THEN {row}.attempts"
        " WHEN {row}.attempts > 1 THEN {row}.attempts - 1 ELSE 0 END",
        watched=("state", "attempts"),
    ),
)

# The migration that starts the tallies (bot.db.schema), written with `{{`/`}}` where
# the schema's renderer would read a brace.
CREATE_TABLE = """CREATE TABLE tallies (
    name TEXT NOT NULL, shard INTEGER NOT NULL, value {bigint} NOT NULL DEFAULT 0,
    PRIMARY KEY (name, shard))"""


def _name(tallied: Tallied, row: str) -> str:
    parts = [f"COALESCE(CAST({row}.{column} AS TEXT), '')" for column in tallied.labels]
    return f"'{tallied.prefix}|' || " + " || '|' || ".join(parts)


def _bump(tallied: Tallied, row: str, sign: int, kind: str) -> str:
    shard = (tallied.sqlite_shard if kind == "sqlite" else tallied.postgres_shard).format(row=row)
    amount = tallied.amount.format(row=row)
    return f"""INSERT INTO tallies (name, shard, value)
        VALUES ({_name(tallied, row)}, {shard}, {"-" if sign < 0 else ""}({amount}))
        ON CONFLICT (name, shard) DO UPDATE SET value = tallies.value + excluded.value;"""


def _changed(tallied: Tallied) -> str:
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in tallied.columns)


def _sqlite(tallied: Tallied) -> list[str]:
    name = tallied.prefix
    table = tallied.table
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in tallied.columns)
    columns = ", ".join(tallied.columns)
    return [
        f"""CREATE TRIGGER tally_{name}_insert AFTER INSERT ON {table} BEGIN
            {_bump(tallied, "NEW", 1, "sqlite")} END""",
        f"""CREATE TRIGGER tally_{name}_delete AFTER DELETE ON {table} BEGIN
            {_bump(tallied, "OLD", -1, "sqlite")} END""",
        f"""CREATE TRIGGER tally_{name}_update AFTER UPDATE OF {columns} ON {table}
            WHEN {changed} BEGIN
            {_bump(tallied, "OLD", -1, "sqlite")}
            {_bump(tallied, "NEW", 1, "sqlite")} END""",
    ]


def _postgres(tallied: Tallied) -> list[str]:
    name = tallied.prefix
    table = tallied.table
    columns = ", ".join(tallied.columns)
    return [
        f"""CREATE FUNCTION tally_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    {_bump(tallied, "OLD", -1, "postgres")}
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    {_bump(tallied, "NEW", 1, "postgres")}
                END IF;
                RETURN NULL;
            END $$""",
        f"""CREATE TRIGGER tally_{name}_rows AFTER INSERT OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION tally_{name}()""",
        f"""CREATE TRIGGER tally_{name}_update AFTER UPDATE OF {columns} ON {table}
            FOR EACH ROW WHEN ({_changed(tallied)}) EXECUTE FUNCTION tally_{name}()""",
    ]


def statements(kind: str) -> list[str]:
    """The tallies' table, its triggers and the counts of the rows already there."""
    out = [CREATE_TABLE]
    for tallied in TALLIED:
        out += _sqlite(tallied) if kind == "sqlite" else _postgres(tallied)
        out.append(
            f"""INSERT INTO tallies (name, shard, value)
                SELECT {_name(tallied, "t")}, 0, SUM({tallied.amount.format(row="t")})
                FROM {tallied.table} t GROUP BY 1"""
        )
    # Braces of the SQL itself are doubled for the schema's renderer; only {bigint} is its own.
    return [s.replace("{", "{{").replace("}", "}}").replace("{{bigint}}", "{bigint}") for s in out]


def read(rows: list[tuple[str, int]]) -> dict[str, dict[tuple[str, ...], int]]:
    """Tally rows (name, sum over its shards) by table prefix, then by labels."""
    found: dict[str, dict[tuple[str, ...], int]] = {}
    for name, value in rows:
        prefix, *labels = name.split("|")
        found.setdefault(prefix, {})[tuple(labels)] = int(value)
    return found
