"""Consent to marketing on record: each number's as it stands, and every change to it (who,
when, which way, the evidence), kept for as long as the database lives. An opted-out number
has none: consent is refused for it, and the opt-out withdraws what it had."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core.consent import Consent
from bot.db import Connection, Database, Row
from bot.store.opted_out import opted_out_in

BATCH = 500  # numbers per look-up: never more parameters than a database takes
# A file carries a moment to the microsecond at best, and a float read back from it may differ
# from the one stored by less than that: closer than this, it is the same moment.
SAME_MOMENT = 0.001
GIVE, WITHDRAW = "give", "withdraw"
HISTORY_LIMIT = 20


class Given(StrEnum):
    RECORDED = "recorded"
    SAME = "same"  # the same consent was on record: nothing changed
    OPTED_OUT = "opted_out"  # refused: the number asked to be left alone


@dataclass(frozen=True)
class NewConsent:
    phone: str
    evidence: str
    given_at: float


class OptedOut(Exception):
    """Consent refused for these numbers, which opted out; nothing was recorded."""

    def __init__(self, phones: Sequence[str]) -> None:
        super().__init__(f"{len(phones)} opted-out numbers")
        self.phones = list(phones)


def _consent(row: Row) -> Consent:
    return Consent(
        row["phone"],
        row["given_at"],
        row["evidence"],
        row["source"],
        row["recorded_by"],
        row["recorded_at"],
    )


def _event(
    conn: Connection,
    phone: str,
    actor: str,
    action: str,
    source: str,
    evidence: str | None,
    given_at: float | None = None,
) -> None:
    conn.execute(
        """INSERT INTO consent_events (phone, at, actor, action, source, evidence, given_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (phone, time.time(), actor, action, source, evidence, given_at),
    )


def _give(conn: Connection, new: NewConsent, actor: str, source: str) -> bool:
    """Record it unless the same consent stands already; True when something changed."""
    found = conn.execute(
        "SELECT evidence, given_at FROM consents WHERE phone = ?", (new.phone,)
    ).fetchone()
    if (
        found is not None
        and found["evidence"] == new.evidence
        and abs(found["given_at"] - new.given_at) < SAME_MOMENT
    ):
        return False
    conn.execute("DELETE FROM consents WHERE phone = ?", (new.phone,))
    conn.execute(
        """INSERT INTO consents (phone, given_at, evidence, source, recorded_by, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (new.phone, new.given_at, new.evidence, source, actor, time.time()),
    )
    _event(conn, new.phone, actor, GIVE, source, new.evidence, new.given_at)
    return True


def withdraw_in(
    conn: Connection, phone: str, actor: str, source: str, reason: str | None = None
) -> bool:
    """Withdraw the number's consent in the caller's transaction (an opt-out's); True when it
    had one."""
    removed = conn.execute("DELETE FROM consents WHERE phone = ?", (phone,)).rowcount
    if removed:
        _event(conn, phone, actor, WITHDRAW, source, reason)
    return bool(removed)


class Consents:
    def __init__(self, db: Database, data_key: str | None = None) -> None:
        self.db = db
        self.key = data_key  # DATA_KEY: an erased, opted-out number is refused too

    def give(self, new: NewConsent, actor: str, source: str) -> Given:
        """Record a number's consent (replacing the one it had); refused for an opted-out
        number, checked in the same transaction."""
        try:
            added, _same = self.give_many([new], actor, source)
        except OptedOut:
            return Given.OPTED_OUT
        return Given.RECORDED if added else Given.SAME

    def give_many(self, entries: Sequence[NewConsent], actor: str, source: str) -> tuple[int, int]:
        """Record them all in one transaction: (recorded, the same already). Raises OptedOut,
        recording nothing, when any of the numbers opted out."""
        with self.db.transaction() as conn:
            if opted_out := opted_out_in(conn, [entry.phone for entry in entries], self.key):
                raise OptedOut(sorted(opted_out))
            added = sum(_give(conn, entry, actor, source) for entry in entries)
        return added, len(entries) - added

    def withdraw(self, phone: str, actor: str, source: str, reason: str | None = None) -> bool:
        with self.db.transaction() as conn:
            return withdraw_in(conn, phone, actor, source, reason)

    def get(self, phone: str) -> Consent | None:
        row = self.db.fetch_one("SELECT * FROM consents WHERE phone = ?", (phone,))
        return _consent(row) if row else None

    def among(self, phones: Iterable[str]) -> set[str]:
        """Which of these numbers have consent on record."""
        wanted = sorted(set(phones))
        found: set[str] = set()
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start : start + BATCH]
            marks = ", ".join("?" for _ in batch)
            rows = self.db.fetch_all(f"SELECT phone FROM consents WHERE phone IN ({marks})", batch)
            found.update(row["phone"] for row in rows)
        return found

    def lacking(self, phones: Sequence[str]) -> list[str]:
        """These numbers without consent on record, in their order."""
        found = self.among(phones)
        return [phone for phone in phones if phone not in found]

    def all(self) -> Iterator[Consent]:
        """Every consent on record, the oldest given first, read a batch at a time."""
        after: tuple[float, str] = (float("-inf"), "")
        while True:
            rows = self.db.fetch_all(
                """SELECT * FROM consents WHERE given_at > ? OR (given_at = ? AND phone > ?)
                   ORDER BY given_at, phone LIMIT ?""",
                (after[0], after[0], after[1], BATCH),
            )
            yield from map(_consent, rows)
            if len(rows) < BATCH:
                return
            after = (rows[-1]["given_at"], rows[-1]["phone"])

    def count(self) -> int:
        row = self.db.fetch_one("SELECT COUNT(*) AS n FROM consents")
        assert row is not None  # a count has its row
        return row["n"]

    def history(
        self, phone: str, limit: int = HISTORY_LIMIT
    ) -> tuple[list[dict[str, object]], int]:
        """The number's latest changes, oldest first, and how many there are in all."""
        rows = self.db.fetch_all(
            """SELECT at, actor, action, source, evidence, given_at FROM consent_events
               WHERE phone = ? ORDER BY id DESC LIMIT ?""",
            (phone, limit),
        )
        total = self.db.fetch_one(
            "SELECT COUNT(*) AS n FROM consent_events WHERE phone = ?", (phone,)
        )
        return [dict(row) for row in reversed(rows)], total["n"] if total else 0
