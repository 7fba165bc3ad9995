"""`/healthz?deep=1`: what is wrong with the deployment, in sentences an operator can act on.

- The database must answer.
- No job may wait more than QUEUE_AGE_LIMIT_SECONDS past its time: when one does, no process
  runs the jobs (RUN_JOBS=web with no `viber-bot worker` running) or they cannot keep up.
- With PUBLIC_URL set (without it eSMS sends no callbacks), callbacks must not fall silent: no
  callback for CALLBACK_SILENCE_SECONDS while recipients accepted between that long and
  CALLBACK_WINDOW_SECONDS ago still wait for their delivery status means eSMS cannot reach the app.
  (Older ones are the reconciliation's: a phone switched off for days is not an outage.)

The sentences name no number, URL or secret: the route needs no token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.metrics.figures import Health

log = logging.getLogger(__name__)

QUEUE_AGE_LIMIT_SECONDS = 120.0
CALLBACK_SILENCE_SECONDS = 30 * 60.0
CALLBACK_WINDOW_SECONDS = 6 * 3600.0


def deep_check(
    ping: Callable[[], bool],
    read: Callable[[float], Health],
    *,
    callbacks_expected: bool,
    now: float | None = None,
) -> list[str]:
    """The problems found, none when all is well. `read(now)` gives the figures to judge."""
    now = time.time() if now is None else now
    if not ping():
        return ["The database does not answer: nothing can be stored or sent."]
    try:
        health = read(now)
    except Exception as error:
        log.warning("deep health check: the database's figures could not be read (%s)", error)
        return [
            f"The database answers, but reading the queue and the callbacks failed "
            f"({type(error).__name__}): see the log."
        ]
    return judge(health, now=now, callbacks_expected=callbacks_expected)


def judge(health: Health, *, now: float, callbacks_expected: bool) -> list[str]:
    problems = []
    if health.oldest_due_seconds > QUEUE_AGE_LIMIT_SECONDS:
        problems.append(
            f"The oldest due job has waited {health.oldest_due_seconds:.0f} s (more than "
            f"{QUEUE_AGE_LIMIT_SECONDS:.0f} s): no process is running the jobs (with "
            "RUN_JOBS=web, is a viber-bot worker running?) or they cannot keep up."
        )
    silent = health.last_callback_at is None or (
        now - health.last_callback_at > CALLBACK_SILENCE_SECONDS
    )
    if callbacks_expected and silent and health.awaiting_status:
        none = (
            "No eSMS callback has ever arrived"
            if health.last_callback_at is None
            else f"No eSMS callback has arrived for {(now - health.last_callback_at) / 60:.0f} min"
        )
        problems.append(
            f"{none} while {health.awaiting_status} "
            f"recipient{'' if health.awaiting_status == 1 else 's'} accepted more than "
            f"{CALLBACK_SILENCE_SECONDS / 60:.0f} min ago still wait for their delivery status: "
            "check that eSMS can reach PUBLIC_URL."
        )
    return problems
