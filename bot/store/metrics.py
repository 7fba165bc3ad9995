"""The work in figures, read from the database at scrape time with a few aggregate queries, so
that any web process shows the whole deployment (worker processes included); and the one
count that has no row of its own elsewhere, `count_event` (Slack's 429s).

Nothing here changes the app's data: the reads are plain SELECTs, and `count_event` touches
only the `counters` table, which it creates if the schema does not have it yet.
"""

from __future__ import annotations

import logging
import time
import weakref
from typing import Protocol, cast

from bot.core.delivery import State
from bot.core.model import Approval, Channel, JobKind, JobState, ThreadState
from bot.db import Database, schema, tallies
from bot.metrics.figures import Figures, Health, RetentionFigures
from bot.store.pruning import CALLBACKS_PRUNED, GIVE_UPS_PRUNED, RETRIES_PRUNED
from bot.store.retention import last_runs

log = logging.getLogger(__name__)

SLACK_RATE_LIMITED = "slack_rate_limited"  # Slack answered 429
# When a workflow last ran the step with the old manifest's "Send as" input (epoch seconds).
OLD_STEP_SEEN_AT = "old_step_seen_at"
COUNTERS_TABLE = """CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY, value {bigint} NOT NULL DEFAULT 0)"""
ACCEPTED_CODE = "100"  # eSMS's CodeResult for an accepted request (124, our own retry, too)
# States a recipient reaches only once eSMS accepted it; a refusal keeps eSMS's code.
_ACCEPTED_STATES = frozenset(State) - {
    State.QUEUED,
    State.SUBMITTING,
    State.UNCONFIRMED,
    State.REFUSED,
    State.CANCELLED,
    State.SKIPPED,
    State.UNAVAILABLE,
}
# Accepted and waiting for their delivery status, which a callback brings.
_AWAITING_STATUS = (State.ACCEPTED, State.WAITING, State.SENDING, State.SENT)
_OUTCOMES = {"applied": "applied", "no_change": "duplicate", "unmatched": "unmatched"}
_UNFINISHED = (JobState.QUEUED, JobState.RUNNING)

_ready: weakref.WeakSet[Database] = weakref.WeakSet()  # databases known to have `counters`


class _HasDatabase(Protocol):
    db: Database


def count_event(target: Database | _HasDatabase, name: str, amount: int = 1) -> None:
    """Add `amount` to the counter `name` (SLACK_RATE_LIMITED), for the whole
    deployment. Never raises: a count lost is better than a job or a request failed by it."""
    db = cast(Database, getattr(target, "db", target))  # a store, or the database itself
    try:
        _ensure_counters(db)
        with db.transaction() as conn:
            conn.execute(
                """INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name)
                   DO UPDATE SET value = counters.value + excluded.value""",
                (name, amount),
            )
    except Exception as error:
        log.warning("the count of %s was not recorded: %s", name, type(error).__name__)


def note_moment(target: Database | _HasDatabase, name: str) -> None:
    """Set the counter `name` to now (epoch seconds); never raises, as `count_event`."""
    db = cast(Database, getattr(target, "db", target))  # a store, or the database itself
    try:
        _ensure_counters(db)
        with db.transaction() as conn:
            conn.execute(
                """INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name)
                   DO UPDATE SET value = excluded.value""",
                (name, int(time.time())),
            )
    except Exception as error:
        log.warning("%s was not recorded: %s", name, type(error).__name__)


def counter(db: Database, name: str) -> int:
    """The counter's value; 0 when it was never counted."""
    _ensure_counters(db)
    row = db.fetch_one("SELECT value FROM counters WHERE name = ?", (name,))
    return int(row["value"]) if row else 0


def _ensure_counters(db: Database) -> None:
    """Create `counters` until the schema's migration does. Two processes creating it at once
    on PostgreSQL may collide on the catalog; the second try then finds it there."""
    if db in _ready:
        return
    for attempt in (1, 2):
        try:
            with db.transaction() as conn:
                conn.execute(schema.render(COUNTERS_TABLE, db.kind))
            break
        except Exception:
            if attempt == 2:
                raise
    _ready.add(db)


