"""The long-running commands: `viber-bot serve` (HTTP, gunicorn), `dev` (Socket Mode) and
`worker` (the jobs without HTTP), and what every command shares: the settings, the store with
its schema brought up to date. Only `bot.cli` imports this module."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

from dotenv import load_dotenv

from bot.config import ConfigError, Settings, load_settings
from bot.config.logs import configure_logging
from bot.config.processes import on_heroku, run_jobs_choice, web_processes
from bot.config.variables import BY_NAME
from bot.db import DatabaseError

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger("bot")

# How long gunicorn gives a process to finish after SIGTERM (Heroku allows 30 s in all); the
# jobs in flight get this less two seconds, in a web process and in a worker alike.
GRACEFUL_SECONDS = 10


def load(*, require_signing_secret: bool = True, require_app_token: bool = False) -> Settings:
    """The settings, or the end of the command with every problem in them."""
    load_dotenv(override=False)  # the real environment wins over .env
    try:
        return load_settings(
            require_signing_secret=require_signing_secret, require_app_token=require_app_token
        )
    except ConfigError as error:
        print(error.report(), file=sys.stderr)
        raise SystemExit(2) from None


def load_with_run_jobs(
    *, require_signing_secret: bool = True, require_app_token: bool = False
) -> tuple[Settings, bool]:
    """The settings and whether this process's web side runs the jobs too (RUN_JOBS=both);
    RUN_JOBS is read here, beside the settings, and its problems reported with theirs."""
    load_dotenv(override=False)
    problems: list[str] = []
    settings = None
    try:
        settings = load_settings(
            require_signing_secret=require_signing_secret, require_app_token=require_app_token
        )
    except ConfigError as error:
        problems += error.problems
    shared = None if settings is None else settings.shared_database
    choice, problem = run_jobs_choice(os.environ, shared_database=shared)
    if problem:
        problems.append(problem)
    if problems or settings is None:
        print(ConfigError(problems).report(), file=sys.stderr)
        raise SystemExit(2)
    return settings, choice == "both"


def open_store(url: str, data_key: str | None = None) -> tuple[Store, int]:
    """The store at `url` with its schema brought up to date, and the schema version; a database
    that cannot be used ends the command with the reason. `data_key`: DATA_KEY, for commands
    that check the opt-outs (an erased number is on them as its digest)."""
    from bot.store import Store

    try:
        store = Store.open(url, pool_size=1, data_key=data_key)
        return store, store.migrate()
    except DatabaseError as error:
        print(f"The database cannot be used: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def migrate_schema(settings: Settings) -> int:
    store, version = open_store(settings.database_url)
    store.close()  # before gunicorn forks: each process opens its own connections
    return version


def serve(args: argparse.Namespace) -> None:
    from gunicorn.app.base import BaseApplication

    from bot.config.logs import ACCESS_LOG_FORMAT, gunicorn_logger

    settings, run_jobs = load_with_run_jobs()
    configure_logging(settings.log_level, settings.secret_values())
    migrate_schema(settings)
    processes, warning = web_processes(os.environ, shared_database=settings.shared_database)
    if warning:
        log.warning("%s", warning)
    if on_heroku(os.environ) and not settings.shared_database:
        log.warning(
            "the database %s is a file on this Heroku dyno, wiped at every restart with every "
            "thread mapping: add Heroku Postgres (see docs/operations.md, Deploying on Heroku)",
            settings.database_label,
        )

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{args.host}:{args.port or settings.port}",
                # With RUN_JOBS=both every process runs its own job workers beside the app; with
                # PostgreSQL they share the jobs (and any `viber-bot worker`'s) through the
                # database and each job runs once.
                "workers": processes,
                "worker_class": "gthread",
                "threads": args.threads,
                "timeout": 60,
                "graceful_timeout": GRACEFUL_SECONDS,
                "worker_exit": _finish_jobs,
                "child_exit": _process_ended,
                "accesslog": "-" if args.access_log else None,
                "access_log_format": ACCESS_LOG_FORMAT,
                "logger_class": gunicorn_logger(settings.secret_values()),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:  # in each process gunicorn forks
            from bot.web.wsgi import create_app

            app = create_app(settings, start_worker=run_jobs)
            _freeze_startup_objects()
            return app

    log.info(
        "serving on %s:%s with %d web process%s (%s); %s",
        args.host,
        args.port or settings.port,
        processes,
        "" if processes == 1 else "es",
        settings.database_label,
        "the jobs run here too (RUN_JOBS=both)"
        if run_jobs
        else "the jobs are left to viber-bot worker processes (RUN_JOBS=web)",
    )
    # Before gunicorn forks: with /metrics on, every web process keeps its timings in one
    # directory for the run (see bot.metrics); off, in its memory, where nobody reads them.
    from bot import metrics

    timings = metrics.make_run_dir() if settings.metrics_token else None
    if timings is None:
        os.environ.pop(metrics.MULTIPROC_ENV, None)
    else:
        log.info("each web process keeps its timings for /metrics in %s", timings)
    arbiter = os.getpid()
    try:
        Server().run()
    finally:  # gunicorn's processes leave through here too, forked: only the arbiter tidies
        if timings is not None and os.getpid() == arbiter:
            metrics.remove_run_dir(timings)


def _freeze_startup_objects() -> None:
    """Keep the objects made at start-up (modules, the app, its settings) out of every later
    garbage collection. They live as long as the process, and a full collection over them
    (some 50,000) held the interpreter for 50–100 ms on a 2-core machine: every request in
    flight waited for it, once in the first seconds of serving."""
    gc.collect()
    gc.freeze()


def _process_ended(arbiter: Any, process: Any) -> None:
    """gunicorn's child_exit hook, in the arbiter: a web process's timings are kept."""
    from bot import metrics

    metrics.process_ended(process.pid)


def _close_children() -> None:
    """The processes this one started for its jobs end before it does."""
    from bot.jobs.images import close_encoder

    close_encoder()


def _finish_jobs(arbiter: Any, process: Any) -> None:
    """gunicorn's worker_exit hook. On SIGTERM (a deploy, a daily dyno restart) the jobs
    running in this process finish before it ends, so a Slack post in flight is recorded
    instead of made again by the next process."""
    app = getattr(process, "wsgi", None)  # None when the app failed to load
    if app is not None:
        app.services.worker.stop(timeout=GRACEFUL_SECONDS - 2)
        _close_children()


def dev(args: argparse.Namespace) -> None:
    """Socket Mode: Slack connects out to this process; no public URL is needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.web.runtime import bolt_app, build_services

    settings, run_jobs = load_with_run_jobs(require_signing_secret=False, require_app_token=True)
    configure_logging(settings.log_level, settings.secret_values())
    migrate_schema(settings)
    services = build_services(settings)
    if run_jobs:
        services.worker.start()
    handler = SocketModeHandler(
        bolt_app(services), settings.slack_app_token, web_client=services.slack
    )
    mode = (
        "callbacks under PUBLIC_URL"
        if settings.public_url
        else f"status polling every {settings.status_poll_seconds} s"
    )
    log.info(
        "connecting to Slack in Socket Mode; delivery statuses by %s%s",
        mode,
        "" if run_jobs else "; the jobs are left to viber-bot worker processes (RUN_JOBS=web)",
    )
    try:
        handler.start()
    finally:
        services.worker.stop(timeout=GRACEFUL_SECONDS - 2)
        _close_children()


