"""The daily marketing cap: how many advertising messages each number was sent in the last
24 hours, counted so that processes sharing the database never let one too many through. An
erased number's recipients hold its keyed digest (`phone_digest`) instead of the number: they
still count, found by the digest of the number asked about."""

from __future__ import annotations

import hashlib
import time

from bot.core.delivery import State
from bot.core.privacy import digest
from bot.db import Database

# States a marketing message that took a slot of its number's daily cap gives it back in:
# eSMS never accepted it.
_UNCOUNTED = (State.REFUSED, State.CANCELLED, State.SKIPPED)


def lock_key(phone: str) -> str:
    """The number's lock row: a short digest, which outlives every purge of old sends (an
    erasure deletes it, being one more way to find the number)."""
    return hashlib.sha256(phone.encode()).hexdigest()[:24]


class MarketingCap:
    def __init__(self, db: Database, data_key: str | None = None) -> None:
        self.db = db
        self._lock = db.row_lock
        self._key = data_key  # DATA_KEY: an erased number's messages are counted by digest

    def _digest(self, phone: str) -> str | None:
        return digest(self._key, phone) if self._key else None

    def full(self, phones: list[str], cap: int, window: float) -> set[str]:
        """Which of these numbers already had `cap` marketing messages in the last `window`
        seconds (an estimate for a preview; `take_slot` decides)."""
        marks = ", ".join("?" for _ in _UNCOUNTED)
        since = time.time() - window
        rows = self.db.fetch_all(
            f"""SELECT phone FROM recipients WHERE counted_at > ? AND state NOT IN ({marks})
                GROUP BY phone HAVING COUNT(*) >= ?""",
            (since, *_UNCOUNTED, cap),
        )
        wanted = set(phones)
        full = {row["phone"] for row in rows if row["phone"] in wanted}
        if not self._key:
            return full
        # Erased numbers with messages in the window are few: each is counted whole, its
        # messages before the erasure (by digest) and after it (by number).
        erased = {
            row["phone_digest"]: row["n"]
            for row in self.db.fetch_all(
                f"""SELECT phone_digest, COUNT(*) AS n FROM recipients
                    WHERE phone_digest IS NOT NULL AND counted_at > ?
                      AND state NOT IN ({marks}) GROUP BY phone_digest""",
                (since, *_UNCOUNTED),
            )
        }
        for phone in wanted - full:
            if (earlier := erased.get(self._digest(phone))) is None:
                continue
            row = self.db.fetch_one(
                f"""SELECT COUNT(*) AS n FROM recipients WHERE phone = ? AND counted_at > ?
                    AND state NOT IN ({marks})""",
                (phone, since, *_UNCOUNTED),
            )
            if earlier + (row["n"] if row else 0) >= cap:
                full.add(phone)
        return full

    def take_slot(self, recipient_id: int, phone: str, cap: int, window: float) -> bool:
        """Count this marketing message against its number's cap: False when `cap` messages
        were already accepted (or are on their way) in the last `window` seconds. The number's
        lock makes the count and the claim one step for every process."""
        now = time.time()
        key = lock_key(phone)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO phone_locks (phone) VALUES (?) ON CONFLICT (phone) DO NOTHING", (key,)
            )
            conn.execute("SELECT phone FROM phone_locks WHERE phone = ?" + self._lock, (key,))
            row = conn.execute(
                "SELECT counted_at FROM recipients WHERE id = ?" + self._lock, (recipient_id,)
            ).fetchone()
            if row is None:
                return False
            counted_at = row["counted_at"]
            if counted_at is not None and counted_at > now - window:
                return True  # a retry of a message that holds its slot in this window
            # Counted when it leaves: a slot taken before the window (a campaign row paused
            # for a day) is no slot now, and the message competes for one again.
            # An erased number's earlier messages count too, by its digest ('' matches none).
            marks = ", ".join("?" for _ in _UNCOUNTED)
            taken = conn.execute(
                f"""SELECT COUNT(*) AS n FROM recipients
                    WHERE (phone = ? OR phone_digest = ?) AND counted_at > ?
                    AND state NOT IN ({marks}) AND id <> ?""",
                (phone, self._digest(phone) or "", now - window, *_UNCOUNTED, recipient_id),
            ).fetchone()["n"]
            if taken >= cap:
                return False
            conn.execute("UPDATE recipients SET counted_at = ? WHERE id = ?", (now, recipient_id))
            return True
