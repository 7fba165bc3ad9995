"""Retention that runs by itself (Law 91/2025/QH15: personal data deleted once its purpose is
fulfilled): once a Vietnam day, the content and numbers of sends older than RETENTION_DAYS are
purged, as `viber-bot purge --older-than DAYS` does (`Privacy.purge_old`).

The first run of a setting only counts: with no run of the same number of days on an earlier
day (it was just set, or changed), the day's run is a dry run, and the purge starts the next
day. Each run is recorded in `retention_runs` (one row per day) in the transaction that did
it; a run whose time ran out records nothing, so the next pruning carries on that same day.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.core.formatting import vietnam_day
from bot.db import Connection, Database
from bot.store.privacy import Privacy, Purged

DAY = 86400
KEEP_RUNS_DAYS = 400  # a run's row is kept this long: a year of them and some
# What a purge does in one run: a backlog beyond it goes on at the next pruning.
RUN_BUDGET_SECONDS = 60.0
# Sends and recipients purged by batches of a run cut short, added to the run that finishes.
UNRECORDED = "retention_unrecorded:"  # + sends | recipients


@dataclass(frozen=True)
class RetentionRun:
    day: str  # the Vietnam day it ran for, `2026-12-07`
    days: int  # RETENTION_DAYS it applied
    dry: bool  # True: it only counted
    sends: int  # sends purged (or, dry, that would be)
    recipients: int
    finished: bool = True  # False: its time ran out; the next pruning carries on


@dataclass(frozen=True)
class LastRuns:
    """The latest dry run and the latest purge, for /metrics."""

    sends: dict[bool, int]  # dry → sends of the latest run of that kind (0: none yet)
    at: dict[bool, float]  # dry → when it ran, epoch seconds (0: never)


class Retention:
    def __init__(self, db: Database, privacy: Privacy) -> None:
        self.db = db
        self.privacy = privacy

    def run(
        self,
        days: int,
        *,
        now: float | None = None,
        budget_seconds: float | None = RUN_BUDGET_SECONDS,
    ) -> RetentionRun | None:
        """The day's run for a retention of `days` (0: none, and nothing is done); None when
        today's is done already."""
        if days <= 0:
            return None
        at = time.time() if now is None else now
        day = vietnam_day(at)
        today = self.db.fetch_one("SELECT days FROM retention_runs WHERE day = ?", (day,))
        if today is not None and int(today["days"]) == days:
            return None
        # A changed setting replaces the day's run by its own dry run: its first.
        before = self.db.fetch_one(
            "SELECT days FROM retention_runs WHERE day < ? ORDER BY day DESC LIMIT 1", (day,)
        )
        dry = before is None or int(before["days"]) != days
        recorded: list[Purged] = []

        def record(conn: Connection, batch: Purged) -> None:
            if not batch.finished:
                _add(conn, UNRECORDED + "sends", batch.sends)
                _add(conn, UNRECORDED + "recipients", batch.recipients)
                return
            carried = Purged()
            if not dry:
                carried = Purged(_take(conn, "sends"), _take(conn, "recipients"))
            total = Purged(batch.sends + carried.sends, batch.recipients + carried.recipients)
            conn.execute(
                """INSERT INTO retention_runs (day, days, dry, sends, ran_at)
                   VALUES (?, ?, ?, ?, ?) ON CONFLICT (day) DO UPDATE SET days = excluded.days,
                   dry = excluded.dry, sends = excluded.sends, ran_at = excluded.ran_at""",
                (day, days, int(dry), total.sends, at),
            )
            keep_from = vietnam_day(at - KEEP_RUNS_DAYS * DAY)
            conn.execute("DELETE FROM retention_runs WHERE day < ?", (keep_from,))
            recorded.append(total)

        purged = self.privacy.purge_old(
            days * DAY, now=at, dry=dry, budget_seconds=budget_seconds, each=record
        )
        # Finished, the run tells what its record says: its batches and those of any run cut
        # short before it.
        told = recorded[0] if recorded and purged.finished else purged
        return RetentionRun(
            day=day,
            days=days,
            dry=dry,
            sends=told.sends,
            recipients=told.recipients,
            finished=purged.finished,
        )


def _add(conn: Connection, name: str, amount: int) -> None:
    if amount:
        conn.execute(
            """INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name)
               DO UPDATE SET value = counters.value + excluded.value""",
            (name, amount),
        )


def _take(conn: Connection, what: str) -> int:
    """The count carried by runs cut short, now recorded: reset to 0."""
    row = conn.execute("SELECT value FROM counters WHERE name = ?", (UNRECORDED + what,)).fetchone()
    if row is None or not row["value"]:
        return 0
    conn.execute("UPDATE counters SET value = 0 WHERE name = ?", (UNRECORDED + what,))
    return int(row["value"])


def last_runs(db: Database) -> LastRuns:
    """The latest dry run and the latest purge (a table of one row a day, at most 400)."""
    rows = db.fetch_all(
        """SELECT dry, sends, ran_at FROM retention_runs r WHERE day = (
               SELECT MAX(day) FROM retention_runs l WHERE l.dry = r.dry)"""
    )
    sends = dict.fromkeys((True, False), 0)
    at = dict.fromkeys((True, False), 0.0)
    for row in rows:
        sends[bool(row["dry"])] = int(row["sends"])
        at[bool(row["dry"])] = float(row["ran_at"])
    return LastRuns(sends=sends, at=at)
