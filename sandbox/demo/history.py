"""Past sends for a chart to show: days of varied agents, channels, brandnames and outcomes
(delivered, failed with eSMS's reasons, SMS fallbacks, opted-out numbers, test sends), the same
for the same seed.

They are written straight into the database as finished history — no thread, no job, nothing
for eSMS, an SMS fallback not linked to its Viber line — so the demo's `/viber chart` and Home tab have a month to show, and the tests a
month whose every figure they can count from the list itself.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.db import Database

DAY = 86400.0
AGENTS = ("U0LAN", "U0DUC", "U0HUONG", "U0BAO")
NAMES = {
    "U0LAN": "Nguyễn Thị Lan",
    "U0DUC": "Trần Văn Đức",
    "U0HUONG": "Phạm Thu Hương",
    "U0BAO": "Lê Quốc Bảo",
}
BRANDNAMES = ("CỬA HÀNG ĐỨC", "ĐIỆN MÁY", "SHOP")
# (state, eSMS result code, weight): what became of a Viber message
OUTCOMES = (
    ("delivered", None, 70),
    ("failed", None, 8),
    ("rejected", None, 3),
    ("refused", 103, 2),
    ("refused", 118, 1),
    ("skipped", None, 3),
    ("cancelled", None, 2),
)  # only final states: a message still on its way would be polled for and fall back to SMS
VIBER_PRICE, SMS_PRICE = 470.0, 560.0


@dataclass(frozen=True)
class PastRecipient:
    send_id: str
    created_at: float
    user_id: str
    channel_id: str
    brandname: str
    test_send: bool
    channel: str  # viber | sms
    state: str
    error_code: int | None
    price: float | None


def past_month(
    start: float,
    days: int,
    channel_ids: Sequence[str],
    *,
    sends_per_day: int = 12,
    seed: int = 7,
) -> list[PastRecipient]:
    """Sends made over `days` days from `start` (epoch seconds), each with one to four
    numbers; a failed Viber message of a care send has an SMS fallback."""
    chance = random.Random(seed)
    states = [(state, code) for state, code, weight in OUTCOMES for _ in range(weight)]
    rows: list[PastRecipient] = []
    for day in range(days):
        for number in range(chance.randint(sends_per_day // 2, sends_per_day * 3 // 2)):
            send_id = uuid.UUID(int=chance.getrandbits(128)).hex[:16]
            at = start + day * DAY + chance.uniform(7, 21) * 3600
            send: dict[str, Any] = {
                "send_id": send_id,
                "created_at": at,
                "user_id": chance.choice(AGENTS),
                "channel_id": chance.choice(channel_ids),
                "brandname": chance.choice(BRANDNAMES),
                "test_send": number % 17 == 5,
            }
            for _position in range(chance.choice((1, 1, 1, 2, 4))):
                state, code = chance.choice(states)
                sent = state in ("delivered", "failed", "rejected")
                price = VIBER_PRICE if sent and not send["test_send"] else None
                rows.append(
                    PastRecipient(
                        **send, channel="viber", state=state, error_code=code, price=price
                    )
                )
                if state == "failed":
                    sms_state = chance.choice(("delivered", "delivered", "delivered", "failed"))
                    price = None if send["test_send"] else SMS_PRICE
                    rows.append(
                        PastRecipient(
                            **send, channel="sms", state=sms_state, error_code=None, price=price
                        )
                    )
    return rows


def write_history(db: Database, rows: Sequence[PastRecipient], team_id: str = "T0001") -> None:
    """The sends and recipients of `rows`, in one transaction, as finished history."""
    sends: dict[str, PastRecipient] = {}
    with_sms = set()
    for row in rows:
        sends.setdefault(row.send_id, row)
        if row.channel == "sms":
            with_sms.add(row.send_id)
    with db.transaction() as conn:
        conn.executemany(
            """INSERT INTO sends (id, created_at, updated_at, team_id, channel_id, user_id, text,
                   image_url, button_label, button_url, brandname, test_send, thread_state,
                   approval, category, sms_fallback)
               VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '', ?, ?, 'posted', 'none', 'care', ?)""",
            [
                (
                    send.send_id,
                    send.created_at,
                    send.created_at + 60,
                    team_id,
                    send.channel_id,
                    send.user_id,
                    "Đơn hàng của quý khách đã sẵn sàng.",
                    send.brandname,
                    int(send.test_send),
                    int(send.send_id in with_sms),
                )
                for send in sends.values()
            ],
        )
        positions: dict[str, int] = {}
        for row in rows:
            position = positions.get(row.send_id, -1) + (row.channel == "viber")
            positions[row.send_id] = position
            conn.execute(
                """INSERT INTO recipients (send_id, position, phone, request_id, sms_id, state,
                       error_code, telco_id, price, submitted_at, updated_at, channel)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    row.send_id,
                    position,
                    f"09{(int(row.send_id, 16) + position) % 10**8:08d}",
                    str(uuid.uuid4()),
                    None
                    if row.state in ("skipped", "cancelled", "refused")
                    else uuid.uuid4().hex[:12],
                    row.state,
                    row.error_code,
                    1 if row.price else None,
                    row.price,
                    row.created_at + 5,
                    row.created_at + 60,
                    row.channel,
                ),
            )
