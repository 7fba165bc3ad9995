"""Small helpers several test modules share."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.core.message import ViberMessage
from bot.core.model import NewSend, Recipient
from bot.store import Store

T = TypeVar("T")


def all_at_once(count: int, action: Callable[[int], T]) -> list[T]:
    """Run `action(0)` … `action(count - 1)` on threads released at the same moment; their
    results in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = action(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def drain(store: Store) -> list[str]:
    """Claim and finish every due job; their kinds, in the order they ran."""
    kinds = []
    while (job := store.jobs.claim()) is not None:
        kinds.append(job.kind)
        store.jobs.finish(job.id)
    return kinds


def new_send(store: Store, phones: Sequence[str] = ("0901234567",), **extra: object) -> str:
    """A plain text send from U1 in C1; `extra` sets any other field of NewSend."""
    fields: dict = {
        "team_id": "T",
        "channel_id": "C1",
        "user_id": "U1",
        "message": ViberMessage(text="Hi"),
        "brandname": "B",
        "test_send": False,
        **extra,
    }
    return store.sends.create(NewSend(phones=tuple(phones), **fields))


def make_recipient(
    phone: str,
    state: str,
    code: int | None = None,
    detail: str | None = None,
    *,
    id: int = 1,
) -> Recipient:
    """A recipient of send abc123 in `state`, with eSMS's refusal `code` and `detail` if any."""
    return Recipient(
        id=id,
        send_id="abc123",
        phone=phone,
        request_id="r",
        sms_id=None,
        state=state,
        esms_send_status=None,
        error_code=code,
        error_detail=detail,
        reported_state=None,
    )
