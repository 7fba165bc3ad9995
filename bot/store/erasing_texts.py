"""The number in what people wrote: every free-text column the app keeps (a message, a reason,
a note, a campaign's invalid rows, an opt-out's reason, consent's evidence, a job's last
error …) searched for every written form of the number, and each one found masked.

The database narrows the rows by the number's last digits; the written forms' pattern
(`bot.core.written_forms`) decides, in Python, since SQLite has no regular expressions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.core.written_forms import mask_stored, prefilter
from bot.db import Connection


@dataclass(frozen=True)
class Texts:
    """One table's free-text columns, its key, and which of its rows are searched."""

    table: str
    key: str
    columns: tuple[str, ...]
    where: str = "1 = 1"


# The number's own recipients are erased row by row (`bot.store.erasing`); a posted thread
# reply keeps no text (Slack has it: `slack_posts`); the app's posts are `slack_posts`'.
TEXTS = (
    Texts(
        "sends",
        "id",
        (
            "text",
            "sms_text",
            "button_label",
            "button_url",
            "image_url",
            "thread_note",
            "decision_reason",
        ),
    ),
    Texts("approval_events", "id", ("reason",)),
    Texts("thread_replies", "id", ("text", "blocks"), "state = 'pending'"),
    Texts("campaigns", "send_id", ("invalid", "unknown", "problem", "pause_reason", "file_name")),
    Texts("step_runs", "execution_id", ("outcome",)),
    Texts("opt_outs", "phone", ("reason",)),
    Texts("opt_out_events", "id", ("reason",)),
    Texts("consents", "phone", ("evidence",)),
    Texts("consent_events", "id", ("evidence",)),
    Texts("templates", "name", ("text", "button_label", "button_url")),
    Texts("jobs", "id", ("last_error",)),
)


@dataclass(frozen=True)
class Found:
    """One stored text holding the number, and the same text masked."""

    table: str
    key: str
    key_value: object
    column: str
    masked: str | None


def found_in(conn: Connection, phone: str, texts: tuple[Texts, ...] = TEXTS) -> Iterator[Found]:
    """Every column of every row of `texts` that holds a written form of `phone`."""
    ascii_digits, wide_digits = prefilter(phone)
    for table in texts:
        likes = " OR ".join(f"{column} LIKE ? OR {column} LIKE ?" for column in table.columns)
        params = [pattern for _ in table.columns for pattern in (ascii_digits, wide_digits)]
        rows = conn.execute(
            f"""SELECT {table.key} AS row_key, {", ".join(table.columns)} FROM {table.table}
                WHERE ({table.where}) AND ({likes})""",
            params,
        ).fetchall()
        for row in rows:
            for column in table.columns:
                masked = mask_stored(row[column], phone)
                if masked != row[column]:
                    yield Found(table.table, table.key, row["row_key"], column, masked)


def mask_found(conn: Connection, found: list[Found]) -> None:
    """Write the masked texts back, in the caller's transaction."""
    for one in found:
        conn.execute(
            f"UPDATE {one.table} SET {one.column} = ? WHERE {one.key} = ?",
            (one.masked, one.key_value),
        )
