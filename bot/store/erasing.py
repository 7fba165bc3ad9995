"""A number erased from the database, in the caller's one transaction (Law 91/2025/QH15: a
customer's request to be forgotten).

- Its recipients keep their state, prices and times, but the number becomes its mask
  (•••••••567) and its keyed digest (`phone_digest`, which the daily cap counts); what was
  written for it alone goes: a campaign row's own message and values, and, for a send to it
  alone, the send's message, image, button, SMS, response URL and decision reasons.
- Its callbacks lose their raw query, and so do unmatched callbacks that carry it.
- An opt-out stays, as the digest (still refused); consent goes, its history kept under the
  digest without its evidence; the marketing cap's lock row goes.
- Every written form of it in any other text the app keeps, and in what it posted to Slack
  (`slack_posts`, then edited by a job), is masked.

Nothing is erased under a message still on its way: one queued and not yet gone is cancelled;
one eSMS has and has not settled makes the erasure wait (`Waiting`), unless forced."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qsl, unquote

from bot.core.delivery import State, is_final
from bot.core.phones import mask_phone
from bot.core.privacy import digest
from bot.core.written_forms import holds, mask_stored, prefilter
from bot.db import Connection, Row
from bot.store.erasing_texts import found_in, mask_found
from bot.store.jobs import enqueue_sync
from bot.store.marketing import lock_key
from bot.store.opted_out import opted_out_in
from bot.store.slack_posts import mark_for_erasure, unrecorded

BATCH = 400
# A message eSMS has and has not settled: its status still names the number's recipient.
IN_FLIGHT = tuple(state.value for state in State if not is_final(state) and state != State.QUEUED)


@dataclass(frozen=True)
class Reach:
    """What the app holds about a number: what an erasure removes, counted."""

    sends: int = 0
    alone: int = 0  # sends to this number alone: their message goes with it
    campaign_rows: int = 0  # rows of campaigns: their own message and values go
    callbacks: int = 0
    opt_out: bool = False
    consent: bool = False
    history: int = 0  # changes to its opt-out and consent on record
    mentions: int = 0  # other stored texts naming it
    posts: int = 0  # messages and files in Slack that name it, or of its sends
    in_flight: int = 0  # messages eSMS has and has not settled
    queued: int = 0  # messages still to leave: cancelled by the erasure

    @property
    def nothing(self) -> bool:
        return not any(asdict(self).values())

    def as_dict(self) -> dict[str, int]:
        return {name: int(value) for name, value in asdict(self).items()}


@dataclass(frozen=True)
class Waiting:
    """Not erased: messages to it are with eSMS still."""

    in_flight: int
    cancelled: int


@dataclass(frozen=True)
class Erased:
    reach: Reach
    cancelled: int
    edits: set[str | None] = field(default_factory=set)  # sends whose posts wait for an edit
    unrecorded: int = 0  # sends posted to Slack before posts were recorded


def _recipients(conn: Connection, phone: str, lock: str) -> list[Row]:
    return conn.execute(
        "SELECT * FROM recipients WHERE phone = ? ORDER BY id" + lock, (phone,)
    ).fetchall()


def _in_batches(conn: Connection, sql: str, ids: Sequence[object], *head: object) -> list[Row]:
    """`sql` with `{marks}` run over `ids` a batch at a time; the rows it returns."""
    rows: list[Row] = []
    for start in range(0, len(ids), BATCH):
        batch = list(ids[start : start + BATCH])
        marks = ", ".join("?" for _ in batch)
        rows += conn.execute(sql.format(marks=marks), (*head, *batch)).fetchall()
    return rows


def _test_sends(conn: Connection, send_ids: Sequence[str]) -> set[str]:
    """eSMS never settles a test send: none of its messages is waited for."""
    sql = "SELECT id FROM sends WHERE test_send = 1 AND id IN ({marks})"
    return {row["id"] for row in _in_batches(conn, sql, send_ids)}


def _carries(query: str, phone: str) -> bool:
    """Whether a callback's raw query names the number (its phonenumber, or anywhere)."""
    try:
        values = " ".join(value for _, value in parse_qsl(query, max_num_fields=40))
    except ValueError:
        values = unquote(query)
    return holds(values, phone)


