"""A data subject's requests as recorded: who asked, when, by when they are answered and carried
out, where they stand and what was found and done, never the number itself (its keyed digest,
or "-" when DATA_KEY is unset). The number waits in `pending_phone` only while the request is
being carried out, and is cleared when it ends, whichever way.

Each kind of request records itself here (`record`, then `finish`); an access request also
names the file it sent by direct message, which a periodic duty removes from Slack a day later.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.model import Job, JobKind
from bot.core.privacy import answer_due, carry_out_due
from bot.db import Database, Row
from bot.store.jobs import enqueue

ACCESS, ERASE = "access", "erase"
GATHERING, ANSWERED, FAILED = "gathering", "answered", "failed"
NO_DIGEST = "-"  # DATA_KEY unset: the request cannot be linked to its number
_JOB_PREFIX = "privacy:"  # a request's job names it where a send's job names its send


@dataclass(frozen=True)
class PrivacyRequest:
    id: int
    kind: str
    digest: str
    asked_by: str
    asked_at: float
    answer_due: float
    done_due: float
    state: str
    found: dict[str, Any] | None
    done: dict[str, Any] | None
    unreachable: str | None
    done_at: float | None
    file_id: str | None
    file_channel: str | None
    remove_file_at: float | None


def _request(row: Row) -> PrivacyRequest:
    return PrivacyRequest(
        id=int(row["id"]),
        kind=row["kind"],
        digest=row["digest"],
        asked_by=row["asked_by"],
        asked_at=row["asked_at"],
        answer_due=row["answer_due"],
        done_due=row["done_due"],
        state=row["state"],
        found=_json(row["found"]),
        done=_json(row["done"]),
        unreachable=row["unreachable"],
        done_at=row["done_at"],
        file_id=row["file_id"],
        file_channel=row["file_channel"],
        remove_file_at=row["remove_file_at"],
    )


def _json(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    value = json.loads(text)
    return value if isinstance(value, dict) else {"value": value}


def _text(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(dict(value), ensure_ascii=False, sort_keys=True)


def job_subject(request_id: int) -> str:
    """What a request's job carries in its `send_id`."""
    return f"{_JOB_PREFIX}{request_id}"


def request_of(job: Job) -> int | None:
    """The request a job was queued for; None for a job that is not a request's."""
    rest = job.send_id.removeprefix(_JOB_PREFIX)
    return int(rest) if rest != job.send_id and rest.isdigit() else None


