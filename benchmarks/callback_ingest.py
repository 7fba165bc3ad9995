"""Benchmark 2: delivery callbacks per second, against a static-200 server in the same run.

Every recipient of --sends sends gets five callbacks (waiting, sent, delivered, a duplicate, a late
"sent"), fired over --connections keep-alive connections. Afterwards every callback must be
stored and every recipient delivered. With --postgres (a server where databases may be created)
the same load also runs against PostgreSQL, with one and with two web processes.

    python -m benchmarks.callback_ingest [--sends 1000] [--connections 64]
                                         [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import tempfile
from contextlib import ExitStack
from pathlib import Path

from benchmarks.callbacks import STATUSES, fire, populate
from benchmarks.common import (
    Baseline,
    EsmsStandIn,
    SlackApiStandIn,
    app_environment,
    percentiles,
    start_app,
    table,
)
from bot.store import Store
from tests.databases import postgres_database


def measure(
    slack: SlackApiStandIn,
    esms: EsmsStandIn,
    workdir: Path,
    database_url: str,
    processes: int,
    args: argparse.Namespace,
) -> tuple[list[float], float, str | None]:
    """Latencies and wall time of the whole load; a reason when verification fails."""
    population = populate(database_url, slack, args.sends, channels=50)
    app = start_app(slack, esms, workdir, DATABASE_URL=database_url, WEB_CONCURRENCY=str(processes))
    try:
        latencies, wall, failures = fire(app.base_url, population.sms_ids, args.connections)
    finally:
        app.stop()
    store = Store.open(database_url)
    stored = store.deliveries.count_callbacks()
    states = {
        row["state"]: row["n"]
        for row in store.db.fetch_all("SELECT state, COUNT(*) AS n FROM recipients GROUP BY state")
    }
    store.close()
    total = len(STATUSES) * args.sends
    print(f"  stored callbacks {stored}/{total}, non-200 answers {failures}, states {states}")
    problem = None
    if stored != total or states != {"delivered": args.sends} or failures:
        problem = "a callback was lost or a recipient is not delivered"
    return latencies, wall, problem


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sends", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL server")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-callbacks-"))
    slack, esms = SlackApiStandIn().start(), EsmsStandIn().start()
    total = len(STATUSES) * args.sends
    population = populate(f"sqlite:///{workdir / 'baseline.db'}", slack, args.sends, channels=50)
    baseline = Baseline(
        "static", workdir, app_environment(slack.url, esms.url, 0, workdir / "x.db")
    )
    try:
        base_latencies, base_wall, _ = fire(baseline.base_url, population.sms_ids, args.connections)
    finally:
        baseline.stop()
    b = percentiles(base_latencies)
    rows = [["baseline: static 200", "-", total, total / base_wall, b["p50"], b["p99"]]]
    setups = [("SQLite, 1 process", None, 1)]
    if args.postgres:
        setups += [
            ("PostgreSQL, 1 process", args.postgres, 1),
            ("PostgreSQL, 2 processes", args.postgres, 2),
        ]
    problems = []
    try:
        for index, (name, server, processes) in enumerate(setups):
            print(f"viber-bot, {name} …")
            with ExitStack() as stack:
                url = (
                    stack.enter_context(postgres_database(server))
                    if server
                    else f"sqlite:///{workdir / f'bench-{index}.db'}"
                )
                latencies, wall, problem = measure(slack, esms, workdir, url, processes, args)
            o = percentiles(latencies)
            rows.append([f"viber-bot, {name}", processes, total, total / wall, o["p50"], o["p99"]])
            if problem:
                problems.append(f"{name}: {problem}")
    finally:
        slack.stop()
        esms.stop()

    table(
        f"Callback ingest, {args.sends} sends, {args.connections} connections",
        ["server", "processes", "callbacks", "per second", "p50 ms", "p99 ms"],
        rows,
    )
    best = max(row[3] for row in rows[1:])
    print(
        f"\nbest: {best:.0f} callbacks/s (target ≥ 1000), "
        f"{best / (total / base_wall):.0%} of the static baseline (target ≥ 30 %)"
    )
    if problems:
        raise SystemExit("verification failed: " + "; ".join(problems))


if __name__ == "__main__":
    main()
