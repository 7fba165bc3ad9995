"""Which numbers are on the opt-out list: the one look-up every opt-out check makes (the
list's own, a new send's, consent's). An erased number stays on the list as its keyed digest
(`bot.core.privacy.digest`), so each number looked up is looked for as itself and, when
DATA_KEY is set, as its digest: an opted-out customer who asked to be forgotten is still
never messaged."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.core.privacy import digest
from bot.db import Connection, Database, Row

BATCH = 400  # numbers per look-up, each with its digest: fewer parameters than a database takes


def looked_up_as(phones: Iterable[str], key: str | None) -> dict[str, str]:
    """What `opt_outs.phone` may hold for each number (the number, its digest), mapped back to
    the number looked up."""
    values: dict[str, str] = {}
    for phone in phones:
        values[phone] = phone
        if key:
            values[digest(key, phone)] = phone
    return values


def opted_out_in(conn: Connection, phones: Sequence[str], key: str | None) -> dict[str, Row]:
    """The opt-out rows of these numbers, by the number looked up, in the caller's
    transaction."""
    return _opted_out(lambda sql, params: conn.execute(sql, params).fetchall(), phones, key)


def opted_out_of(db: Database, phones: Sequence[str], key: str | None) -> dict[str, Row]:
    """The same, read outside any transaction."""
    return _opted_out(db.fetch_all, phones, key)


def _opted_out(
    fetch: Callable[[str, Sequence[Any]], list[Row]], phones: Sequence[str], key: str | None
) -> dict[str, Row]:
    wanted = sorted(set(phones))
    found: dict[str, Row] = {}
    for start in range(0, len(wanted), BATCH):
        values = looked_up_as(wanted[start : start + BATCH], key)
        marks = ", ".join("?" for _ in values)
        rows = fetch(f"SELECT * FROM opt_outs WHERE phone IN ({marks})", list(values))
        for row in rows:
            found.setdefault(values[row["phone"]], row)
    return found
