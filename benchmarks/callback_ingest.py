"""Benchmark 2: delivery callbacks per second, against a static-200 server in the same run.

Every recipient of --sends sends gets five reports (waiting, sent, delivered, a duplicate, a late
"sent"), fired over --connections keep-alive connections. Afterwards every callback must be
stored and every recipient delivered.

    python -m benchmarks.callback_ingest [--sends 1000] [--connections 64]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from pathlib import Path

from benchmarks.callbacks import REPORTS, fire, populate
from benchmarks.common import (
    Baseline,
    EsmsStandIn,
    SlackApiStandIn,
    app_environment,
    percentiles,
    start_app,
    table,
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sends", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-callbacks-"))
    slack, esms = SlackApiStandIn().start(), EsmsStandIn().start()
    population = populate(workdir / "bench.db", slack, args.sends, channels=50)
    env = app_environment(slack.url, esms.url, 0, workdir / "unused.db")
    baseline = Baseline("static", workdir, env)
    try:
        base_latencies, base_wall, _ = fire(baseline.base_url, population.sms_ids, args.connections)
    finally:
        baseline.stop()
    app = start_app(slack, esms, workdir)
    try:
        latencies, wall, failures = fire(app.base_url, population.sms_ids, args.connections)
    finally:
        app.stop()
        slack.stop()
        esms.stop()

    with sqlite3.connect(workdir / "bench.db") as conn:
        stored = conn.execute("SELECT COUNT(*) FROM callbacks").fetchone()[0]
        states = dict(
            conn.execute("SELECT state, COUNT(*) FROM recipients GROUP BY state").fetchall()
        )
    total = len(REPORTS) * args.sends
    b, o = percentiles(base_latencies), percentiles(latencies)
    rows = [
        ["baseline: static 200", total, total / base_wall, b["p50"], b["p99"]],
        ["viber-bot", total, total / wall, o["p50"], o["p99"]],
    ]
    table(f"Callback ingest, {args.sends} sends, {args.connections} connections",
          ["server", "callbacks", "per second", "p50 ms", "p99 ms"], rows)  # fmt: skip
    share = (total / wall) / (total / base_wall)
    print(
        f"\n{total / wall:.0f} callbacks/s (target ≥ 1000), {share:.0%} of the static baseline (target ≥ 30 %)"
    )
    print(
        f"stored callbacks: {stored}/{total}; non-200 answers: {failures}; recipient states: {states}"
    )
    if stored != total or states != {"delivered": args.sends} or failures:
        raise SystemExit("verification failed: a callback was lost or a recipient is not delivered")


if __name__ == "__main__":
    main()