class PrivacyRequests:
    def __init__(self, db: Database, wake: Callable[[], None]) -> None:
        self.db = db
        self._wake = wake

    def record(
        self,
        kind: str,
        digest: str,
        asked_by: str,
        asked_at: float,
        state: str,
        found: Mapping[str, Any] | None = None,
        *,
        pending_phone: str | None = None,
        then: JobKind | None = None,
    ) -> int:
        """Record a request with its due dates; returns its id. `then`: the job that carries it
        out, queued in the same transaction (the request is never recorded without it)."""
        with self.db.transaction() as conn:
            row = conn.execute(
                """INSERT INTO privacy_requests (kind, digest, asked_by, asked_at, answer_due,
                       done_due, state, found, pending_phone)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                (
                    kind,
                    digest,
                    asked_by,
                    asked_at,
                    answer_due(asked_at),
                    carry_out_due(asked_at),
                    state,
                    _text(found),
                    pending_phone,
                ),
            ).fetchone()
            request_id = int(row["id"])
            if then is not None:
                enqueue(conn, then, job_subject(request_id))
        if then is not None:
            self._wake()
        return request_id

    def get(self, request_id: int) -> PrivacyRequest | None:
        row = self.db.fetch_one("SELECT * FROM privacy_requests WHERE id = ?", (request_id,))
        return _request(row) if row else None

    def pending_phone(self, request_id: int) -> str | None:
        """The number a request still being carried out is about; None once it ended."""
        row = self.db.fetch_one(
            "SELECT pending_phone FROM privacy_requests WHERE id = ?", (request_id,)
        )
        return row["pending_phone"] if row else None

    def finish(
        self,
        request_id: int,
        state: str,
        *,
        found: Mapping[str, Any] | None = None,
        done: Mapping[str, Any] | None = None,
        unreachable: str | None = None,
        done_at: float | None = None,
    ) -> bool:
        """Where the request ended and what it found and did; the number is forgotten. False
        when it had ended already (a second run of its job changes nothing)."""
        with self.db.transaction() as conn:
            return bool(
                conn.execute(
                    """UPDATE privacy_requests SET state = ?, found = COALESCE(?, found),
                           done = COALESCE(?, done), unreachable = COALESCE(?, unreachable),
                           done_at = ?, pending_phone = NULL
                       WHERE id = ? AND done_at IS NULL""",
                    (
                        state,
                        _text(found),
                        _text(done),
                        unreachable,
                        done_at if done_at is not None else time.time(),
                        request_id,
                    ),
                ).rowcount
            )

    # -- the file an access request sends ---------------------------------------------------

    def note_file(self, request_id: int, file_id: str, channel: str, remove_at: float) -> None:
        """The file about to be shared: recorded before Slack shares it, so that a file shared
        by a run that died before it ended is still removed."""
        with self.db.transaction() as conn:
            conn.execute(
                """UPDATE privacy_requests SET file_id = ?, file_channel = ?, remove_file_at = ?
                   WHERE id = ?""",
                (file_id, channel, remove_at, request_id),
            )

    def files_due(self, now: float, limit: int) -> list[PrivacyRequest]:
        """Requests whose file is due to leave Slack, the longest due first."""
        rows = self.db.fetch_all(
            """SELECT * FROM privacy_requests
               WHERE remove_file_at IS NOT NULL AND remove_file_at <= ? AND file_id IS NOT NULL
               ORDER BY remove_file_at, id LIMIT ?""",
            (now, limit),
        )
        return [_request(row) for row in rows]

    def file_removed(self, request_id: int, file_id: str, at: float) -> None:
        """The file is gone from Slack; what was done says when (a file that was never shared
        leaves no trace in it)."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT done FROM privacy_requests WHERE id = ? AND file_id = ?" + self.db.row_lock,
                (request_id, file_id),
            ).fetchone()
            if row is None:
                return
            done = _json(row["done"])
            if done is not None and done.get("file_sent_at") is not None:
                done["file_removed_at"] = at
            conn.execute(
                """UPDATE privacy_requests SET remove_file_at = NULL, done = ?
                   WHERE id = ? AND file_id = ?""",
                (_text(done), request_id, file_id),
            )

    def remove_file_later(self, request_id: int, at: float) -> None:
        """Slack did not take the removal: the duty tries again at `at`."""
        with self.db.transaction() as conn:
            conn.execute(
                """UPDATE privacy_requests SET remove_file_at = ?
                   WHERE id = ? AND remove_file_at IS NOT NULL""",
                (at, request_id),
            )

    # -- lists ------------------------------------------------------------------------------

    def count(self) -> int:
        row = self.db.fetch_one("SELECT COUNT(*) AS n FROM privacy_requests")
        return int(row["n"]) if row else 0

    def listing(self, limit: int, offset: int = 0) -> list[PrivacyRequest]:
        """The latest first."""
        rows = self.db.fetch_all(
            """SELECT * FROM privacy_requests ORDER BY asked_at DESC, id DESC
               LIMIT ? OFFSET ?""",
            (limit, max(0, offset)),
        )
        return [_request(row) for row in rows]

    def about(self, digest: str, limit: int) -> list[PrivacyRequest]:
        """The requests recorded about the number whose digest this is, oldest first."""
        if digest == NO_DIGEST:  # unlinked requests belong to no number in particular
            return []
        rows = self.db.fetch_all(
            "SELECT * FROM privacy_requests WHERE digest = ? ORDER BY id LIMIT ?",
            (digest, limit),
        )
        return [_request(row) for row in rows]
