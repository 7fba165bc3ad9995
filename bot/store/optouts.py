"""Opt-outs: the numbers that asked to be left alone, and every change to that list (who,
when, why), kept for as long as the database lives. Joining the list withdraws the number's
consent to marketing, in the same transaction."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from bot.core.consent import SOURCE_OPT_OUT
from bot.core.model import OptOut
from bot.db import Connection, Database, Row
from bot.store.consents import withdraw_in


def _opt_out(row: Row) -> OptOut:
    return OptOut(row["phone"], row["added_at"], row["added_by"], row["reason"])


def _record(conn: Connection, phone: str, actor: str, action: str, reason: str | None) -> None:
    conn.execute(
        "INSERT INTO opt_out_events (phone, at, actor, action, reason) VALUES (?, ?, ?, ?, ?)",
        (phone, time.time(), actor, action, reason),
    )


def add_in(
    conn: Connection,
    phone: str,
    actor: str,
    reason: str | None,
    source: str = SOURCE_OPT_OUT,
) -> bool:
    """Add the number in the caller's transaction, withdrawing its consent (`source`: how the
    withdrawal came, for its record); True when it was not on the list."""
    added = conn.execute(
        """INSERT INTO opt_outs (phone, added_at, added_by, reason) VALUES (?, ?, ?, ?)
           ON CONFLICT (phone) DO NOTHING""",
        (phone, time.time(), actor, reason),
    ).rowcount
    if added:
        _record(conn, phone, actor, "add", reason)
        withdraw_in(conn, phone, actor, source, reason)
    return bool(added)


class OptOuts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, phone: str, actor: str, reason: str | None = None) -> OptOut | None:
        """Add a number (normalised); None when it was already on the list, which stays as it
        was (the first refusal's date and reason are the ones that count)."""
        with self.db.transaction() as conn:
            if not add_in(conn, phone, actor, reason):
                return None
        return self.get(phone)

    def add_many(self, entries: Sequence[tuple[str, str | None]], actor: str) -> int:
        """Add (phone, reason) pairs in one transaction; returns how many were new."""
        with self.db.transaction() as conn:
            return sum(add_in(conn, phone, actor, reason) for phone, reason in entries)

    def remove(self, phone: str, actor: str, reason: str | None = None) -> bool:
        with self.db.transaction() as conn:
            removed = conn.execute("DELETE FROM opt_outs WHERE phone = ?", (phone,)).rowcount
            if removed:
                _record(conn, phone, actor, "remove", reason)
        return bool(removed)

    def get(self, phone: str) -> OptOut | None:
        row = self.db.fetch_one("SELECT * FROM opt_outs WHERE phone = ?", (phone,))
        return _opt_out(row) if row else None

    def among(self, phones: Iterable[str]) -> dict[str, OptOut]:
        """Which of these numbers opted out."""
        wanted = sorted(set(phones))
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        rows = self.db.fetch_all(f"SELECT * FROM opt_outs WHERE phone IN ({marks})", wanted)
        return {row["phone"]: _opt_out(row) for row in rows}

    def all(self, limit: int | None = None, offset: int = 0) -> list[OptOut]:
        """The latest first; `limit` of them from the `offset`-th when given."""
        sql = "SELECT * FROM opt_outs ORDER BY added_at DESC, phone"
        if limit:
            rows = self.db.fetch_all(sql + " LIMIT ? OFFSET ?", (limit, offset))
        else:
            rows = self.db.fetch_all(sql)
        return [_opt_out(row) for row in rows]

    def count(self) -> int:
        row = self.db.fetch_one("SELECT COUNT(*) AS n FROM opt_outs")
        assert row is not None  # a count has its row
        return row["n"]

    def history(self, phone: str) -> list[dict[str, object]]:
        rows = self.db.fetch_all(
            "SELECT at, actor, action, reason FROM opt_out_events WHERE phone = ? ORDER BY id",
            (phone,),
        )
        return [dict(row) for row in rows]