def read_figures(db: Database, now: float | None = None, *, retention_days: int = 0) -> Figures:
    """Every figure of `/metrics`, each label that can be known from the code present (zero
    when no row has it), so that a series never vanishes; `retention_days` is the setting the
    caller reads, beside the runs the database recorded."""
    now = time.time() if now is None else now
    _ensure_counters(db)
    counted = tallies.read(db)
    # Enum members as keys, which the rows' strings find: a StrEnum is equal to its value.
    sends: dict[str, int] = dict.fromkeys(ThreadState, 0)
    awaiting_approval = 0
    for (thread_state, approval), n in counted.get("sends", {}).items():
        sends[thread_state] = sends.get(thread_state, 0) + n
        if approval == Approval.PENDING:
            awaiting_approval += n
    recipients = {(channel.value, state.value): 0 for channel in Channel for state in State}
    results = {(channel.value, ACCEPTED_CODE): 0 for channel in Channel}
    for (channel, state, error_code), n in counted.get("recipients", {}).items():
        recipients[(channel, state)] = recipients.get((channel, state), 0) + n
        code = _result_code(state, int(error_code) if error_code else None)
        if code is not None:
            results[(channel, code)] = results.get((channel, code), 0) + n
    callbacks = dict.fromkeys(_OUTCOMES.values(), 0)
    for (raw,), n in counted.get("callbacks", {}).items():
        outcome = _OUTCOMES.get(raw, raw)
        callbacks[outcome] = callbacks.get(outcome, 0) + n
    jobs = {(kind.value, state.value): 0 for kind in JobKind for state in JobState}
    retries: dict[str, int] = dict.fromkeys(JobKind, 0)
    give_ups: dict[str, int] = dict.fromkeys(JobKind, 0)
    for (kind, state), n in counted.get("jobs", {}).items():
        jobs[(kind, state)] = n
        if state == JobState.FAILED:
            give_ups[kind] = give_ups.get(kind, 0) + n
    # (A wait set by Slack's Retry-After or by a rule, such as a paused campaign, gives its
    # attempt back: not a retry.)
    for (kind,), n in counted.get("job_retries", {}).items():
        retries[kind] = retries.get(kind, 0) + n
    decisions: dict[str, int] = dict.fromkeys(
        (Approval.APPROVED, Approval.REJECTED, Approval.EXPIRED, Approval.WITHDRAWN), 0
    )
    for (action,), n in counted.get("decisions", {}).items():
        decisions[action] = n
    counters = {row["name"]: row["value"] for row in db.fetch_all("SELECT * FROM counters")}
    # What pruned rows counted before they were deleted (bot.store.pruning).
    for name, value in counters.items():
        if name.startswith(RETRIES_PRUNED):
            kind = name.removeprefix(RETRIES_PRUNED)
            retries[kind] = retries.get(kind, 0) + int(value)
        elif name.startswith(GIVE_UPS_PRUNED):
            kind = name.removeprefix(GIVE_UPS_PRUNED)
            give_ups[kind] = give_ups.get(kind, 0) + int(value)
        elif name.startswith(CALLBACKS_PRUNED):
            raw = name.removeprefix(CALLBACKS_PRUNED)
            outcome = _OUTCOMES.get(raw, raw)
            callbacks[outcome] = callbacks.get(outcome, 0) + int(value)
    duties = {
        row["name"]: bool(row["held"])
        for row in db.fetch_all(
            f"""SELECT name, CASE WHEN expires_at > {db.clock} THEN 1 ELSE 0 END AS held
                FROM leases WHERE holder <> ''"""
        )
    }
    retention = last_runs(db)
    return Figures(
        sends={str(key): value for key, value in sends.items()},
        awaiting_approval=awaiting_approval,
        recipients=recipients,
        esms_results=results,
        callbacks=callbacks,
        jobs=jobs,
        job_retries={str(key): value for key, value in retries.items()},
        job_give_ups={str(key): value for key, value in give_ups.items()},
        oldest_due_seconds=oldest_due_seconds(db, now),
        approval_decisions={str(key): value for key, value in decisions.items()},
        slack_rate_limited=counters.get(SLACK_RATE_LIMITED, 0),
        duties=duties,
        retention=RetentionFigures(retention_days, retention.sends, retention.at),
    )


def _result_code(state: str, error_code: int | None) -> str | None:
    """eSMS's answer to a recipient's submission: its refusal's code, 100 for an acceptance,
    None when eSMS has not answered (never submitted, or no answer)."""
    if error_code is not None:
        return str(error_code)
    if state in _ACCEPTED_STATES:
        return ACCEPTED_CODE
    if state == State.REFUSED:
        return "unknown"
    return None


def oldest_due_seconds(db: Database, now: float) -> float:
    """How long the job waiting longest to run has been runnable: a queued job that is due and
    first of its line (one behind another job of its thread waits for that one, not for a
    process), or a running one whose holder stopped renewing its lease. 0 when none waits."""
    due = db.fetch_one(
        """SELECT MIN(j.run_after) AS due FROM jobs j
            WHERE j.state = ? AND j.run_after <= ? AND j.id = (
                SELECT MIN(e.id) FROM jobs e
                WHERE e.order_key = j.order_key AND e.state IN (?, ?))""",
        (JobState.QUEUED, now, *_UNFINISHED),
    )
    lost = db.fetch_one(
        f"""SELECT {db.clock} - MIN(lease_until) AS waited FROM jobs
            WHERE state = ? AND lease_until < {db.clock}""",
        (JobState.RUNNING,),
    )
    waits = [0.0]
    if due and due["due"] is not None:
        waits.append(now - float(due["due"]))
    if lost and lost["waited"] is not None:
        waits.append(float(lost["waited"]))
    return max(waits)


def read_health(db: Database, now: float, silence_seconds: float, window_seconds: float) -> Health:
    """The figures `/healthz?deep=1` judges: the queue's oldest due job, the latest callback,
    and how many recipients (test sends aside: eSMS never gives theirs) were accepted
    between `window_seconds` and `silence_seconds` ago and still wait for their delivery status."""
    latest = db.fetch_one("SELECT received_at FROM callbacks ORDER BY id DESC LIMIT 1")
    marks = ", ".join("?" for _ in _AWAITING_STATUS)
    waiting = db.fetch_one(
        f"""SELECT COUNT(*) AS n FROM recipients r JOIN sends s ON s.id = r.send_id
            WHERE r.state IN ({marks}) AND s.test_send = 0
              AND r.submitted_at < ? AND r.submitted_at >= ?""",
        (*_AWAITING_STATUS, now - silence_seconds, now - window_seconds),
    )
    return Health(
        oldest_due_seconds=oldest_due_seconds(db, now),
        last_callback_at=None if latest is None else latest["received_at"],
        awaiting_status=int(waiting["n"]) if waiting else 0,
    )
