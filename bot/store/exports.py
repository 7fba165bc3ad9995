"""Exports: every recipient of the sends made in a time range, read a batch at a time.

Read-only. Each batch is one keyset page in time order, `(sends.created_at, sends.id,
recipients.id)`, within a keyset page of sends, so a range of any size is read in bounded
memory and every row exactly once, even while new sends arrive; a send's SMS fallback rows
follow its Viber rows (their ids are larger).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from bot.db import Database, Row

BATCH_SIZE = 2000

# Named for the export (and the access file, `bot/store/held.py`): the send's columns and the
# recipient's, with no name used twice.
RECORD_COLUMNS = """r.id AS recipient_id, r.send_id, s.created_at, s.user_id, s.channel_id,
    r.channel, r.fallback_for, r.phone, s.brandname, s.category, s.test_send, s.campaign,
    s.text AS send_text, s.image_url AS send_image_url, s.button_label AS send_button_label,
    s.button_url AS send_button_url, s.sms_text, r.row_number, r.text AS row_text,
    r.image_url AS row_image_url, r.button_label AS row_button_label,
    r.button_url AS row_button_url, r.state, r.error_code, r.error_detail, r.sms_id,
    r.telco_id, r.price, r.submitted_at, r.updated_at, s.approval, s.approval_expires_at,
    s.decided_by, s.decided_at, s.decision_reason, s.purged_at"""


class Exports:
    def __init__(self, db: Database) -> None:
        self.db = db

    def batches(
        self,
        start: float,
        end: float,
        phone: str | None = None,
        *,
        channel_id: str | None = None,
        size: int = BATCH_SIZE,
    ) -> Iterator[list[Row]]:
        """The recipients of the sends created in [start, end) (to `phone` only, from the Slack
        channel `channel_id` only, if given), in time order, `size` at a time."""
        if size < 1:
            raise ValueError("a batch holds at least one row")
        in_range = "s.created_at >= ? AND s.created_at < ?"
        bounds: tuple[object, ...] = (start, end)
        if channel_id is not None:
            in_range += " AND s.channel_id = ?"
            bounds += (channel_id,)
        if phone is not None:  # the phone's index finds its few rows
            yield from self._pages(f"{in_range} AND r.phone = ?", (*bounds, phone), size)
            return
        # One query over the whole range would sort all of it for every batch; a page of sends
        # (the created_at index) then their recipients through the send_id index keeps each
        # batch's work to its own rows.
        after: tuple[object, ...] = ()
        while True:
            keyset = " AND (s.created_at, s.id) > (?, ?)" if after else ""
            sends = self.db.fetch_all(
                f"""SELECT s.id, s.created_at FROM sends s WHERE {in_range}{keyset}
                    ORDER BY s.created_at, s.id LIMIT ?""",
                (*bounds, *after, size),
            )
            if sends:
                ids = tuple(row["id"] for row in sends)
                marks = ", ".join("?" for _ in ids)
                yield from self._pages(f"r.send_id IN ({marks})", ids, size)
            if len(sends) < size:
                return
            after = (sends[-1]["created_at"], sends[-1]["id"])

    def _pages(self, where: str, params: tuple[object, ...], size: int) -> Iterator[list[Row]]:
        """The rows `where` selects, a keyset page of `size` at a time, in time order."""
        after: tuple[object, ...] = ()
        while True:
            keyset = " AND (s.created_at, s.id, r.id) > (?, ?, ?)" if after else ""
            rows = self.db.fetch_all(
                f"""SELECT {RECORD_COLUMNS} FROM recipients r JOIN sends s ON s.id = r.send_id
                    WHERE {where}{keyset}
                    ORDER BY s.created_at, s.id, r.id LIMIT ?""",
                (*params, *after, size),
            )
            if rows:
                yield rows
            if len(rows) < size:
                return
            last = rows[-1]
            after = (last["created_at"], last["send_id"], last["recipient_id"])

    def trails(self, send_ids: Collection[str]) -> dict[str, list[Row]]:
        """Every approval event of these sends (at, actor, action, reason), oldest first."""
        trails: dict[str, list[Row]] = {send_id: [] for send_id in send_ids}
        if not trails:
            return trails
        marks = ", ".join("?" for _ in trails)
        rows = self.db.fetch_all(
            f"""SELECT send_id, at, actor, action, reason FROM approval_events
                WHERE send_id IN ({marks}) ORDER BY send_id, id""",
            tuple(trails),
        )
        for row in rows:
            trails[row["send_id"]].append(row)
        return trails
