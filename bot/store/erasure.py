"""Erasure requests: a privacy admin asks to erase a number, confirms, and a durable job carries
it out (`bot.jobs.erasure`), waiting for messages still with eSMS, then for the edits of what
the app posted in Slack, then telling the admin what it could not reach.

A request is recorded by the number's keyed digest. The number itself is held only while the
request needs it (`pending_phone`: from the command until the erasure is carried out, or the
confirmation expires) and set to NULL in the erasure's own transaction: it never travels in a
button's value, a payload or a log line, only the request's id does.

confirming → queued → (waiting) → editing → done; expired (never confirmed); failed."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from bot.core.model import JobKind
from bot.core.phones import mask_phone
from bot.core.privacy import answer_due, carry_out_due, digest
from bot.db import Connection, Database, Row
from bot.store.erasing import Erased, Reach, Waiting, erase_in, reach_of
from bot.store.images import release_unused
from bot.store.jobs import enqueue
from bot.store.slack_posts import EDITED, FILE, PENDING

ERASE = "erase"
CONFIRMING, QUEUED, WAITING, EDITING = "confirming", "queued", "waiting", "editing"
DONE, EXPIRED, FAILED = "done", "expired", "failed"
CONFIRM_SECONDS = 3600.0  # a confirmation not clicked within the hour is asked again
WAIT_SECONDS = 24 * 3600.0  # the longest an erasure waits for eSMS's last statuses
JOB_PREFIX, POSTS_PREFIX = "erasure:", "erasure-posts:"


@dataclass(frozen=True)
class ErasureRequest:
    id: int
    asked_by: str
    asked_at: float
    state: str
    found: dict[str, Any]  # what it would erase, counted, and the number masked (`number`)
    done: dict[str, Any]  # what it erased, counted
    unreachable: dict[str, Any]  # what it could not reach, counted
    done_at: float | None
    told_at: float | None

    @property
    def wait_until(self) -> float:
        return self.asked_at + WAIT_SECONDS


@dataclass(frozen=True)
class Outcome:
    """What a run of the erasure came to."""

    request: ErasureRequest | None  # None: no such request
    waiting: Waiting | None = None  # messages still with eSMS
    first_wait: bool = False  # the erasure has just started waiting: say so once


def _json(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text else {}


def _request(row: Row) -> ErasureRequest:
    return ErasureRequest(
        row["id"],
        row["asked_by"],
        row["asked_at"],
        row["state"],
        _json(row["found"]),
        _json(row["done"]),
        _json(row["unreachable"]),
        row["done_at"],
        row["told_at"],
    )


def request_id_of(job_send_id: str) -> int | None:
    """The request an erasure's job (or its posts' job) stands for."""
    for prefix in (JOB_PREFIX, POSTS_PREFIX):
        if job_send_id.startswith(prefix) and job_send_id[len(prefix) :].isdigit():
            return int(job_send_id[len(prefix) :])
    return None


class Erasures:
    def __init__(self, db: Database, data_key: str | None) -> None:
        self.db = db
        self.key = data_key

    def _key(self) -> str:
        if not self.key:  # the command refuses before anything is recorded
            raise RuntimeError("DATA_KEY is not set: erasure is refused")
        return self.key

    def ask(self, phone: str, asked_by: str) -> tuple[int, Reach]:
        """Record the request and what it would erase: waiting for its confirmation, holding
        the number until then; for a number the app holds nothing about, done at once."""
        key, now = self._key(), time.time()
        with self.db.transaction() as conn:
            self._expire_in(conn, now)
            reach = reach_of(conn, phone, key)
            state = DONE if reach.nothing else CONFIRMING
            row = conn.execute(
                """INSERT INTO privacy_requests (kind, digest, asked_by, asked_at, answer_due,
                       done_due, state, found, done_at, pending_phone)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                (
                    ERASE,
                    digest(key, phone),
                    asked_by,
                    now,
                    answer_due(now),
                    carry_out_due(now),
                    state,
                    json.dumps({**reach.as_dict(), "number": mask_phone(phone)}),
                    now if reach.nothing else None,
                    None if reach.nothing else phone,  # held until carried out, then NULL
                ),
            ).fetchone()
        return row["id"], reach

    def confirm(self, request_id: int) -> ErasureRequest | None:
        """The admin's click: the request is queued with the job that carries it out, in one
        transaction; None when there is no confirmation waiting (expired, or clicked before:
        a second click changes nothing)."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM privacy_requests WHERE id = ? AND kind = ?" + self.db.row_lock,
                (request_id, ERASE),
            ).fetchone()
            if row is None or row["state"] != CONFIRMING:
                return None
            if row["asked_at"] < time.time() - CONFIRM_SECONDS:
                self._expire_in(conn, time.time())
                return None
            conn.execute("UPDATE privacy_requests SET state = ? WHERE id = ?", (QUEUED, request_id))
            enqueue(conn, JobKind.ERASE, f"{JOB_PREFIX}{request_id}")
            row = conn.execute(
                "SELECT * FROM privacy_requests WHERE id = ?", (request_id,)
            ).fetchone()
        return _request(row)

    def get(self, request_id: int) -> ErasureRequest | None:
        row = self.db.fetch_one(
            "SELECT * FROM privacy_requests WHERE id = ? AND kind = ?", (request_id, ERASE)
        )
        return _request(row) if row else None

    def carry_out(self, request_id: int) -> Outcome:
        """Erase the request's number now, in one transaction, unless messages to it are still
        with eSMS and the wait is not over; the posts to edit get their jobs in the same one.
        Run again, it changes nothing more."""
        key = self._key()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM privacy_requests WHERE id = ?" + self.db.row_lock, (request_id,)
            ).fetchone()
            if row is None or row["state"] not in (QUEUED, WAITING) or not row["pending_phone"]:
                return Outcome(_request(row) if row else None)
            force = time.time() >= row["asked_at"] + WAIT_SECONDS
            result = erase_in(
                conn, row["pending_phone"], key, request_id, lock=self.db.row_lock, force=force
            )
            if isinstance(result, Waiting):
                conn.execute(
                    "UPDATE privacy_requests SET state = ? WHERE id = ?", (WAITING, request_id)
                )
                return Outcome(_request(row), result, first_wait=row["state"] == QUEUED)
            self._erased(conn, request_id, result, forced=force and row["state"] == WAITING)
            # The files access requests sent about this number hold it whole: they leave Slack
            # now (the duty that removes them a day later takes them at its next turn), and an
            # access request still gathering ends, forgetting the number it holds.
            now = time.time()
            conn.execute(
                """UPDATE privacy_requests SET remove_file_at = ?
                   WHERE kind = 'access' AND digest = ? AND remove_file_at > ?""",
                (now, digest(key, row["pending_phone"]), now),
            )
            conn.execute(
                """UPDATE privacy_requests SET pending_phone = NULL, state = 'failed',
                       done = ?, done_at = ?
                   WHERE kind = 'access' AND pending_phone = ?""",
                (
                    json.dumps({"failed": f"erased by request {request_id}"}),
                    now,
                    row["pending_phone"],
                ),
            )
            row = conn.execute(
                "SELECT * FROM privacy_requests WHERE id = ?", (request_id,)
            ).fetchone()
        release_unused(self.db)  # a hosted image lives as long as a send that shows it
        return Outcome(_request(row))

    def _erased(self, conn: Connection, request_id: int, erased: Erased, *, forced: bool) -> None:
        done = {**erased.reach.as_dict(), "queued": erased.cancelled}
        unreachable = {"unrecorded": erased.unrecorded, "forced": int(forced)}
        conn.execute(
            """UPDATE privacy_requests SET state = ?, pending_phone = NULL, done = ?,
                   unreachable = ? WHERE id = ?""",
            (EDITING, json.dumps(done), json.dumps(unreachable), request_id),
        )
        for send_id in sorted(erased.edits, key=lambda value: value or ""):
            # A send's posts are edited on its thread's line of jobs: after any refresh that
            # read the number before this transaction, before any that reads after it.
            enqueue(conn, JobKind.EDIT_POSTS, send_id or f"{POSTS_PREFIX}{request_id}")

    def finish_if_edited(self, request_id: int) -> ErasureRequest | None:
        """Done once no post of the erasure waits for its edit: what could not be reached is
        recorded with it. The request as it stands (None: no such request)."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM privacy_requests WHERE id = ?" + self.db.row_lock, (request_id,)
            ).fetchone()
            if row is None or row["state"] != EDITING:
                return _request(row) if row else None
            left = conn.execute(
                "SELECT COUNT(*) AS n FROM slack_posts WHERE erasure_id = ? AND edit_state = ?",
                (request_id, PENDING),
            ).fetchone()["n"]
            if left:
                return _request(row)
            tally = conn.execute(
                """SELECT kind, edit_state, COUNT(*) AS n FROM slack_posts
                   WHERE erasure_id = ? GROUP BY kind, edit_state""",
                (request_id,),
            ).fetchall()
            done, unreachable = _json(row["done"]), _json(row["unreachable"])
            for one in tally:
                a_file = one["kind"] == FILE
                if one["edit_state"] == EDITED:
                    done["deleted" if a_file else "edited"] = one["n"]
                else:
                    unreachable["files" if a_file else "messages"] = one["n"]
            conn.execute(
                """UPDATE privacy_requests SET state = ?, done = ?, unreachable = ?, done_at = ?
                   WHERE id = ?""",
                (DONE, json.dumps(done), json.dumps(unreachable), time.time(), request_id),
            )
            row = conn.execute(
                "SELECT * FROM privacy_requests WHERE id = ?", (request_id,)
            ).fetchone()
        return _request(row)

    def mark_told(self, request_id: int) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE privacy_requests SET told_at = ? WHERE id = ? AND told_at IS NULL",
                (time.time(), request_id),
            )

    def fail(self, request_id: int, reason: str) -> None:
        """Given up (its job ran out of tries): the number is let go of too; the admin asks
        again."""
        with self.db.transaction() as conn:
            conn.execute(
                """UPDATE privacy_requests SET state = ?, pending_phone = NULL, done_at = ?,
                       unreachable = ? WHERE id = ? AND state IN (?, ?, ?)""",
                (
                    FAILED,
                    time.time(),
                    json.dumps({"failed": reason[:300]}),
                    request_id,
                    QUEUED,
                    WAITING,
                    EDITING,
                ),
            )

    def expire_confirmations(self) -> int:
        """Confirmations never clicked let go of their number; how many did."""
        with self.db.transaction() as conn:
            return self._expire_in(conn, time.time())

    def _expire_in(self, conn: Connection, now: float) -> int:
        return conn.execute(
            """UPDATE privacy_requests SET state = ?, pending_phone = NULL
               WHERE kind = ? AND state = ? AND asked_at < ?""",
            (EXPIRED, ERASE, CONFIRMING, now - CONFIRM_SECONDS),
        ).rowcount
