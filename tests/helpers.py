"""Small helpers several test modules share."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

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
    while (job := store.claim_job()) is not None:
        kinds.append(job.kind)
        store.finish_job(job.id)
    return kinds
