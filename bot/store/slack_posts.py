"""What the app posted to Slack: every message (a thread's parent, an approval request, an
outcome reply, a note, a direct message) and every file it shared, with its send, channel and
ts (or file id) and the text and blocks it carries now (an update is recorded on its message).

Recorded so that an erasure can edit exactly what was posted: it masks the number in the
stored text and blocks and marks the post `pending`; the edits are made, paced, by the jobs
that follow (`bot.jobs.post_edits`). A purge forgets the texts of its sends' posts."""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.written_forms import mask_stored, prefilter
from bot.db import Connection, Database, Row

PENDING, EDITED, UNREACHABLE = "pending", "edited", "unreachable"
MESSAGE, REPLY, FILE = "message", "reply", "file"
BATCH = 200  # posts edited per run of a job, and send ids per look-up


@dataclass(frozen=True)
class Post:
    id: int
    send_id: str | None
    channel: str
    ts: str | None
    file_id: str | None
    kind: str
    text: str | None
    blocks: list[dict[str, Any]] | None


def _post(row: Row) -> Post:
    blocks = json.loads(row["blocks"]) if row["blocks"] else None
    return Post(
        row["id"],
        row["send_id"],
        row["channel"],
        row["ts"],
        row["file_id"],
        row["kind"],
        row["text"],
        blocks,
    )


def _json(blocks: Any) -> str | None:
    if not blocks:
        return None
    if isinstance(blocks, str):  # a caller that serialised its blocks already
        return blocks
    return json.dumps(
        [block if isinstance(block, dict) else block.to_dict() for block in blocks],
        ensure_ascii=False,
    )


class SlackPosts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record_call(
        self,
        send_id: str | None,
        method: str,
        arguments: Mapping[str, Any],
        answer: Mapping[str, Any],
    ) -> None:
        """Record what a Web API call Slack took posted or changed (a message, an update of one,
        a file shared); any other call records nothing. The one way posts are recorded, for
        every caller (the jobs' `SlackCalls`, the listeners)."""
        now = time.time()
        text = arguments.get("text")
        if method == "chat_postMessage":
            channel = str(answer.get("channel") or arguments.get("channel") or "")
            kind = REPLY if arguments.get("thread_ts") else MESSAGE
            with self.db.transaction() as conn:
                conn.execute(
                    """INSERT INTO slack_posts (send_id, channel, ts, kind, text, blocks,
                           created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (channel, ts) DO NOTHING""",
                    (
                        send_id,
                        channel,
                        answer.get("ts"),
                        kind,
                        text,
                        _json(arguments.get("blocks")),
                        now,
                    ),
                )
        elif method == "chat_update":
            # A message posted before posts were recorded is known from its first update on. An
            # erasure's masked copy waiting for its edit stays as it is: an update drawn from the
            # rows before the erasure must not bring the number back into what the edit sends.
            with self.db.transaction() as conn:
                conn.execute(
                    """INSERT INTO slack_posts (send_id, channel, ts, kind, text, blocks,
                           created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (channel, ts) DO UPDATE SET text = excluded.text,
                           blocks = COALESCE(excluded.blocks, slack_posts.blocks)
                       WHERE slack_posts.edit_state IS NULL
                           OR slack_posts.edit_state <> 'pending'""",
                    (
                        send_id,
                        str(arguments.get("channel") or ""),
                        arguments.get("ts"),
                        MESSAGE,
                        text,
                        _json(arguments.get("blocks")),
                        now,
                    ),
                )
        elif method in ("files_upload_v2", "files_completeUploadExternal"):
            files = answer.get("files") or ([answer["file"]] if answer.get("file") else [])
            channel = str(arguments.get("channel") or arguments.get("channel_id") or "")
            named = ("filename", "title", "initial_comment")
            title = "\n".join(str(arguments[name]) for name in named if arguments.get(name))
            with self.db.transaction() as conn:
                for file in files:
                    conn.execute(
                        """INSERT INTO slack_posts (send_id, channel, file_id, kind, text,
                               created_at) VALUES (?, ?, ?, ?, ?, ?)""",
                        (send_id, channel, file.get("id"), FILE, title or None, now),
                    )

    def of_send(self, send_id: str) -> list[Post]:
        rows = self.db.fetch_all(
            "SELECT * FROM slack_posts WHERE send_id = ? ORDER BY id", (send_id,)
        )
        return [_post(row) for row in rows]

    def pending(self, send_id: str | None, erasure_id: int | None = None) -> list[Post]:
        """The posts still to edit (or, a file, to delete) of a send; without a send, those
        of the erasure that belong to none. The oldest first, a batch at most."""
        params: tuple[object, ...]
        if send_id is not None:
            where, params = "send_id = ?", (send_id,)
        else:
            where, params = "send_id IS NULL AND erasure_id = ?", (erasure_id,)
        rows = self.db.fetch_all(
            f"""SELECT * FROM slack_posts WHERE edit_state = ? AND {where}
                ORDER BY id LIMIT {BATCH}""",
            (PENDING, *params),
        )
        return [_post(row) for row in rows]

    def finish(self, post_id: int, state: str, note: str | None = None) -> None:
        """Edited (or deleted), or out of reach (`note`: Slack's word)."""
        with self.db.transaction() as conn:
            conn.execute(
                """UPDATE slack_posts SET edit_state = ?, edit_note = ?, edited_at = ?
                   WHERE id = ? AND edit_state = ?""",
                (state, note, time.time(), post_id, PENDING),
            )

    def give_up(self, send_id: str | None, erasure_id: int | None, note: str) -> None:
        """Whatever is still pending there is out of reach now (its job gave up)."""
        for post in self.pending(send_id, erasure_id):
            self.finish(post.id, UNREACHABLE, note)

    def tally(self, erasure_id: int) -> dict[str, int]:
        """How many of an erasure's posts are in each edit state."""
        rows = self.db.fetch_all(
            """SELECT edit_state, kind, COUNT(*) AS n FROM slack_posts WHERE erasure_id = ?
               GROUP BY edit_state, kind""",
            (erasure_id,),
        )
        counts: dict[str, int] = {}
        for row in rows:
            name = f"{row['edit_state']}_files" if row["kind"] == FILE else row["edit_state"]
            counts[name] = counts.get(name, 0) + row["n"]
        return counts


