"""A new send stored in one transaction: its row, its recipients (each with its RequestId) and
the job that posts its thread, and for a campaign its file and the job that reads it. The
composer's variant stores nothing when one of the numbers opted out, checked in that same
transaction.

Slack waits for the composer's acknowledgement until the send is stored, so on PostgreSQL a
send without a campaign file is stored by one statement: one round trip and one commit, where
a transaction of single statements took six round trips (the opt-out look-up, BEGIN, the send,
its recipients, its job, COMMIT), each a wait for the server and then for the interpreter.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence

from bot.core.consent import new_stop_token
from bot.core.delivery import State
from bot.core.model import Approval, CampaignState, JobKind, NewSend, StepRunStart, ThreadState
from bot.db import Connection, Database
from bot.store.jobs import enqueue, queued_job
from bot.store.opted_out import looked_up_as


def _send_row(send_id: str, now: float, new: NewSend) -> dict[str, object]:
    approval_needed = new.approval_ttl_seconds is not None
    return {
        "id": send_id,
        "created_at": now,
        "updated_at": now,
        "team_id": new.team_id,
        "channel_id": new.channel_id,
        "user_id": new.user_id,
        "response_url": new.response_url,
        "text": new.message.text,
        "image_url": new.message.image_url,
        "button_label": new.message.button_label,
        "button_url": new.message.button_url,
        "brandname": new.brandname,
        "test_send": int(new.test_send),
        "thread_state": ThreadState.NEW,
        "approval": Approval.PENDING if approval_needed else Approval.NONE,
        "approval_expires_at": now + (new.approval_ttl_seconds or 0) if approval_needed else None,
        "approval_channel": new.approval_channel if approval_needed else None,
        "scheduled_at": new.scheduled_at,
        "thread_ts": new.thread_ts,
        "category": new.category,
        "sms_fallback": int(new.sms_fallback),
        "sms_text": new.sms_text,
        "held_until": new.held_until,
        "campaign": int(new.campaign_file is not None),
        # Written only when set: the columns' defaults otherwise.
        **({"image_file": new.image_file} if new.image_file else {}),
        **({"consent_required": 1} if new.consent_required else {}),
    }


class RunRecorded(Exception):
    """The workflow run was recorded already, with its send: Slack delivered its event again."""

    def __init__(self, send_id: str | None) -> None:
        super().__init__(send_id)
        self.send_id = send_id


def store_send(
    db: Database, new: NewSend, *, unless_opted_out: bool = False, data_key: str | None = None
) -> str | None:
    """The new send's id; None when `unless_opted_out` and one of its numbers is on the opt-out
    list (as itself, or erased as its digest under `data_key`), and then nothing was stored.
    Raises RunRecorded, storing nothing, when the send's workflow run was recorded before."""
    send_id = uuid.uuid4().hex[:16]
    now = time.time()
    row = _send_row(send_id, now, new)
    request_ids = [str(uuid.uuid4()) for _ in new.phones]
    stop_tokens = [new_stop_token() for _ in new.phones] if new.stop_links else None
    refused = sorted(looked_up_as(new.phones, data_key)) if unless_opted_out else []
    one_job = new.campaign_file is None and new.step_run is None and new.image_file is None
    if db.kind == "postgres" and one_job:
        stored = _in_one_statement(db, row, new.phones, request_ids, stop_tokens, refused)
        return send_id if stored else None
    with db.transaction() as conn:
        if refused and _any_opted_out(conn, refused):
            return None
        marks = ", ".join("?" for _ in row)
        conn.execute(f"INSERT INTO sends ({', '.join(row)}) VALUES ({marks})", tuple(row.values()))
        rows = [
            (send_id, position, phone, request_id, State.QUEUED, now)
            for position, (phone, request_id) in enumerate(
                zip(new.phones, request_ids, strict=True)
            )
        ]
        if stop_tokens is None:
            conn.executemany(
                """INSERT INTO recipients (send_id, position, phone, request_id, state,
                       updated_at) VALUES (?, ?, ?, ?, ?, ?)""",
                rows,
            )
        else:  # the column written only when set: its default otherwise
            conn.executemany(
                """INSERT INTO recipients (send_id, position, phone, request_id, state,
                       updated_at, stop_token) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [(*row, token) for row, token in zip(rows, stop_tokens, strict=True)],
            )
        if new.image_file:  # first on the thread's line: the parent shows the hosted image
            enqueue(conn, JobKind.HOST_IMAGE, send_id)
        enqueue(conn, JobKind.POST_PARENT, send_id)
        if new.campaign_file:  # read after the thread is posted: the same line of jobs
            file_id, file_name, file_url = new.campaign_file
            conn.execute(
                """INSERT INTO campaigns (send_id, state, file_id, file_name, file_url,
                       updated_at) VALUES (?, ?, ?, ?, ?, ?)""",
                (send_id, CampaignState.READING, file_id, file_name, file_url, now),
            )
            enqueue(conn, JobKind.READ_CAMPAIGN, send_id)
        if new.step_run is not None:
            _record_run(conn, new.step_run, send_id, now)
    return send_id


def _record_run(conn: Connection, run: StepRunStart, send_id: str, now: float) -> None:
    """Unique on the execution id: a second delivery of the event, in any process, waits for
    the first one's transaction here and then finds its row, and its own send is rolled back."""
    recorded = conn.execute(
        """INSERT INTO step_runs (execution_id, send_id, token, wait_for, timeout_at, state,
               created_at, due_at) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)
           ON CONFLICT (execution_id) DO NOTHING""",
        (run.execution_id, send_id, run.token, run.wait_for, run.timeout_at, now, now),
    ).rowcount
    if not recorded:
        first = conn.execute(
            "SELECT send_id FROM step_runs WHERE execution_id = ?", (run.execution_id,)
        ).fetchone()
        raise RunRecorded(first["send_id"] if first else None)


def _any_opted_out(conn: Connection, phones: Sequence[str]) -> bool:
    marks = ", ".join("?" for _ in phones)
    found = conn.execute(f"SELECT 1 FROM opt_outs WHERE phone IN ({marks}) LIMIT 1", phones)
    return found.fetchone() is not None


def _in_one_statement(
    db: Database,
    row: dict[str, object],
    phones: Sequence[str],
    request_ids: Sequence[str],
    stop_tokens: Sequence[str] | None,
    refused: Sequence[str],
) -> bool:
    """PostgreSQL: the send, its recipients and its first job by one statement (a statement is
    a transaction of its own), each insert made only when the one before it was; False when an
    opted-out number stopped the send's row."""
    job = queued_job(JobKind.POST_PARENT, str(row["id"]))
    # The stop links' column written only when set: its default otherwise.
    token_column, token_value, token_array = (
        ("", "", "")
        if stop_tokens is None
        else (", stop_token", ", r.stop_token", ", CAST(? AS TEXT[])")
    )
    token_name = "" if stop_tokens is None else "stop_token, "
    sql = f"""WITH refused AS (SELECT 1 FROM opt_outs WHERE phone = ANY(?) LIMIT 1),
        new_send AS (
            INSERT INTO sends ({", ".join(row)}) SELECT {", ".join("?" for _ in row)}
            WHERE NOT EXISTS (SELECT 1 FROM refused) RETURNING id),
        new_recipients AS (
            INSERT INTO recipients (send_id, position, phone, request_id, state, updated_at
                {token_column})
            SELECT new_send.id, r.position - 1, r.phone, r.request_id, ?, ?{token_value}
            FROM new_send, unnest(CAST(? AS TEXT[]), CAST(? AS TEXT[]){token_array})
                WITH ORDINALITY AS r (phone, request_id, {token_name}position)),
        new_job AS (
            INSERT INTO jobs ({", ".join(job)}) SELECT {", ".join("?" for _ in job)}
            FROM new_send)
        SELECT COUNT(*) AS stored FROM new_send"""
    params = (
        list(refused),
        *row.values(),
        State.QUEUED,
        row["created_at"],
        list(phones),
        list(request_ids),
        *([] if stop_tokens is None else [list(stop_tokens)]),
        *job.values(),
    )
    # Not in a transaction block: BEGIN and COMMIT would be round trips of their own.
    stored = db.fetch_one(sql, params)
    return stored is not None and stored["stored"] == 1
