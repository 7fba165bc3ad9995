"""A thread's outcome replies: stored with the recipients they tell of before any is posted,
then posted in order, each once (its ts recorded), or refused for good (Slack's word kept)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.db import Connection, Database

PENDING, POSTED, REFUSED = "pending", "posted", "refused"


@dataclass(frozen=True)
class Reply:
    id: int
    send_id: str
    seq: int
    text: str
    blocks: list[dict[str, Any]]


def stage_note(conn: Connection, send_id: str, text: str, blocks: list[dict[str, Any]]) -> None:
    """One more reply for the thread, after those staged before it, in the caller's
    transaction (what a customer did, told in the send's thread)."""
    last = conn.execute(
        "SELECT COALESCE(MAX(seq), 0) AS seq FROM thread_replies WHERE send_id = ?", (send_id,)
    ).fetchone()["seq"]
    conn.execute(
        """INSERT INTO thread_replies (send_id, seq, text, blocks, state, created_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (send_id, last + 1, text, json.dumps(blocks), PENDING, time.time()),
    )


class Replies:
    def __init__(self, db: Database) -> None:
        self.db = db

    def stage(
        self,
        send_id: str,
        parts: Sequence[tuple[str, list[dict[str, Any]]]],
        reported: Mapping[int, str],
    ) -> None:
        """Store the parts to post and mark the recipients they tell as reported, together:
        after this the news is never lost nor told twice, whatever happens to the process."""
        now = time.time()
        with self.db.transaction() as conn:
            last = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) AS seq FROM thread_replies WHERE send_id = ?",
                (send_id,),
            ).fetchone()["seq"]
            conn.executemany(
                """INSERT INTO thread_replies (send_id, seq, text, blocks, state, created_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [
                    (send_id, last + number, text, json.dumps(blocks), PENDING, now)
                    for number, (text, blocks) in enumerate(parts, start=1)
                ],
            )
            conn.executemany(
                "UPDATE recipients SET reported_state = ? WHERE id = ?",
                [(state, recipient_id) for recipient_id, state in sorted(reported.items())],
            )

    def pending(self, send_id: str) -> list[Reply]:
        rows = self.db.fetch_all(
            """SELECT id, send_id, seq, text, blocks FROM thread_replies
               WHERE send_id = ? AND state = ? ORDER BY seq""",
            (send_id, PENDING),
        )
        return [
            Reply(row["id"], row["send_id"], row["seq"], row["text"], json.loads(row["blocks"]))
            for row in rows
        ]

    def mark_posted(self, reply_id: int, ts: str) -> None:
        """Posted: only where it is stays (what it said is in Slack now)."""
        self._finish(reply_id, POSTED, ts=ts)

    def mark_refused(self, reply_id: int, refusal: str) -> None:
        self._finish(reply_id, REFUSED, refusal=refusal)

    def _finish(self, reply_id: int, state: str, *, ts: str = "", refusal: str = "") -> None:
        with self.db.transaction() as conn:
            conn.execute(
                """UPDATE thread_replies SET state = ?, ts = ?, refusal = ?, text = NULL,
                       blocks = NULL, posted_at = ? WHERE id = ? AND state = ?""",
                (state, ts or None, refusal or None, time.time(), reply_id, PENDING),
            )

    def posted(self, send_id: str) -> list[dict[str, Any]]:
        """Every reply of a send in order, with its state, ts and any refusal."""
        rows = self.db.fetch_all(
            """SELECT seq, state, ts, refusal FROM thread_replies WHERE send_id = ?
               ORDER BY seq""",
            (send_id,),
        )
        return [dict(row) for row in rows]