def _unmatched_callbacks(conn: Connection, phone: str) -> list[int]:
    ascii_digits, wide_digits = prefilter(phone)
    rows = conn.execute(
        """SELECT id, query FROM callbacks WHERE outcome = 'unmatched'
               AND (query LIKE ? OR query LIKE ?)""",
        (ascii_digits, wide_digits),
    ).fetchall()
    return [row["id"] for row in rows if _carries(row["query"] or "", phone)]


def _alone(conn: Connection, phone: str, send_ids: Sequence[str]) -> list[str]:
    """The sends no other number received."""
    sql = "SELECT DISTINCT send_id FROM recipients WHERE phone <> ? AND send_id IN ({marks})"
    shared = {row["send_id"] for row in _in_batches(conn, sql, send_ids, phone)}
    return [send_id for send_id in send_ids if send_id not in shared]


def _count(conn: Connection, sql: str, params: Sequence[object]) -> int:
    row = conn.execute(sql, params).fetchone()
    return int(row["n"]) if row else 0


def reach_of(conn: Connection, phone: str, key: str, lock: str = "") -> Reach:
    """What the app holds about `phone` now (the erasure's preview, and its record)."""
    rows = _recipients(conn, phone, lock)
    send_ids = sorted({row["send_id"] for row in rows})
    tests = _test_sends(conn, send_ids)
    ids = [row["id"] for row in rows]
    callbacks = _in_batches(
        conn, "SELECT COUNT(*) AS n FROM callbacks WHERE recipient_id IN ({marks})", ids
    )
    sql = "SELECT COUNT(*) AS n FROM slack_posts WHERE send_id IN ({marks})"
    posts = sum(row["n"] for row in _in_batches(conn, sql, send_ids))
    ascii_digits, _wide = prefilter(phone)
    posts += sum(
        1
        for row in conn.execute(
            "SELECT text, blocks FROM slack_posts WHERE send_id IS NULL AND text LIKE ?",
            (ascii_digits,),
        ).fetchall()
        if holds(row["text"], phone) or holds(row["blocks"], phone)
    )
    return Reach(
        sends=len(send_ids),
        alone=len(_alone(conn, phone, send_ids)),
        campaign_rows=sum(1 for row in rows if row["row_number"] is not None),
        callbacks=sum(row["n"] for row in callbacks) + len(_unmatched_callbacks(conn, phone)),
        opt_out=bool(opted_out_in(conn, [phone], key)),
        consent=_count(conn, "SELECT COUNT(*) AS n FROM consents WHERE phone = ?", (phone,)) > 0,
        history=_count(conn, "SELECT COUNT(*) AS n FROM opt_out_events WHERE phone = ?", (phone,))
        + _count(conn, "SELECT COUNT(*) AS n FROM consent_events WHERE phone = ?", (phone,)),
        mentions=len(list(found_in(conn, phone))),
        posts=posts,
        in_flight=sum(
            1 for row in rows if row["state"] in IN_FLIGHT and row["send_id"] not in tests
        ),
        queued=sum(1 for row in rows if row["state"] == State.QUEUED),
    )


