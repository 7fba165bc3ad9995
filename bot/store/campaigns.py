"""Campaigns: a send whose recipients come from a spreadsheet. The file is read after Slack's
acknowledgement, planned into one recipient per valid row (each with its RequestId, stored
before any eSMS call), previewed, then started, paused, resumed or cancelled."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence

from bot.core.campaign import Plan
from bot.core.consent import new_stop_token
from bot.core.delivery import FINAL_STATES, State
from bot.core.model import Campaign, CampaignState, JobKind, JobState, Send
from bot.db import Connection, Database
from bot.store.jobs import NOT_SUBMITTING, drop_queued_submits, enqueue, enqueue_sync
from bot.store.rows import campaign_from, recipient_from, reload_send
from bot.store.sends import release_recipients

EXPIRED = "expired"  # a preview nobody started in CAMPAIGN_PREVIEW_HOURS
FAR_FUTURE = 10 * 365 * 86400.0  # a paused campaign's submissions wait "for ever" (until Resume)
_FINAL = tuple(FINAL_STATES)

ROWS_BATCH = 1000  # recipients read at a time from a campaign


def set_state(conn: Connection, send_id: str, state: str, **columns: object) -> None:
    names = ", ".join(f"{name} = ?" for name in columns)
    conn.execute(
        f"UPDATE campaigns SET state = ?, updated_at = ?{', ' + names if names else ''} "
        "WHERE send_id = ?",
        (state, time.time(), *columns.values(), send_id),
    )


def _end(conn: Connection, send_id: str, now: float, actor: str | None, **columns: object) -> None:
    """Cancelled: rows not yet submitted never go out (by state alone: a row being submitted
    committed `submitting` before its call, and ends as eSMS answers)."""
    set_state(conn, send_id, CampaignState.CANCELLED, **columns)
    conn.execute(
        "UPDATE sends SET cancelled_by = ?, cancelled_at = ?, updated_at = ? WHERE id = ?",
        (actor, now, now, send_id),
    )
    conn.execute(
        "UPDATE recipients SET state = ?, updated_at = ? WHERE send_id = ? AND state = ?",
        (State.CANCELLED, now, send_id, State.QUEUED),
    )
    drop_queued_submits(conn, send_id)
    enqueue_sync(conn, send_id)


class Campaigns:
    def __init__(self, db: Database, wake: Callable[[], None]) -> None:
        self.db = db
        self._wake = wake
        self._lock = db.row_lock

    def get(self, send_id: str) -> Campaign | None:
        row = self.db.fetch_one("SELECT * FROM campaigns WHERE send_id = ?", (send_id,))
        return campaign_from(row) if row else None

    def unreadable(self, send_id: str, problem: str) -> None:
        with self.db.transaction() as conn:
            set_state(conn, send_id, CampaignState.UNREADABLE, problem=problem)
            enqueue_sync(conn, send_id)

    def save_plan(
        self,
        send_id: str,
        plan: Plan,
        invalid: Sequence[tuple[int, str]],
        *,
        stop_links: bool = False,
    ) -> bool:
        """Store every planned row as a recipient (QUEUED, its own RequestId and, for an
        advertisement, its own stop link) and the preview's figures, once; False when the plan
        was stored already (a retried read)."""
        now = time.time()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT state FROM campaigns WHERE send_id = ?" + self._lock, (send_id,)
            ).fetchone()
            if row is None or row["state"] != CampaignState.READING:
                return False
            # A batch of rows' parameters at a time: never a second copy of the whole file.
            for start in range(0, len(plan.rows), ROWS_BATCH):
                batch = plan.rows[start : start + ROWS_BATCH]
                conn.executemany(
                    """INSERT INTO recipients (send_id, position, phone, request_id, state,
                           updated_at, row_number, text, image_url, button_label, button_url,
                           row_values, stop_token)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        (
                            send_id,
                            start + offset,
                            planned.phone,
                            str(uuid.uuid4()),
                            State.QUEUED,
                            now,
                            planned.number,
                            planned.message.text,
                            planned.message.image_url,
                            planned.message.button_label,
                            planned.message.button_url,
                            json.dumps(planned.values, ensure_ascii=False),
                            new_stop_token() if stop_links else None,
                        )
                        for offset, planned in enumerate(batch)
                    ],
                )
            set_state(
                conn,
                send_id,
                CampaignState.PREVIEW,
                rows_read=plan.read,
                invalid=json.dumps(list(invalid), ensure_ascii=False),
                duplicates=plan.duplicates,
                unknown=json.dumps(list(plan.unknown)),
                columns=json.dumps(list(plan.columns)),
            )
            enqueue_sync(conn, send_id)
        return True

    def start(
        self,
        send_id: str,
        actor: str,
        *,
        approval_seconds: float | None,
        approval_channel: str | None = None,
        spacing: float = 0.0,
    ) -> Send | None:
        """Start from the preview, or ask the approvers first (in `approval_channel` when
        given, else on the thread parent); None when not in preview."""
        now = time.time()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT state FROM campaigns WHERE send_id = ?" + self._lock, (send_id,)
            ).fetchone()
            if row is None or row["state"] != CampaignState.PREVIEW:
                return None
            conn.execute("UPDATE campaigns SET spacing = ? WHERE send_id = ?", (spacing, send_id))
            if approval_seconds is not None:
                updated = conn.execute(
                    """UPDATE sends SET approval = 'pending', approval_expires_at = ?,
                           approval_channel = ?, updated_at = ? WHERE id = ? AND approval = 'none'""",
                    (now + approval_seconds, approval_channel, now, send_id),
                ).rowcount
                if not updated:
                    return None
                if approval_channel:
                    enqueue(conn, JobKind.POST_APPROVAL, send_id)
            else:
                set_state(conn, send_id, CampaignState.RUNNING, started_by=actor, started_at=now)
                release_recipients(conn, send_id)
            enqueue_sync(conn, send_id)
            started = reload_send(conn, send_id)
        self._wake()
        return started

    def pause(self, send_id: str, reason: str) -> bool:
        """Hold every submission not yet made; True when it was running."""
        with self.db.transaction() as conn:
            if not self._in_state(conn, send_id, CampaignState.RUNNING):
                return False
            set_state(conn, send_id, CampaignState.PAUSED, pause_reason=reason)
            conn.execute(  # a row already handed to eSMS still learns its answer
                f"""UPDATE jobs SET run_after = ? WHERE send_id = ? AND kind = ? AND state = ?
                    AND {NOT_SUBMITTING}""",
                (time.time() + FAR_FUTURE, send_id, JobKind.SUBMIT, JobState.QUEUED, send_id),
            )
            enqueue_sync(conn, send_id)
        return True

    def resume(self, send_id: str) -> bool:
        with self.db.transaction() as conn:
            if not self._in_state(conn, send_id, CampaignState.PAUSED):
                return False
            set_state(conn, send_id, CampaignState.RUNNING, pause_reason=None)
            pace = conn.execute(
                "SELECT spacing FROM campaigns WHERE send_id = ?", (send_id,)
            ).fetchone()
            jobs = conn.execute(
                "SELECT id FROM jobs WHERE send_id = ? AND kind = ? AND state = ? ORDER BY id",
                (send_id, JobKind.SUBMIT, JobState.QUEUED),
            ).fetchall()
            now, spacing = time.time(), pace["spacing"] or 0.0
            conn.executemany(  # spread again at the campaign's pace, from now
                "UPDATE jobs SET run_after = ? WHERE id = ?",
                [(now + index * spacing, job["id"]) for index, job in enumerate(jobs)],
            )
            enqueue_sync(conn, send_id)
        self._wake()
        return True

    def cancel(self, send_id: str, actor: str) -> bool:
        """Rows not yet submitted are never sent; what is on its way to eSMS now goes out."""
        now = time.time()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT state FROM campaigns WHERE send_id = ?" + self._lock, (send_id,)
            ).fetchone()
            live = (CampaignState.PREVIEW, CampaignState.RUNNING, CampaignState.PAUSED)
            if row is None or row["state"] not in live:
                return False
            _end(conn, send_id, now, actor)
        return True

    def finish_if_done(self, send_id: str) -> bool:
        """Mark a running campaign finished once every recipient is final, and queue its
        results file; True when it finished now."""
        marks = ", ".join("?" for _ in _FINAL)
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT state FROM campaigns WHERE send_id = ?" + self._lock, (send_id,)
            ).fetchone()
            if row is None or row["state"] not in (CampaignState.RUNNING, CampaignState.CANCELLED):
                return False
            open_left = conn.execute(
                f"""SELECT 1 FROM recipients WHERE send_id = ? AND state NOT IN ({marks})
                    LIMIT 1""",
                (send_id, *_FINAL),
            ).fetchone()
            if open_left:
                return False
            if row["state"] == CampaignState.RUNNING:
                set_state(conn, send_id, CampaignState.FINISHED, finished_at=time.time())
            elif not conn.execute(  # a cancelled campaign ends once: one results file
                "UPDATE campaigns SET finished_at = ? WHERE send_id = ? AND finished_at IS NULL",
                (time.time(), send_id),
            ).rowcount:
                return False
            enqueue(conn, JobKind.CAMPAIGN_RESULTS, send_id)
        self._wake()
        return True

    def queue_results_again(self, send_id: str) -> None:
        with self.db.transaction() as conn:
            enqueue(conn, JobKind.CAMPAIGN_RESULTS, send_id)
        self._wake()

    def mark_results_uploaded(self, send_id: str, file_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(  # `report_file_id`: the column's first name, kept rather than migrated
                "UPDATE campaigns SET report_file_id = ? WHERE send_id = ?", (file_id, send_id)
            )

    def mark_milestone(self, send_id: str, milestone: str) -> None:
        """The thread was told of this milestone (started, paused …): it is not told twice."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE campaigns SET reported = ? WHERE send_id = ?", (milestone, send_id)
            )

    def counts(self, send_id: str) -> dict[str, int]:
        """Recipients by state (Viber and SMS apart: `sms:delivered` …)."""
        rows = self.db.fetch_all(
            """SELECT channel, state, COUNT(*) AS n FROM recipients WHERE send_id = ?
               GROUP BY channel, state""",
            (send_id,),
        )
        return {
            (row["state"] if row["channel"] == "viber" else f"sms:{row['state']}"): row["n"]
            for row in rows
        }

    def rows(self, send_id: str, batch: int | None = None) -> Iterator[list]:
        """The recipients in batches, in file order (never all in memory, never more than a
        batch of parameters bound by whoever reads them)."""
        batch = batch or ROWS_BATCH
        last = -1
        while True:
            found = self.db.fetch_all(
                """SELECT * FROM recipients WHERE send_id = ? AND id > ? ORDER BY id LIMIT ?""",
                (send_id, last, batch),
            )
            if not found:
                return
            last = found[-1]["id"]
            yield [recipient_from(row) for row in found]

    def expire_previews(self, before: float, limit: int = 100) -> list[str]:
        """Cancel campaigns left in preview since before `before` (CAMPAIGN_PREVIEW_HOURS):
        their rows never go out and can be purged; no results file is made of them."""
        now = time.time()
        with self.db.transaction() as conn:
            rows = conn.execute(
                # One waiting for its approvers ends with APPROVAL_TTL_HOURS, not here.
                "SELECT c.send_id FROM campaigns c JOIN sends s ON s.id = c.send_id "
                "WHERE c.state = ? AND c.updated_at < ? AND s.approval = 'none' "
                "ORDER BY c.updated_at LIMIT ?" + self._lock,
                (CampaignState.PREVIEW, before, limit),
            ).fetchall()
            for row in rows:
                _end(conn, row["send_id"], now, None, pause_reason=EXPIRED, finished_at=now)
        return [row["send_id"] for row in rows]

    def is_paused(self, send_id: str) -> bool:
        row = self.db.fetch_one("SELECT state FROM campaigns WHERE send_id = ?", (send_id,))
        return row is not None and row["state"] == CampaignState.PAUSED

    def _in_state(self, conn: Connection, send_id: str, state: str) -> bool:
        row = conn.execute(
            "SELECT state FROM campaigns WHERE send_id = ?" + self._lock, (send_id,)
        ).fetchone()
        return row is not None and row["state"] == state
