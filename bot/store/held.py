"""What the database holds about one number, for its access request: read-only, a batch at a
time, every list bounded by its caller.

A number is looked up in the form the store keeps (`normalize_phone`'s) and, when DATA_KEY is
set, as its keyed digest too, where an erasure leaves it. eSMS's unmatched callbacks name no
recipient: their raw query is searched for the number's digits first (in the database), then
parsed to make sure it is the number's `phonenumber`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from urllib.parse import parse_qsl

from bot.core.phones import normalize_phone
from bot.db import Database, Row
from bot.store.exports import RECORD_COLUMNS

BATCH = 500  # rows per read, and never more parameters than a database takes
# What the access file adds to an export's columns: what eSMS said, why an SMS stood in, the
# stop link's use, the campaign row's values, where the thread is.
_MORE = """r.esms_send_status, r.fallback_reason, r.stopped_at, r.row_values, r.counted_at,
    s.parent_ts, s.scheduled_at, s.cancelled_by, s.cancelled_at"""
_STATUS = "id, recipient_id, received_at, sms_id, request_id, outcome, query"
_MATCHED = "('applied', 'no_change')"  # outcomes of a callback that named a recipient


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


class Held:
    def __init__(self, db: Database) -> None:
        self.db = db

    def recipients(self, forms: Sequence[str], size: int = BATCH) -> Iterator[list[Row]]:
        """Every message to the number (Viber and SMS alike) with its send's columns, oldest
        first, `size` at a time."""
        after = 0
        while True:
            rows = self.db.fetch_all(
                f"""SELECT {RECORD_COLUMNS}, {_MORE}
                    FROM recipients r JOIN sends s ON s.id = r.send_id
                    WHERE r.phone IN ({_marks(forms)}) AND r.id > ?
                    ORDER BY r.id LIMIT ?""",
                (*forms, after, size),
            )
            if rows:
                yield rows
            if len(rows) < size:
                return
            after = int(rows[-1]["recipient_id"])

    def totals(self, forms: Sequence[str]) -> Row:
        """How many messages went to the number and what they cost, whatever the file shows."""
        row = self.db.fetch_one(
            f"""SELECT COUNT(*) AS messages, COUNT(price) AS priced,
                    COALESCE(SUM(price), 0) AS cost
                FROM recipients WHERE phone IN ({_marks(forms)})""",
            tuple(forms),
        )
        assert row is not None  # an aggregate always answers
        return row

    def statuses(self, recipients: Sequence[Row], limit: int) -> list[Row]:
        """The callbacks applied to these recipients, raw query included, in arrival order, at
        most `limit`. Looked up by SMSID (the callbacks' index), then those that came without
        one."""
        ids = [row["recipient_id"] for row in recipients]
        if not ids or limit < 1:
            return []
        sms_ids = sorted({row["sms_id"] for row in recipients if row["sms_id"]})
        found: list[Row] = []
        if sms_ids:
            found += self.db.fetch_all(
                f"""SELECT {_STATUS} FROM callbacks
                    WHERE outcome IN {_MATCHED} AND sms_id IN ({_marks(sms_ids)})
                      AND recipient_id IN ({_marks(ids)}) ORDER BY id LIMIT ?""",
                (*sms_ids, *ids, limit),
            )
        found += self.db.fetch_all(
            f"""SELECT {_STATUS} FROM callbacks
                WHERE outcome IN {_MATCHED} AND sms_id IS NULL AND recipient_id IN ({_marks(ids)})
                ORDER BY id LIMIT ?""",
            (*ids, limit),
        )
        return sorted(found, key=lambda row: int(row["id"]))[:limit]

    def unmatched(self, phone: str, size: int = BATCH) -> Iterator[list[Row]]:
        """The unmatched callbacks whose query names the number, oldest first, a batch of
        candidates at a time (a batch may come back empty)."""
        digits = f"%{phone[1:]}%"  # the national digits, in any written form of the number
        after = 0
        while True:
            rows = self.db.fetch_all(
                f"""SELECT {_STATUS} FROM callbacks
                    WHERE outcome = 'unmatched' AND query LIKE ? AND id > ?
                    ORDER BY id LIMIT ?""",
                (digits, after, size),
            )
            yield [row for row in rows if query_phone(row["query"]) == phone]
            if len(rows) < size:
                return
            after = int(rows[-1]["id"])

    def opt_out(self, forms: Sequence[str]) -> Row | None:
        return self.db.fetch_one(
            f"SELECT * FROM opt_outs WHERE phone IN ({_marks(forms)})", tuple(forms)
        )

    def consent(self, forms: Sequence[str]) -> Row | None:
        return self.db.fetch_one(
            f"SELECT * FROM consents WHERE phone IN ({_marks(forms)})", tuple(forms)
        )

    def events(self, table: str, forms: Sequence[str], limit: int) -> tuple[list[Row], int]:
        """The oldest `limit` changes (`opt_out_events` or `consent_events`), and how many
        there are in all."""
        if table not in ("opt_out_events", "consent_events"):
            raise ValueError(f"not a history: {table}")
        marks = _marks(forms)
        rows = self.db.fetch_all(
            f"SELECT * FROM {table} WHERE phone IN ({marks}) ORDER BY id LIMIT ?",
            (*forms, limit),
        )
        total = self.db.fetch_one(
            f"SELECT COUNT(*) AS n FROM {table} WHERE phone IN ({marks})", tuple(forms)
        )
        return rows, int(total["n"]) if total else len(rows)


def query_phone(query: str | None) -> str | None:
    """The number a callback's raw query names (`phonenumber`), normalised; None when it names
    none or cannot be read. Never raises: a stored query is whatever eSMS (or anyone) sent."""
    if not query:
        return None
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=40)
    except ValueError:
        return None
    for key, value in pairs:
        if key == "phonenumber":
            return normalize_phone(value)
    return None
