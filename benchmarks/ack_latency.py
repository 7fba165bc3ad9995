"""Benchmark 1: how fast Slack gets its acknowledgement while eSMS is slow.

N concurrent agents each open the composer (/viber) and submit it, while eSMS takes
--esms-delay seconds per send. The same requests go to a minimal Bolt app that only acknowledges
(the baseline), served by gunicorn with the same settings, in the same run.

    python -m benchmarks.ack_latency [--agents 20] [--requests 500] [--esms-delay 5]
                                     [--postgres postgresql://postgres@127.0.0.1:5432/test]

With --postgres the app keeps its data on that server (a database created for the run and
dropped after) instead of SQLite.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks.common import (
    AppProcess,
    Baseline,
    EsmsStandIn,
    SlackApiStandIn,
    app_environment,
    percentiles,
    start_app,
    table,
)
from tests.databases import postgres_database
from tests.e2e.harness import composer_values


def drive(target: AppProcess, agents: int, total: int) -> list[float]:
    """Each agent alternates /viber and a composer submission; returns ack times in ms."""
    timings: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def agent(index: int) -> None:
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            started = time.perf_counter()
            if number % 2 == 0:
                response = target.command("", user=f"U{index:04d}")
            else:
                phone = f"09{number:08d}"
                response = target.submit_composer(
                    composer_values(phone, text="Xin chào"), user=f"U{index:04d}"
                )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"unexpected HTTP {response.status_code}: {response.text[:200]}")
            with lock:
                timings.append(elapsed)

    threads = [threading.Thread(target=agent, args=(i,)) for i in range(agents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--esms-delay", type=float, default=5.0)
    parser.add_argument("--postgres", metavar="URL", help="keep the app's data on PostgreSQL")
    args = parser.parse_args()
    with ExitStack() as stack:
        database = stack.enter_context(postgres_database(args.postgres)) if args.postgres else None
        run(args, database)


def run(args: argparse.Namespace, database: str | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-ack-"))
    slack, esms = SlackApiStandIn().start(), EsmsStandIn().start()
    esms.send_delay = args.esms_delay
    env = app_environment(slack.url, esms.url, 0, workdir / "unused.db")
    baseline = Baseline("bolt", workdir, env)
    baseline_client = AppProcess(env, baseline.port, workdir / "baseline.log")
    try:
        drive(baseline_client, args.agents, 40)  # warm-up
        base = drive(baseline_client, args.agents, args.requests)
    finally:
        baseline.stop()
    app = start_app(
        slack,
        esms,
        workdir,
        ESMS_TIMEOUT_SECONDS=str(args.esms_delay * 2 + 5),
        JOB_LEASE_SECONDS=str(args.esms_delay * 10 + 60),
        **({"DATABASE_URL": database} if database else {}),
    )
    try:
        drive(app, args.agents, 40)  # warm-up
        ours = drive(app, args.agents, args.requests)
        busy = len(esms.submissions)
    finally:
        app.stop()
        slack.stop()
        esms.stop()

    b, o = percentiles(base), percentiles(ours)
    rows = [
        ["baseline: Bolt, ack only", len(base), b["p50"], b["p95"], b["p99"], b["max"]],
        ["viber-bot", len(ours), o["p50"], o["p95"], o["p99"], o["max"]],
    ]
    table(
        f"Acknowledgement latency (ms), {args.agents} agents, eSMS answering in {args.esms_delay:g} s, "
        f"{'PostgreSQL' if database else 'SQLite'} ({os.cpu_count()} cores)",
        ["server", "requests", "p50", "p95", "p99", "max"],
        rows,
    )
    ratio = o["p99"] / b["p99"] if b["p99"] else float("inf")
    print(
        f"\np99 ratio to baseline: {ratio:.2f} (target ≤ 1.5); max {o['max']:.0f} ms (target < 1000 ms)"
    )
    print(f"eSMS requests in flight or done during the run: {busy}")


if __name__ == "__main__":
    main()
