"""`viber-bot serve`, `dev` and `worker`: the app over HTTP (gunicorn), in Socket Mode, or its
jobs alone."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.store import Store
from bot.web.serving import GRACEFUL_SECONDS, dev, job_threads, serve, worker


def add(commands: argparse._SubParsersAction, open_store: Callable[[], Store]) -> None:
    serve_parser = commands.add_parser("serve", help="serve Slack and eSMS over HTTP (gunicorn)")
    serve_parser.add_argument("--host", default="0.0.0.0", help="address to bind (default 0.0.0.0)")
    serve_parser.add_argument("--port", type=int, help="port (default $PORT, or 3000)")
    serve_parser.add_argument("--threads", type=int, default=8, help="request threads (default 8)")
    serve_parser.add_argument("--access-log", action="store_true", help="log every request")
    serve_parser.set_defaults(handler=serve)
    dev_parser = commands.add_parser(
        "dev", help="run locally in Socket Mode (needs SLACK_APP_TOKEN, no public URL)"
    )
    dev_parser.set_defaults(handler=dev)
    worker_parser = commands.add_parser(
        "worker",
        help="run the jobs without serving HTTP, beside web processes (needs PostgreSQL)",
        description="Run the jobs (Slack posts, eSMS submissions, thread updates) and the "
        "periodic duties (approval expiry, reconciliation with eSMS) until SIGTERM or SIGINT, "
        f"then let the running jobs finish within {GRACEFUL_SECONDS - 2} s. Any number of "
        "workers and web processes share one PostgreSQL database; RUN_JOBS=web leaves the jobs "
        "to the workers.",
    )
    worker_parser.add_argument(
        "--threads",
        type=job_threads,
        metavar="N",
        help="job threads (default: as many as a web process runs)",
    )
    worker_parser.set_defaults(handler=worker)
