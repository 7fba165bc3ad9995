"""Deliveries: what eSMS said of each recipient (its answer to the submission, callbacks,
polled statuses), merged so a recipient's state only moves forward; the raw callbacks are kept.

Each delivery status is merged in one transaction with the recipient's row locked
(PostgreSQL), so statuses arriving together on several processes never go back.
"""

from __future__ import annotations

import time

from bot.core import fallback
from bot.core.callback import parse_callback, without_phone
from bot.core.delivery import State, is_final, merge, state_for_status
from bot.core.model import Callback, CallbackOutcome, Recipient
from bot.db import Connection, Database, Row
from bot.store.fallbacks import queue_fallback
from bot.store.jobs import enqueue_sync
from bot.store.rows import recipient_from


def _recipient_row(conn: Connection, recipient_id: int, lock: str) -> Row | None:
    return conn.execute("SELECT * FROM recipients WHERE id = ?" + lock, (recipient_id,)).fetchone()


def _outcome(row: Row | None, changed: bool) -> str:
    """What a callback did, as the callbacks table records it."""
    if row is None:
        return "unmatched"
    return "applied" if changed else "no_change"


def _match_and_merge(conn: Connection, callback: Callback, lock: str) -> tuple[Row | None, bool]:
    """The recipient a callback names (locked), and whether its delivery status moved it."""
    row = None
    if callback.sms_id:
        row = conn.execute(
            "SELECT * FROM recipients WHERE sms_id = ? ORDER BY id LIMIT 1" + lock,
            (callback.sms_id,),
        ).fetchone()
    if row is None and callback.request_id:
        row = conn.execute(
            "SELECT * FROM recipients WHERE request_id = ?" + lock, (callback.request_id,)
        ).fetchone()
    if row is None:
        return None, False
    changed = _merge_status(
        conn,
        row,
        callback.send_status,
        callback.success,
        callback.failed,
        sms_id=callback.sms_id,
        telco_id=callback.telco_id,
        price=callback.total_price,
    )
    return row, changed


def _merge_status(
    conn: Connection,
    row: Row,
    send_status: int,
    success: int | None,
    failed: int | None,
    *,
    sms_id: str | None = None,
    telco_id: int | None = None,
    price: float | None = None,
) -> bool:
    """Merge one eSMS delivery status (callback or poll) into a recipient; True when it moved."""
    new_state = merge(row["state"], state_for_status(send_status, success, failed))
    if new_state == row["state"]:
        return False
    conn.execute(
        """UPDATE recipients SET state = ?, esms_send_status = ?, sms_id = COALESCE(sms_id, ?),
               telco_id = COALESCE(?, telco_id), price = COALESCE(?, price), updated_at = ?
           WHERE id = ?""",
        (new_state, send_status, sms_id, telco_id, price, time.time(), row["id"]),
    )
    if fallback.needs_fallback(new_state):
        queue_fallback(conn, row, fallback.FAILED)
    enqueue_sync(conn, row["send_id"], progress=not is_final(new_state))
    return True


def _replay_orphan(conn: Connection, callback_id: int, raw_query: str, lock: str) -> None:
    # Parsed again: the raw query is what the callbacks table keeps.
    row, changed = _match_and_merge(conn, parse_callback(raw_query), lock)
    if row is not None:
        conn.execute(
            "UPDATE callbacks SET recipient_id = ?, outcome = ? WHERE id = ?",
            (row["id"], _outcome(row, changed), callback_id),
        )


