"""Pictures the app hosts for Viber: stored once per upload (its content and the size asked
for), found by an unguessable token, kept while a send that keeps its content refers to it."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from bot.core.delivery import State
from bot.core.images import PreparedImage
from bot.core.model import Approval
from bot.db import Connection, Database, Row

# At least 128 bits, as the URL is the only thing that keeps a picture from strangers.
TOKEN_BYTES = 18
RELEASE_BATCH = 100


@dataclass(frozen=True)
class HostedImage:
    token: str
    content_type: str
    extension: str
    data: bytes
    first_frame_only: bool

    @property
    def file_name(self) -> str:
        return f"{self.token}.{self.extension}"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class Images:
    def __init__(self, db: Database) -> None:
        self.db = db

    def host(
        self, send_id: str, source_key: str, prepared: PreparedImage, public_url: str
    ) -> HostedImage:
        """The send's image from this upload: the one already stored, or `prepared`, stored now
        (two processes storing the same upload at once keep one), and the send pointed at it in
        the same transaction, so that no clean-up can take it in between."""
        with self.db.transaction() as conn:
            conn.execute(
                """INSERT INTO images (token, source_key, content_type, extension, data, width,
                       height, first_frame_only, created_at)
                   SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
                   WHERE NOT EXISTS (SELECT 1 FROM images WHERE source_key = ?)""",
                (
                    new_token(),
                    source_key,
                    prepared.content_type,
                    prepared.extension,
                    prepared.data,
                    prepared.width,
                    prepared.height,
                    int(prepared.first_frame_only),
                    time.time(),
                    source_key,
                ),
            )
            row = conn.execute(
                """SELECT token, content_type, extension, data, first_frame_only FROM images
                   WHERE source_key = ?""",
                (source_key,),
            ).fetchone()
            assert row is not None  # stored above, or by another process before
            hosted = _hosted(row)
            _attach(conn, send_id, hosted, public_url)
        return hosted

    def attach(self, send_id: str, hosted: HostedImage, public_url: str) -> None:
        """Point the send at an image stored before (the same upload, sent again)."""
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM images WHERE token = ?", (hosted.token,)).fetchone():
                _attach(conn, send_id, hosted, public_url)

    def stored(self, source_key: str) -> HostedImage | None:
        """The image already made from this upload, if any: no need to download it again."""
        row = self.db.fetch_one(
            """SELECT token, content_type, extension, data, first_frame_only FROM images
               WHERE source_key = ?""",
            (source_key,),
        )
        return _hosted(row) if row else None

    def refuse(self, send_id: str, problem: str) -> None:
        """The uploaded picture cannot be used: the send ends before anything leaves, and its
        thread says why."""
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE sends SET image_problem = ?, updated_at = ? WHERE id = ?",
                (problem, now, send_id),
            )
            conn.execute(  # nothing to decide: no approver is asked
                "UPDATE sends SET approval = ? WHERE id = ? AND approval = ?",
                (Approval.WITHDRAWN, send_id, Approval.PENDING),
            )
            conn.execute(
                "UPDATE recipients SET state = ?, updated_at = ? WHERE send_id = ? AND state = ?",
                (State.CANCELLED, now, send_id, State.QUEUED),
            )

    def get(self, token: str) -> HostedImage | None:
        row = self.db.fetch_one(
            """SELECT token, content_type, extension, data, first_frame_only FROM images
               WHERE token = ?""",
            (token,),
        )
        return _hosted(row) if row else None

    def release_unused(self) -> int:
        return release_unused(self.db)


def release_unused(db: Database) -> int:
    """Delete images no send refers to any more (its content purged or erased), a bounded batch
    at a time; returns how many went."""
    released = 0
    while True:
        with db.transaction() as conn:
            rows = conn.execute(
                f"""SELECT token FROM images i WHERE NOT EXISTS (
                        SELECT 1 FROM sends s WHERE s.image_token = i.token)
                    LIMIT {RELEASE_BATCH}"""
            ).fetchall()
            for row in rows:
                conn.execute("DELETE FROM images WHERE token = ?", (row["token"],))
        released += len(rows)
        if len(rows) < RELEASE_BATCH:
            return released


def media_url(public_url: str, hosted: HostedImage) -> str:
    return f"{public_url.rstrip('/')}/media/{hosted.file_name}"


def _attach(conn: Connection, send_id: str, hosted: HostedImage, public_url: str) -> None:
    conn.execute(
        """UPDATE sends SET image_token = ?, image_url = ?, image_file = NULL,
               image_first_frame = ? WHERE id = ?""",
        (hosted.token, media_url(public_url, hosted), int(hosted.first_frame_only), send_id),
    )


def _hosted(row: Row) -> HostedImage:
    return HostedImage(
        token=row["token"],
        content_type=row["content_type"],
        extension=row["extension"],
        data=bytes(row["data"]),
        first_frame_only=bool(row["first_frame_only"]),
    )