def erase_in(
    conn: Connection, phone: str, key: str, erasure_id: int, *, lock: str, force: bool
) -> Erased | Waiting:
    """Erase `phone` in the caller's transaction (see the module's docstring); `force`: even
    under messages eSMS has not settled (the wait is over)."""
    now = time.time()
    rows = _recipients(conn, phone, lock)
    queued = [row for row in rows if row["state"] == State.QUEUED]
    cancelled = _in_batches(
        conn,
        "UPDATE recipients SET state = ?, updated_at = ? WHERE state = ? AND id IN ({marks})"
        " RETURNING send_id",
        [row["id"] for row in queued],
        State.CANCELLED,
        now,
        State.QUEUED,
    )
    for send_id in sorted({row["send_id"] for row in cancelled}):
        enqueue_sync(conn, send_id)  # the thread shows them cancelled
    tests = _test_sends(conn, sorted({row["send_id"] for row in rows}))
    in_flight = [r for r in rows if r["state"] in IN_FLIGHT and r["send_id"] not in tests]
    if in_flight and not force:
        return Waiting(len(in_flight), len(cancelled))
    reach = reach_of(conn, phone, key)
    rows = _recipients(conn, phone, lock)
    send_ids = sorted({row["send_id"] for row in rows})
    mask_found(conn, list(found_in(conn, phone)))  # before any key below changes
    _erase_sends(conn, _alone(conn, phone, send_ids))
    mask, keyed = mask_phone(phone), digest(key, phone)
    for row in rows:
        conn.execute(
            """UPDATE recipients SET phone = ?, phone_digest = ?, text = NULL, image_url = NULL,
                   button_label = NULL, button_url = NULL, row_values = NULL,
                   error_detail = ?, fallback_reason = ? WHERE id = ?""",
            (
                mask,
                keyed,
                mask_stored(row["error_detail"], phone),
                mask_stored(row["fallback_reason"], phone),
                row["id"],
            ),
        )
    _in_batches(
        conn,
        "UPDATE callbacks SET query = '' WHERE recipient_id IN ({marks}) RETURNING id",
        [row["id"] for row in rows],
    )
    # Without its SMSID an erased callback is never replayed: its query cannot be parsed.
    _in_batches(
        conn,
        "UPDATE callbacks SET query = '', sms_id = NULL WHERE id IN ({marks}) RETURNING id",
        _unmatched_callbacks(conn, phone),
    )
    _keep_the_opt_out_as_digest(conn, phone, keyed)
    conn.execute("DELETE FROM consents WHERE phone = ?", (phone,))
    conn.execute(
        "UPDATE consent_events SET phone = ?, evidence = NULL WHERE phone = ?", (keyed, phone)
    )
    conn.execute("DELETE FROM phone_locks WHERE phone = ?", (lock_key(phone),))
    # A second confirmation asked for the same number is this one's: its number goes too.
    conn.execute(
        """UPDATE privacy_requests SET pending_phone = NULL, state = 'expired'
           WHERE pending_phone = ? AND id <> ? AND state = 'confirming'""",
        (phone, erasure_id),
    )
    edits = mark_for_erasure(conn, phone, send_ids, erasure_id)
    return Erased(reach, len(cancelled), edits, unrecorded(conn, send_ids))


def _erase_sends(conn: Connection, send_ids: Sequence[str]) -> None:
    """What was written for these sends' one number: as a purge forgets it."""
    for send_id in send_ids:
        conn.execute(
            """UPDATE sends SET text = '', image_url = '', button_label = '', button_url = '',
                   response_url = NULL, decision_reason = NULL, sms_text = NULL,
                   image_file = NULL, image_token = NULL WHERE id = ?""",
            (send_id,),
        )
        conn.execute("UPDATE approval_events SET reason = NULL WHERE send_id = ?", (send_id,))
        conn.execute(  # a campaign's file: its link and the invalid rows' values
            "UPDATE campaigns SET file_url = NULL, invalid = NULL WHERE send_id = ?", (send_id,)
        )


def _keep_the_opt_out_as_digest(conn: Connection, phone: str, keyed: str) -> None:
    """The opt-out stays, standing under the digest (once, should it be there already)."""
    if conn.execute("SELECT 1 FROM opt_outs WHERE phone = ?", (keyed,)).fetchone():
        conn.execute("DELETE FROM opt_outs WHERE phone = ?", (phone,))
    else:
        conn.execute("UPDATE opt_outs SET phone = ? WHERE phone = ?", (keyed, phone))
    conn.execute("UPDATE opt_out_events SET phone = ? WHERE phone = ?", (keyed, phone))