def job_threads(text: str) -> int:
    """argparse type of `worker --threads`: JOB_THREADS' range."""
    variable = BY_NAME["JOB_THREADS"]
    low, high = int(variable.low or 1), int(variable.high or 1)
    if not text.isdigit() or not low <= int(text) <= high:
        raise argparse.ArgumentTypeError(f"a whole number from {low} to {high}, not {text!r}")
    return int(text)


def worker(args: argparse.Namespace) -> None:
    """The jobs and the periodic duties, without HTTP, until SIGTERM or SIGINT; beside web
    processes on the same PostgreSQL database, which any number of workers share."""
    from bot.web.runtime import build_services

    settings, _ = load_with_run_jobs(require_signing_secret=False)
    if not settings.shared_database:
        print(
            f"viber-bot worker needs PostgreSQL (DATABASE_URL): a separate worker process shares "
            f"the jobs with the web processes through the database, and SQLite "
            f"({settings.database_label}) is a file on one machine's disk. With SQLite the web "
            "process runs the jobs itself (RUN_JOBS=both): run viber-bot serve alone.",
            file=sys.stderr,
        )
        raise SystemExit(2)
    configure_logging(settings.log_level, settings.secret_values())
    migrate_schema(settings)
    stopping = threading.Event()
    received: list[str] = []

    def ask_to_stop(signum: int, frame: Any) -> None:
        received.append(signal.Signals(signum).name)  # logged by the main loop, not in here
        stopping.set()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    # Without --threads, as many job threads as a web process runs.
    chosen = {} if args.threads is None else {"worker_threads": args.threads}
    services = build_services(settings, **chosen)
    services.worker.start()
    threads = services.worker.thread_count
    log.info(
        "worker running the jobs with %d thread%s and the periodic duties (%s) on %s; no HTTP",
        threads,
        "" if threads == 1 else "s",
        # By their lease names in the `leases` table.
        ", ".join(
            f"{duty.__qualname__} every {interval:g} s"
            for interval, duty in services.worker.periodic
        ),
        settings.database_label,
    )
    while not stopping.wait(1.0):
        pass
    log.info("%s received: finishing the jobs in flight", received[0])
    # As a web process does on SIGTERM: no new job; the running ones get the same budget, and
    # one still running after it is taken over by another process once its lease runs out.
    services.worker.stop(timeout=GRACEFUL_SECONDS - 2)
    _close_children()
    log.info("worker stopped")