def mark_for_erasure(
    conn: Connection, phone: str, send_ids: Collection[str], erasure_id: int
) -> set[str | None]:
    """In the erasure's transaction: every post holding a written form of `phone` (those of
    its sends, and any other) gets the number masked in its stored text and blocks, and is
    marked for editing; the files of its sends are marked for deletion (a file cannot be
    edited). The send ids (None: posts of no send) whose posts wait for an edit."""
    rows: dict[int, Row] = {}
    ids = sorted(send_ids)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        marks = ", ".join("?" for _ in batch)
        for row in conn.execute(
            f"SELECT * FROM slack_posts WHERE send_id IN ({marks})", batch
        ).fetchall():
            rows[row["id"]] = row
    ascii_digits, wide_digits = prefilter(phone)
    for row in conn.execute(
        """SELECT * FROM slack_posts WHERE text LIKE ? OR text LIKE ? OR blocks LIKE ?
               OR blocks LIKE ?""",
        (ascii_digits, wide_digits, ascii_digits, wide_digits),
    ).fetchall():
        rows[row["id"]] = row
    waiting: set[str | None] = set()
    for row in rows.values():
        text, blocks = mask_stored(row["text"], phone), mask_stored(row["blocks"], phone)
        a_file = row["kind"] == FILE and row["send_id"] in send_ids
        if a_file and row["edit_state"] in (EDITED, UNREACHABLE):
            continue  # deleted by an earlier erasure (or out of reach already)
        if not a_file and (text, blocks) == (row["text"], row["blocks"]):
            continue
        conn.execute(
            """UPDATE slack_posts SET text = ?, blocks = ?, edit_state = ?, erasure_id = ?,
                   edit_note = NULL WHERE id = ?""",
            (text, blocks, PENDING, erasure_id, row["id"]),
        )
        waiting.add(row["send_id"])
    return waiting


def unrecorded(conn: Connection, send_ids: Collection[str]) -> int:
    """How many of these sends were posted to Slack before posts were recorded: the app cannot
    find their messages to edit them."""
    count = 0
    ids = sorted(send_ids)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        marks = ", ".join("?" for _ in batch)
        row = conn.execute(
            f"""SELECT COUNT(*) AS n FROM sends s WHERE s.id IN ({marks})
                  AND s.parent_ts IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM slack_posts p WHERE p.send_id = s.id)""",
            batch,
        ).fetchone()
        count += row["n"]
    return count


def forget_texts_in(conn: Connection, send_id: str) -> None:
    """A purged send's posts keep where they are, not what they said."""
    conn.execute("UPDATE slack_posts SET text = NULL, blocks = NULL WHERE send_id = ?", (send_id,))
