"""Benchmark 4: start-up time and peak memory of the web process, beside a minimal Bolt app.

Start-up: from launching the Procfile command to the first healthy /healthz. Memory: the peak
resident set (VmHWM) of gunicorn's worker and master after a scaled-down run of benchmarks
1 to 3 (acknowledgements while eSMS is slow, callbacks, a rate-limited drain).

    python -m benchmarks.footprint [--sends 300] [--requests 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import requests

from benchmarks.ack_latency import drive
from benchmarks.callbacks import fire, populate
from benchmarks.common import (
    AppProcess,
    Baseline,
    EsmsStandIn,
    SlackApiStandIn,
    app_environment,
    free_port,
    resident_memory_mb,
    table,
    worker_pid,
)


def started_app(
    slack: SlackApiStandIn, esms: EsmsStandIn, workdir: Path
) -> tuple[AppProcess, float]:
    port = free_port()
    env = app_environment(
        slack.url,
        esms.url,
        port,
        workdir / "bench.db",
        LOG_LEVEL="WARNING",
        ESMS_TIMEOUT_SECONDS="15",
        JOB_LEASE_SECONDS="60",
    )
    app = AppProcess(env, port, workdir / "app.log")
    started = time.perf_counter()
    app.start()  # returns at the first healthy /healthz
    return app, time.perf_counter() - started


def memory(master: int) -> tuple[float, float]:
    """Peak RSS of the worker and of the master, in MB."""
    return resident_memory_mb(worker_pid(master))[1], resident_memory_mb(master)[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sends", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-footprint-"))
    slack, esms = SlackApiStandIn().start(), EsmsStandIn().start()
    env = app_environment(slack.url, esms.url, 0, workdir / "unused.db")

    started = time.perf_counter()
    baseline = Baseline("bolt", workdir, env)
    baseline_start = time.perf_counter() - started
    try:
        drive(AppProcess(env, baseline.port, workdir / "b.log"), 20, args.requests)
        baseline_memory = memory(baseline.process.pid)
    finally:
        baseline.stop()

    population = populate(f"sqlite:///{workdir / 'bench.db'}", slack, args.sends, channels=30)
    app, app_start = started_app(slack, esms, workdir)
    try:
        esms.send_delay = 2.0
        drive(app, 20, args.requests)
        esms.send_delay = 0.0
        slack.rate_limit_per_channel = 1.0
        fire(app.base_url, population.sms_ids, 64)
        deadline = time.perf_counter() + 60
        while (
            requests.get(app.base_url + "/healthz", timeout=5).ok and time.perf_counter() < deadline
        ):
            if sum(1 for m in slack.replies_all() if "delivered" in str(m.blocks)) >= args.sends:
                break
            time.sleep(0.5)
        app_memory = memory(app.process.pid)
    finally:
        app.stop()
        slack.stop()
        esms.stop()

    rows = [
        ["baseline: Bolt, ack only", baseline_start, baseline_memory[0], baseline_memory[1]],
        ["viber-bot", app_start, app_memory[0], app_memory[1]],
    ]
    table("Footprint", ["server", "start to healthy s", "worker peak MB", "master peak MB"], rows)
    print(
        f"\nstart {app_start:.2f} s (target < 2 s); worker peak {app_memory[0]:.0f} MB (target < 120 MB)"
    )


if __name__ == "__main__":
    main()
