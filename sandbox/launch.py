"""The real app (`viber-bot serve`, gunicorn, as the Procfile runs it) started against the
loopback stand-ins: one launcher for the demo, the end-to-end tests and the benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import requests

from sandbox.standins import esms as esms_stand_in

SIGNING_SECRET = "test-signing-secret-0000"
BOT_TOKEN = "xoxb-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(
    slack_url: str, esms_url: str, port: int, database: Path, **extra: str
) -> dict[str, str]:
    """The app's environment for the stand-ins at these URLs (nothing else of the caller's
    Slack or eSMS settings leaks in), with quick retries; `extra` on top."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "ESMS_"))
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_url + "api/",
        ESMS_API_KEY=esms_stand_in.API_KEY,
        ESMS_SECRET_KEY=esms_stand_in.SECRET_KEY,
        ESMS_BRANDNAME=esms_stand_in.BRANDNAME,
        ESMS_API_URL=esms_url,
        ESMS_TIMEOUT_SECONDS="1",
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=f"sqlite:///{database}",
        RETRY_BASE_SECONDS="0.05",
        JOB_LEASE_SECONDS="3",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


class AppLauncher:
    """One `viber-bot serve` process: started once it answers /healthz, stopped or killed
    with its workers. Its output goes to `log_path` (appended), or to this process's own."""

    def __init__(
        self,
        env: dict[str, str],
        port: int,
        log_path: Path | None,
        args: Sequence[str] = (),
        *,
        cwd: Path | None = None,
        start_seconds: float = 20.0,
    ) -> None:
        self.env = env
        self.port = port
        self.log_path = log_path
        self.args = tuple(args)  # more options for `viber-bot serve`, e.g. "--access-log"
        self.cwd = cwd or (log_path.parent if log_path else None)
        self.start_seconds = start_seconds
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = f"http://127.0.0.1:{port}"

    def start(self) -> AppLauncher:
        output: IO[bytes] | None = self.log_path.open("ab") if self.log_path else None
        command = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port), *self.args],
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
            cwd=self.cwd,  # away from a developer's .env, which would leak in
        )
        if output is not None:
            output.close()  # the server writes through its own copy of the descriptor
        deadline = time.monotonic() + self.start_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app stopped while starting:\n{self.log()}")
            try:
                if requests.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # still starting: on a busy machine the first answer may take over a second
            time.sleep(0.1)
        raise RuntimeError(f"the app did not answer /healthz in {self.start_seconds:g} s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(15)
        self.process = None

    def kill(self) -> None:
        """SIGKILL the server and its workers: no cleanup, no graceful shutdown."""
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        path = self.log_path
        return path.read_text(errors="replace") if path and path.exists() else ""
