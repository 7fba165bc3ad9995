"""The stop link of an advertisement's recipient: found by its token, used once. Using it opts
the number out (the customer's own doing), withdraws its consent to marketing and stages the
note for the send's thread, in one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.core.consent import CUSTOMER, SOURCE_CUSTOMER
from bot.core.phones import is_masked
from bot.db import Database, Row
from bot.store.consents import withdraw_in
from bot.store.jobs import enqueue_sync
from bot.store.optouts import add_in
from bot.store.replies import stage_note

STOP_REASON = "stop link"  # the opt-out's reason on record, whatever the app's language


class Stopped(StrEnum):
    NOW = "now"
    BEFORE = "before"  # used already: nothing changes
    EXPIRED = "expired"  # the send was purged: its number is no longer known


@dataclass(frozen=True)
class StopLink:
    recipient_id: int
    send_id: str
    phone: str
    brandname: str
    stopped_at: float | None
    phone_digest: str | None = None  # erased: the digest its opt-out is recorded under

    @property
    def expired(self) -> bool:
        """Purged: the number is no longer known, in any form (an erased one keeps its
        digest, under which the customer can still refuse)."""
        return is_masked(self.phone) and not self.phone_digest

    @property
    def opt_out_key(self) -> str:
        return self.phone_digest if is_masked(self.phone) and self.phone_digest else self.phone


Note = Callable[[StopLink, float], tuple[str, list[dict[str, Any]]]]


def _link(row: Row) -> StopLink:
    return StopLink(
        row["id"],
        row["send_id"],
        row["phone"],
        row["brandname"] or "",
        row["stopped_at"],
        row["phone_digest"],
    )


_FIND = """SELECT r.id, r.send_id, r.phone, r.stopped_at, r.phone_digest, s.brandname
           FROM recipients r JOIN sends s ON s.id = r.send_id WHERE r.stop_token = ?"""


class StopLinks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, token: str) -> StopLink | None:
        row = self.db.fetch_one(_FIND, (token,))
        return _link(row) if row else None

    def use(self, token: str, note: Note) -> tuple[Stopped, StopLink, float] | None:
        """The customer asked to stop: what came of it, the link, and when it was used (now,
        or the first time); None for a token no recipient has."""
        now = time.time()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT id FROM recipients WHERE stop_token = ?" + self.db.row_lock, (token,)
            ).fetchone()
            if row is None:
                return None
            link = _link(conn.execute(_FIND, (token,)).fetchone())
            if link.stopped_at is not None:
                return Stopped.BEFORE, link, link.stopped_at
            if link.expired:
                return Stopped.EXPIRED, link, now
            conn.execute(
                "UPDATE recipients SET stopped_at = ? WHERE id = ?", (now, link.recipient_id)
            )
            number = link.opt_out_key
            if not add_in(conn, number, CUSTOMER, STOP_REASON, SOURCE_CUSTOMER):
                withdraw_in(conn, number, CUSTOMER, SOURCE_CUSTOMER, STOP_REASON)
            stage_note(conn, link.send_id, *note(link, now))
            enqueue_sync(conn, link.send_id)
        return Stopped.NOW, link, now
