"""Benchmark 1: how fast Slack gets its acknowledgement while eSMS is slow.

N concurrent agents each open the composer (/viber) and submit it, while eSMS takes
--esms-delay seconds per send. The same requests go to a minimal Bolt app that only acknowledges
(the baseline), served by gunicorn with the same settings, in the same run: the two in turn,
--rounds times, and the figures over all rounds (each round's ratio printed too).

    python -m benchmarks.ack_latency [--agents 20] [--requests 1000] [--rounds 3] [--esms-delay 5]
                                     [--postgres postgresql://postgres@127.0.0.1:5432/test]

With --postgres the app keeps its data on that server (a database created for the run and
dropped after) instead of SQLite.

The agents run in a process of their own: in the process that serves the stand-ins, their
clocks would also count the time the stand-ins hold the interpreter answering the app's Slack
calls (views.open …), which the baseline never makes — a bias against the app, not a latency
Slack would see.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks.common import (
    ROOT,
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


def drive_elsewhere(target: AppProcess, agents: int, total: int) -> list[float]:
    """`drive` in a process of its own (see the module's note); its ack times in ms."""
    command = [sys.executable, "-m", "benchmarks.ack_latency", "--drive-port", str(target.port)]
    command += ["--agents", str(agents), "--requests", str(total)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the agents' process failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1000, help="per round and server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--esms-delay", type=float, default=5.0)
    parser.add_argument("--postgres", metavar="URL", help="keep the app's data on PostgreSQL")
    parser.add_argument("--drive-port", type=int, help=argparse.SUPPRESS)  # the agents' process
    args = parser.parse_args()
    if args.drive_port:
        target = AppProcess({}, args.drive_port, Path(os.devnull))
        print(json.dumps(drive(target, args.agents, args.requests)))
        return
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
    app = None
    base: list[float] = []
    ours: list[float] = []
    ratios = []
    try:
        app = start_app(
            slack,
            esms,
            workdir,
            ESMS_TIMEOUT_SECONDS=str(args.esms_delay * 2 + 5),
            JOB_LEASE_SECONDS=str(args.esms_delay * 10 + 60),
            **({"DATABASE_URL": database} if database else {}),
        )
        for target in (baseline_client, app):
            drive_elsewhere(target, args.agents, 40)  # warm-up
        # Rounds in turn, so that the machine's load drifting during the run weighs on both.
        for _round in range(args.rounds):
            round_base = drive_elsewhere(baseline_client, args.agents, args.requests)
            round_ours = drive_elsewhere(app, args.agents, args.requests)
            base += round_base
            ours += round_ours
            ratios.append(percentiles(round_ours)["p99"] / percentiles(round_base)["p99"])
        busy = len(esms.submissions)
    finally:
        baseline.stop()
        if app is not None:
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
    each = ", ".join(f"{value:.2f}" for value in ratios)
    print(
        f"\np99 ratio to baseline: {ratio:.2f} (target ≤ 1.5); each round: {each}; "
        f"max {o['max']:.0f} ms (target < 1000 ms)"
    )
    print(f"eSMS requests in flight or done during the run: {busy}")


if __name__ == "__main__":
    main()
