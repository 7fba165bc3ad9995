"""What every benchmark needs: the stand-ins, the real app started by its Procfile command, a
baseline server started the same way, and a table printer. Loopback only."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox.standins.esms import EsmsStandIn  # noqa: E402
from sandbox.standins.slack_api import SlackApiStandIn  # noqa: E402
from tests.e2e.harness import AppProcess, app_environment, free_port  # noqa: E402

__all__ = ["AppProcess", "EsmsStandIn", "SlackApiStandIn", "app_environment", "free_port"]


def start_app(slack: SlackApiStandIn, esms: EsmsStandIn, workdir: Path, **env: str) -> AppProcess:
    """`viber-bot serve` exactly as the Procfile runs it (gunicorn), on a free port."""
    port = free_port()
    environment = app_environment(
        slack.url, esms.url, port, workdir / "bench.db", LOG_LEVEL="WARNING", **env
    )
    return AppProcess(environment, port, workdir / "app.log").start()


class Baseline:
    """A comparison server under the same gunicorn settings: `bolt` acks only, `static` says 200."""

    def __init__(self, kind: str, workdir: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        target = (
            "benchmarks.baseline_app:bolt_app()"
            if kind == "bolt"
            else "benchmarks.baseline_app:static_app"
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--log-level",
            "warning",
            target,
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=(workdir / f"baseline-{kind}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(self.base_url + "/healthz", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"baseline {kind} did not start")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(10)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def table(title: str, header: list[str], rows: list[list[object]]) -> None:
    cells = [
        header,
        *[[f"{c:.1f}" if isinstance(c, float) else str(c) for c in row] for row in rows],
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def resident_memory_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of a process, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def worker_pid(master_pid: int) -> int:
    """gunicorn's worker: the master's only child."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return int(children[0])
