"""Benchmark 7: tables that stay small, and a /metrics that reads no whole table.

Soak: --sends sends (one recipient each) with their jobs (post, submit, thread refresh), a
callback each and the leases they leave (a pace per channel, a refresh per campaign), spread
over 30 days ending now, written in bulk. Then the pruning duty runs as the app runs it, every
run bounded, until a run finds nothing: the rows left in `jobs`, `leases` and `callbacks`, and
the oldest of each, beside the retention windows (JOB_RETENTION_HOURS 24, CALLBACK_RETENTION_DAYS
14, the defaults).

Scrape: the database grows to --recipients recipients (benchmarks.export's filler), the
tallies' deltas are folded as the app's duty does every 5 s, and the figures of /metrics are
read as a scrape reads them (the tallies, rendered as Prometheus text),
median of --repeat, beside the same-run baseline: the same figures counted by scanning the
tables, as /metrics did before. SQLite always; PostgreSQL too with --postgres.

    python -m benchmarks.tables [--sends 50000] [--recipients 1000000] [--repeat 5]
                                [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest

from benchmarks.common import table
from benchmarks.export import say, seed
from bot.db import tallies
from bot.metrics.database import DatabaseCollector
from bot.store import Store
from bot.store.metrics import read_figures
from bot.store.pruning import cutoffs
from tests.databases import postgres_database

DAY = 86400
JOB_HOURS, CALLBACK_DAYS = 24.0, 14.0
# The figures /metrics counted before the tallies, by scanning (the same-run baseline).
SCANS = (
    "SELECT thread_state, approval, COUNT(*) AS n FROM sends GROUP BY thread_state, approval",
    """SELECT channel, state, error_code, COUNT(*) AS n FROM recipients
       GROUP BY channel, state, error_code""",
    "SELECT outcome, COUNT(*) AS n FROM callbacks GROUP BY outcome",
    """SELECT kind, state, COUNT(*) AS n, SUM(CASE WHEN state = 'queued' THEN attempts
           WHEN attempts > 1 THEN attempts - 1 ELSE 0 END) AS retries FROM jobs
       GROUP BY kind, state""",
    "SELECT action, COUNT(*) AS n FROM approval_events GROUP BY action",
)


def soak(store: Store, sends: int) -> list[list[object]]:
    now = time.time()
    send_rows, recipients, jobs, callbacks, leases = [], [], [], [], []
    for number in range(sends):
        at = now - 30 * DAY + number * 30 * DAY / sends
        send_id = uuid.uuid4().hex[:16]
        send_rows.append((send_id, at, "T0001", f"C{number % 200:04d}", "U0001", "posted", "none"))
        recipients.append(
            (send_id, f"09{number:08d}", f"r{number}", f"S{number}", "delivered", at + 20)
        )
        for kind in ("post_parent", "submit", "sync_thread"):
            jobs.append((kind, send_id, f"{kind}:{send_id}", "done", 1, at, at, at + 1))
        callbacks.append((at + 20, f"S{number}", "SendStatus=5", "applied"))
        leases.append((f"campaign-refresh:{send_id}", "", at + 60))
    leases += [(f"slack-pace:C{n:04d}", "", now - n * 3600) for n in range(200)]
    with store.db.transaction() as conn:
        conn.executemany(
            """INSERT INTO sends (id, created_at, team_id, channel_id, user_id, thread_state,
                   approval) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            send_rows,
        )
        conn.executemany(
            """INSERT INTO recipients (send_id, phone, request_id, sms_id, state, updated_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            recipients,
        )
        conn.executemany(
            """INSERT INTO jobs (kind, send_id, order_key, state, attempts, run_after,
                   created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            jobs,
        )
        conn.executemany(
            """INSERT INTO callbacks (received_at, sms_id, query, outcome)
               VALUES (?, ?, ?, ?)""",
            callbacks,
        )
        conn.executemany("INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)", leases)
        store.db.reset_identities(conn)
    before = {name: count(store, name) for name in ("jobs", "leases", "callbacks")}
    runs, started = 0, time.perf_counter()
    while True:
        runs += 1
        pruned = store.pruning.run(**cutoffs(JOB_HOURS, CALLBACK_DAYS))
        if not (pruned.jobs or pruned.leases or pruned.callbacks):
            break
    seconds = time.perf_counter() - started
    oldest = {
        "jobs": ("updated_at", JOB_HOURS / 24),
        "leases": ("expires_at", JOB_HOURS / 24),
        "callbacks": ("received_at", CALLBACK_DAYS),
    }
    rows = []
    for name, (column, window) in oldest.items():
        first = store.db.fetch_one(f"SELECT MIN({column}) AS at FROM {name}")["at"]
        age = (now - first) / DAY if first is not None else 0.0
        rows.append([name, before[name], count(store, name), f"{age:.2f}", f"{window:g}", runs,
                     f"{seconds:.1f}"])  # fmt: skip
    return rows


def count(store: Store, name: str) -> int:
    return store.db.fetch_one(f"SELECT COUNT(*) AS n FROM {name}")["n"]


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def scrape_figures(store: Store, repeat: int) -> tuple[float, float]:
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(lambda: read_figures(store.db)))

    def scans() -> None:
        for sql in SCANS:
            store.db.fetch_all(sql)

    return median_ms(lambda: generate_latest(registry), repeat), median_ms(scans, repeat)


def run(name: str, url: str, args: argparse.Namespace) -> tuple[list, list]:
    say(f"{name}: {args.recipients} recipients …")
    seed(url, max(0, args.recipients - args.sends), 4)
    store = Store.open(url, pool_size=1)
    try:
        say(f"{name}: soaking {args.sends} sends …")
        soaked = [[name, *row] for row in soak(store, args.sends)]
        total = count(store, "recipients")
        while tallies.fold(store.db):  # as the app's duty does every 5 s
            pass
        tallied, scanned = scrape_figures(store, args.repeat)
    finally:
        store.close()
    return soaked, [[name, total, f"{tallied:.1f}", f"{scanned:.1f}"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sends", type=int, default=50_000)
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="also on a new database on this server")
    args = parser.parse_args()
    soaked, scraped = [], []
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for name, url in [("sqlite", f"sqlite:///{workdir / 'tables.db'}")] + (
            [("postgres", stack.enter_context(postgres_database(args.postgres)))]
            if args.postgres
            else []
        ):
            rows, figures = run(name, url, args)
            soaked += rows
            scraped += figures
    table(
        f"Soak: {args.sends} sends over 30 days, then pruned",
        ["database", "table", "rows before", "rows after", "oldest (days)", "window (days)",
         "runs", "seconds"],
        soaked,
    )  # fmt: skip
    table(
        "A scrape's figures (median ms)",
        ["database", "recipients", "/metrics (tallies)", "baseline: counted by scans"],
        scraped,
    )


if __name__ == "__main__":
    main()