class Deliveries:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = db.row_lock

    def record_submission(
        self,
        recipient_id: int,
        state: State,
        *,
        sms_id: str | None = None,
        error_code: int | None = None,
        error_detail: str | None = None,
    ) -> None:
        """Store what eSMS answered to a submit, then replay callbacks that came before it."""
        with self.db.transaction() as conn:
            row = _recipient_row(conn, recipient_id, self._lock)
            if row is None:
                return
            new_state = merge(row["state"], state)
            now = time.time()
            conn.execute(
                """UPDATE recipients SET state = ?, sms_id = COALESCE(sms_id, ?), error_code = ?,
                       error_detail = ?, updated_at = ?, submitted_at = COALESCE(submitted_at, ?)
                   WHERE id = ?""",
                (new_state, sms_id, error_code, error_detail, now, now, recipient_id),
            )
            if new_state == State.REFUSED and fallback.needs_fallback(new_state, error_code):
                queue_fallback(conn, row, fallback.FAILED)
            if sms_id:
                orphans = conn.execute(
                    "SELECT id, query FROM callbacks WHERE outcome = 'unmatched' AND sms_id = ?",
                    (sms_id,),
                ).fetchall()
                for orphan in orphans:
                    _replay_orphan(conn, orphan["id"], orphan["query"], self._lock)
            enqueue_sync(conn, row["send_id"])

    def apply_callback(self, callback: Callback, raw_query: str) -> CallbackOutcome:
        """Store the raw callback and merge its status into the recipient it names."""
        with self.db.transaction() as conn:
            row, changed = _match_and_merge(conn, callback, self._lock)
            if row is not None and row["phone_digest"] is not None:
                raw_query = without_phone(raw_query)  # its number was erased: not kept again
            conn.execute(
                """INSERT INTO callbacks (received_at, sms_id, request_id, query, outcome,
                       recipient_id) VALUES (?, ?, ?, ?, ?, ?)""",
                (
                    time.time(),
                    callback.sms_id,
                    callback.request_id,
                    raw_query,
                    _outcome(row, changed),
                    row and row["id"],
                ),
            )
        if row is None:
            return CallbackOutcome(matched=False, changed=False)
        return CallbackOutcome(matched=True, changed=changed, send_id=row["send_id"])

    def to_reconcile(
        self, *, settled_before: float, polled_before: float, limit: int
    ) -> list[Recipient]:
        """Recipients eSMS has not settled, quiet since `settled_before`, least recently polled
        first. Test sends are left out: eSMS never gives their status."""
        # A row being submitted is its submit job's: that job settles it, whatever happens.
        mine = (State.QUEUED, State.SUBMITTING)
        waiting = [state.value for state in State if not is_final(state) and state not in mine]
        marks = ", ".join("?" for _ in waiting)
        rows = self.db.fetch_all(
            f"""SELECT r.* FROM recipients r JOIN sends s ON s.id = r.send_id
                WHERE r.state IN ({marks}) AND s.test_send = 0 AND r.updated_at < ?
                  AND (r.last_polled_at IS NULL OR r.last_polled_at < ?)
                ORDER BY COALESCE(r.last_polled_at, 0), r.id LIMIT ?""",
            (*waiting, settled_before, polled_before, limit),
        )
        return [recipient_from(row) for row in rows]

    def apply_status(
        self, recipient_id: int, send_status: int, success: int | None, failed: int | None
    ) -> bool:
        """Merge a polled status exactly as a callback would be merged."""
        with self.db.transaction() as conn:
            row = _recipient_row(conn, recipient_id, self._lock)
            return row is not None and _merge_status(conn, row, send_status, success, failed)

    def mark_polled(self, recipient_id: int, at: float) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE recipients SET last_polled_at = ? WHERE id = ?", (at, recipient_id)
            )

    def settle_unavailable(self, recipient_id: int) -> None:
        """eSMS no longer answers for this recipient (7 days): say so, and stop asking."""
        with self.db.transaction() as conn:
            row = _recipient_row(conn, recipient_id, self._lock)
            if row is None or is_final(row["state"]):
                return
            conn.execute(
                "UPDATE recipients SET state = ?, updated_at = ? WHERE id = ?",
                (State.UNAVAILABLE, time.time(), recipient_id),
            )
            enqueue_sync(conn, row["send_id"])

    def start_submitting(self, recipient_id: int) -> bool:
        """The row leaves for eSMS: committed before the call, so that a Cancel either came
        first (False: nothing to send) or leaves the row to eSMS's answer."""
        with self.db.transaction() as conn:
            return bool(
                conn.execute(
                    "UPDATE recipients SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
                    (State.SUBMITTING, time.time(), recipient_id, State.QUEUED),
                ).rowcount
            )

    def back_to_queued(self, recipient_id: int) -> None:
        """eSMS took nothing (160, 103): the row waits again, and a Cancel holds for it."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE recipients SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
                (State.QUEUED, time.time(), recipient_id, State.SUBMITTING),
            )

    def skip(self, recipient_id: int, detail: str) -> bool:
        """Never send to this recipient (opted out, over the cap); False if it moved already."""
        with self.db.transaction() as conn:
            skipped = conn.execute(
                """UPDATE recipients SET state = ?, error_detail = ?, updated_at = ?
                   WHERE id = ? AND state = ?""",
                (State.SKIPPED, detail, time.time(), recipient_id, State.QUEUED),
            ).rowcount
            if skipped:
                row = _recipient_row(conn, recipient_id, "")
                assert row is not None  # just updated, in this transaction
                enqueue_sync(conn, row["send_id"])
        return bool(skipped)

    def average_price(self, sample: int = 200) -> float | None:
        """What a delivered Viber message cost lately, for a campaign's estimate."""
        row = self.db.fetch_one(
            """SELECT AVG(price) AS price FROM (SELECT price FROM recipients
                   WHERE channel = 'viber' AND state = 'delivered' AND price > 0
                   ORDER BY id DESC LIMIT ?) recent""",
            (sample,),
        )
        return float(row["price"]) if row and row["price"] is not None else None

    def sms_id_taken(self, sms_id: str) -> bool:
        found = self.db.fetch_one("SELECT 1 FROM recipients WHERE sms_id = ? LIMIT 1", (sms_id,))
        return found is not None

    def count_callbacks(self, outcome: str | None = None) -> int:
        sql = "SELECT COUNT(*) AS n FROM callbacks"
        args: tuple[str, ...] = ()
        if outcome:
            sql, args = sql + " WHERE outcome = ?", (outcome,)
        row = self.db.fetch_one(sql, args)
        assert row is not None  # a count has its row
        return row["n"]
