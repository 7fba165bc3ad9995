"""Opt-outs: the numbers that asked to be left alone, and every change to that list (who,
when, why), kept for as long as the database lives. Joining the list withdraws the number's
consent to marketing, in the same transaction. An erased number stays on it as its keyed
digest: every look-up here finds it by the number too, given DATA_KEY (`opted_out`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from bot.core.consent import SOURCE_OPT_OUT
from bot.core.model import OptOut
from bot.db import Connection, Database, Row
from bot.store.consents import withdraw_in
from bot.store.opted_out import looked_up_as, opted_out_in, opted_out_of


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
    key: str | None = None,
) -> bool:
    """Add the number in the caller's transaction, withdrawing its consent (`source`: how the
    withdrawal came, for its record); True when it was not on the list (neither as itself nor,
    erased, as its digest under `key`)."""
    if key and opted_out_in(conn, [phone], key):
        return False
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
    def __init__(self, db: Database, data_key: str | None = None) -> None:
        self.db = db
        self.key = data_key  # DATA_KEY: an erased number is found by its digest too

    def add(self, phone: str, actor: str, reason: str | None = None) -> OptOut | None:
        """Add a number (normalised); None when it was already on the list, which stays as it
        was (the first refusal's date and reason are the ones that count)."""
        with self.db.transaction() as conn:
            if not add_in(conn, phone, actor, reason, key=self.key):
                return None
        return self.get(phone)

    def add_many(self, entries: Sequence[tuple[str, str | None]], actor: str) -> int:
        """Add (phone, reason) pairs in one transaction; returns how many were new."""
        with self.db.transaction() as conn:
            return sum(
                add_in(conn, phone, actor, reason, key=self.key) for phone, reason in entries
            )

    def remove(self, phone: str, actor: str, reason: str | None = None) -> bool:
        """Take the number off the list, and its digest if it was erased: the admin who types
        it means the customer, whichever way the list holds them."""
        with self.db.transaction() as conn:
            removed = 0
            for value in looked_up_as([phone], self.key):
                if conn.execute("DELETE FROM opt_outs WHERE phone = ?", (value,)).rowcount:
                    removed += 1
                    _record(conn, value, actor, "remove", reason)
        return bool(removed)

    def get(self, phone: str) -> OptOut | None:
        return self.among([phone]).get(phone)

    def among(self, phones: Iterable[str]) -> dict[str, OptOut]:
        """Which of these numbers opted out, each under the number looked up."""
        wanted = sorted(set(phones))
        if not wanted:
            return {}
        found = opted_out_of(self.db, wanted, self.key)
        return {phone: _opt_out({**row, "phone": phone}) for phone, row in found.items()}

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
