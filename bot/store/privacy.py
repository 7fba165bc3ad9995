"""Privacy: forget what was sent, and to whom, once it is old; keep the statistics."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.delivery import State, is_final
from bot.core.marketing import DAILY_WINDOW_SECONDS
from bot.db import Connection, Database
from bot.store.images import release_unused
from bot.store.slack_posts import forget_texts_in

# Sends purged per transaction: a backlog of years is worked through without one transaction
# holding its locks (and, on SQLite, every other writer) for minutes.
BATCH_SENDS = 500


@dataclass(frozen=True)
class Purged:
    """What a purge removed, or what a dry run found it would remove."""

    sends: int = 0
    recipients: int = 0  # every recipient of those sends, SMS fallbacks included
    finished: bool = True  # False: its time ran out with sends left for the next run


# Called in the transaction of each batch with what that batch did, so that whatever the caller
# records of it is committed together with it (the last batch's `finished` is True).
Record = Callable[[Connection, Purged], None]


class Privacy:
    def __init__(self, db: Database) -> None:
        self.db = db

    def purge(self, older_than_seconds: float, *, now: float | None = None) -> int:
        """Forget what was sent, and to whom, for sends older than the cut-off (see
        `purge_old`), all of them; returns how many sends were purged."""
        return self.purge_old(older_than_seconds, now=now).sends

    def purge_old(
        self,
        older_than_seconds: float,
        *,
        now: float | None = None,
        dry: bool = False,
        budget_seconds: float | None = None,
        each: Record | None = None,
    ) -> Purged:
        """Forget what was sent, and to whom, for sends older than the cut-off: settled sends,
        and test sends whatever their recipients' states (eSMS never settles them) once none of
        them still waits to go to eSMS.

        Message text (and its SMS), image, button, the command's response URL, decision reasons
        and the raw callbacks are erased and phone numbers masked; states, counts, prices and
        times stay for statistics. Unmatched callbacks received before the cut-off lose their
        raw query, which holds the full phone number.

        `dry`: count what would go, change nothing. Otherwise `BATCH_SENDS` sends per
        transaction until none is left or `budget_seconds` (None: no limit) are spent, then
        `finished` is False and the next run carries on where this one stopped.
        """
        now = time.time() if now is None else now
        cutoff = now - older_than_seconds
        where, params = _selection(cutoff, now)
        if dry:
            with self.db.transaction() as conn:
                row = conn.execute(
                    f"""SELECT COUNT(DISTINCT s.id) AS sends, COUNT(r.id) AS recipients
                        FROM sends s LEFT JOIN recipients r ON r.send_id = s.id WHERE {where}""",
                    params,
                ).fetchone()
                counted = Purged(int(row["sends"] or 0), int(row["recipients"] or 0))
                if each is not None:
                    each(conn, counted)
            return counted
        started = time.monotonic()
        sends = recipients = 0
        # The batches go oldest first, each from where the last stopped: older sends left
        # behind are kept ones, not read again.
        after: tuple[object, ...] = ()
        while True:
            with self.db.transaction() as conn:
                rows = conn.execute(
                    f"""SELECT s.id, s.created_at FROM sends s
                        WHERE {where}{" AND s.created_at >= ?" if after else ""}
                        ORDER BY s.created_at LIMIT {BATCH_SENDS}{self.db.row_lock}""",
                    (*params, *after),
                ).fetchall()
                ids = [row["id"] for row in rows]
                batch = Purged(
                    len(ids),
                    _purge_sends(conn, ids, now),
                    finished=len(ids) < BATCH_SENDS,
                )
                if batch.finished:
                    # Without its SMSID an erased callback is never replayed: its query cannot
                    # be parsed.
                    conn.execute(
                        """UPDATE callbacks SET query = '', sms_id = NULL
                           WHERE outcome = 'unmatched' AND received_at < ?
                             AND (query <> '' OR sms_id IS NOT NULL)""",
                        (cutoff,),
                    )
                if each is not None:
                    each(conn, batch)
            sends, recipients = sends + batch.sends, recipients + batch.recipients
            if rows:
                after = (rows[-1]["created_at"],)
            spent = time.monotonic() - started
            if batch.finished or (budget_seconds is not None and spent >= budget_seconds):
                break
        release_unused(self.db)  # an image lives as long as a send that keeps its content
        return Purged(sends, recipients, finished=batch.finished)


def _selection(cutoff: float, now: float) -> tuple[str, tuple[object, ...]]:
    """The sends a purge takes, as a condition on `sends s`: the one choice both the dry run
    and the purge make."""
    open_states = [state.value for state in State if not is_final(state)]
    marks = ", ".join("?" for _ in open_states)
    # A queued recipient is still to be submitted: purged, it would go out masked. A marketing
    # message of the last 24 hours holds its number's slot of the daily cap.
    where = f"""s.created_at < ? AND s.purged_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM recipients x WHERE x.send_id = s.id
            AND ((x.state IN ({marks}) AND s.test_send = 0)
                 OR x.state IN (?, ?) OR x.counted_at > ?))"""
    params = (cutoff, *open_states, State.QUEUED, State.SUBMITTING, now - DAILY_WINDOW_SECONDS)
    return where, params


def _purge_sends(conn: Connection, ids: Sequence[str], now: float) -> int:
    """Erase these sends' content and mask their numbers; returns how many recipients."""
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    conn.execute(
        f"""UPDATE sends SET text = '', image_url = '', button_label = '',
               button_url = '', response_url = NULL, decision_reason = NULL,
               sms_text = NULL, image_file = NULL, image_token = NULL,
               purged_at = ? WHERE id IN ({marks})""",
        (now, *ids),
    )
    conn.execute(f"UPDATE approval_events SET reason = NULL WHERE send_id IN ({marks})", ids)
    # The callbacks first: they are found through the recipients' rows, which stay.
    conn.execute(
        f"""UPDATE callbacks SET query = '' WHERE recipient_id IN
               (SELECT id FROM recipients WHERE send_id IN ({marks}))""",
        ids,
    )
    recipients = conn.execute(
        f"""UPDATE recipients SET phone = '•••••••' || substr(phone, length(phone) - 2),
               text = NULL, image_url = NULL, button_label = NULL, button_url = NULL,
               row_values = NULL
           WHERE send_id IN ({marks})""",
        ids,
    ).rowcount
    conn.execute(  # a reply never posted is not posted now
        f"""UPDATE thread_replies SET text = NULL, blocks = NULL, state = 'refused',
               refusal = 'purged' WHERE send_id IN ({marks}) AND state = 'pending'""",
        ids,
    )
    conn.execute(  # a campaign's file: its link and the invalid rows' values
        f"UPDATE campaigns SET file_url = NULL, invalid = NULL WHERE send_id IN ({marks})",
        ids,
    )
    for send_id in ids:
        forget_texts_in(conn, send_id)  # what its messages in Slack said
    return max(recipients, 0)
