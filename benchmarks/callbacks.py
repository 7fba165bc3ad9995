"""Shared by benchmarks 2 and 3: a database of sends waiting for their delivery statuses, and the
callbacks that bring them."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass

from benchmarks.common import SlackApiStandIn
from bot.config import derive_callback_secret
from bot.core.delivery import State
from bot.core.message import ViberMessage
from bot.core.model import NewSend
from bot.jobs.parent import after_parent
from bot.store import Store
from sandbox.standins.esms import SECRET_KEY
from sandbox.standins.slack_api import Message

# Each recipient hears, in this order: waiting, sent, delivered, the same again, and a late "sent".
STATUSES = [
    "SendStatus=2",
    "SendStatus=7",
    "SendStatus=5&SendSuccess=1",
    "SendStatus=5&SendSuccess=1",
    "SendStatus=7",
]


@dataclass(frozen=True)
class Population:
    sms_ids: list[str]
    channels: int


def populate(database_url: str, slack: SlackApiStandIn, sends: int, channels: int) -> Population:
    """Sends already posted and accepted by eSMS, as they stand just before their callbacks come."""
    store = Store.open(database_url)
    store.migrate()
    sms_ids = []
    for index in range(sends):
        channel = f"C{index % channels:05d}"
        send_id = store.sends.create(
            NewSend(
                team_id="T0001",
                channel_id=channel,
                user_id="U0001",
                message=ViberMessage(text="Xin chào"),
                phones=(f"09{index:08d}",),
                brandname="TESTBRAND",
                test_send=False,
            )
        )
        parent_ts = f"{1600000000 + index}.000100"
        slack.messages[parent_ts] = Message(channel, parent_ts, "parent", [])
        store.sends.mark_parent_posted(send_id, parent_ts, then=after_parent)
        (recipient,) = store.sends.recipients(send_id)
        sms_id = f"{index:032x}250"
        store.deliveries.record_submission(recipient.id, State.ACCEPTED, sms_id=sms_id)
        sms_ids.append(sms_id)
    # The work up to here already happened: only the callbacks' consequences remain.
    with store.db.transaction() as conn:
        conn.execute("UPDATE jobs SET state = 'done'")
    store.close()
    return Population(sms_ids, channels)


def callback_path() -> str:
    return f"/esms/callback/{derive_callback_secret(SECRET_KEY)}"


def fire(
    base_url: str, sms_ids: list[str], connections: int, statuses: list[str] = STATUSES
) -> tuple[list[float], float, int]:
    """Send every status for every SMSID over `connections` keep-alive connections.

    A small asyncio HTTP/1.1 client, so that the load generator (which shares the machine with
    the server) costs far less than the server it measures. Returns (latencies in ms, wall time
    in s, non-200 answers)."""
    paths = [
        f"{callback_path()}?SMSID={sms_id}&{status}&TypeId=23"
        for status in statuses
        for sms_id in sms_ids
    ]
    return asyncio.run(_fire(base_url, paths, connections))


async def _fire(
    base_url: str, paths: list[str], connections: int
) -> tuple[list[float], float, int]:
    host, port = base_url.removeprefix("http://").split(":")
    latencies: list[float] = []
    failures = 0

    async def connection(chunk: list[str]) -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, int(port))
        for path in chunk:
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1000)
            failures += status != 200
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection(paths[i::connections]) for i in range(connections)))
    return latencies, time.perf_counter() - started, failures
