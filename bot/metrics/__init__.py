"""Metrics for operations: the per-process timings (request and eSMS call latency), where
several processes keep them (prometheus_client's multiprocess mode), and the exposition that
`/metrics` answers with.

What describes the work (sends, callbacks, jobs …) is counted in the database, so that any web
process shows the whole deployment (`bot.store.metrics`, turned into metrics by
`bot.metrics.database`). Timings belong to the process that measured them: under
`viber-bot serve` each process writes its own into PROMETHEUS_MULTIPROC_DIR, a directory
`bot.web.serving` makes for the run before gunicorn forks, and `/metrics` adds up every file there.
Without that variable (a test importing the app, `viber-bot dev`, a worker) they live in this
process's memory, in prometheus_client's default registry.

prometheus_client is imported on first use, never when this module is: it decides at its own
import whether values go to files, so an early import (before `bot.web.serving` set the variable)
would keep them in memory. This module imports nothing of the app: the eSMS client may use it.
Recording never raises: a lost observation is better than a failed request or eSMS call.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# The route families the request histogram is labelled with (anything else is "other").
ROUTES = ("slack_events", "esms_callback", "healthz", "metrics", "media", "other")
_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# eSMS answers in tens of milliseconds to seconds; ESMS_TIMEOUT_SECONDS is at most 60.
_ESMS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 60.0)
_DIR_PREFIX = "viber-bot-metrics-"

_lock = threading.Lock()
_timings: tuple[Any, Any] | None = None
_failed_once = False


_forged: Any = None


def count_forged_callback() -> None:
    """A callback URL with a wrong secret: counted in memory (per process, added up across
    the processes of a run), never by a database write that anyone could cause at will."""
    global _forged
    try:
        if _forged is None:
            with _lock:
                if _forged is None:
                    from prometheus_client import Counter

                    _forged = Counter(
                        "viber_forged_callbacks",
                        "Callback URLs with a wrong secret (answered 404), in this run's processes.",
                    )
        _forged.inc()
    except Exception as error:
        log.warning("a forged callback was not counted (%s)", type(error).__name__)


def _histograms() -> tuple[Any, Any]:
    """(request latency, eSMS call latency), made once per process, in the default registry."""
    global _timings
    if _timings is None:
        with _lock:
            if _timings is None:
                from prometheus_client import Histogram

                _timings = (
                    Histogram(
                        "viber_http_request_duration_seconds",
                        "Time to answer an HTTP request, by route family, in this process.",
                        ["route"],
                        buckets=_REQUEST_BUCKETS,
                    ),
                    Histogram(
                        "viber_esms_call_duration_seconds",
                        "Time one eSMS API call took, answered or not, by endpoint.",
                        ["endpoint"],
                        buckets=_ESMS_BUCKETS,
                    ),
                )
    return _timings


def _observe(which: int, label: str, seconds: float) -> None:
    global _failed_once
    try:
        _histograms()[which].labels(label).observe(max(seconds, 0.0))
    except Exception as error:  # e.g. PROMETHEUS_MULTIPROC_DIR removed under a process
        if not _failed_once:
            _failed_once = True
            log.warning("a timing was not recorded (%s); timings may be missing", error)


def observe_request(route: str, seconds: float) -> None:
    """One HTTP request answered in `seconds`; `route` is one of ROUTES."""
    _observe(0, route if route in ROUTES else "other", seconds)


def observe_esms(endpoint: str, seconds: float) -> None:
    """One eSMS API call (`endpoint`, e.g. SendMultipleMessage_V4_post_json) took `seconds`."""
    _observe(1, endpoint, seconds)


def multiprocess_dir() -> str | None:
    """The directory this run's processes keep their timings in, if there is one."""
    path = os.environ.get(MULTIPROC_ENV)
    return path if path and os.path.isdir(path) else None


def exposition(collectors: Iterable[Any] = ()) -> str:
    """`/metrics`' body in Prometheus' text format 0.0.4: every process's timings (or this
    one's, with the default registry's process figures, without multiprocess mode), then
    `collectors`' metrics."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    path = multiprocess_dir()
    if path is not None:
        from prometheus_client.multiprocess import MultiProcessCollector

        MultiProcessCollector(registry, path=path)
    else:
        _histograms()  # so that they are described even before their first observation
        registry.register(_Forward(REGISTRY))
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry).decode("utf-8")


class _Forward:
    """Another registry's metrics, as one collector."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Any]:
        return self.registry.collect()


# -- the directory of a `viber-bot serve` run (bot.web.serving, in gunicorn's arbiter) -------------


def make_run_dir() -> str:
    """A new, empty directory for the timings of the processes about to be forked, set as
    PROMETHEUS_MULTIPROC_DIR for them. Made inside the directory that variable names if it is
    set (the operator's choice of filesystem, e.g. a tmpfs), else in the temporary directory;
    directories left by earlier runs whose process is gone (killed, so never cleaned up) are
    removed first. Nothing else in there is touched."""
    parent = multiprocess_dir() or tempfile.gettempdir()
    remove_dead_runs(parent)
    path = tempfile.mkdtemp(prefix=f"{_DIR_PREFIX}{os.getpid()}-", dir=parent)
    os.environ[MULTIPROC_ENV] = path
    return path


def remove_dead_runs(parent: str) -> list[str]:
    """Remove the run directories in `parent` whose `viber-bot serve` process has ended."""
    removed = []
    with contextlib.suppress(OSError):
        for name in os.listdir(parent):
            pid = name.removeprefix(_DIR_PREFIX).split("-", 1)[0]
            if name.startswith(_DIR_PREFIX) and pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
                removed.append(name)
    return removed


def remove_run_dir(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def process_ended(pid: int) -> None:
    """gunicorn's child_exit: a web process ended. Its counts and histograms stay (they add up
    over the run, as a restart must not lose them); only live gauges would be dropped, which
    prometheus_client does here, should any be added."""
    path = multiprocess_dir()
    if path is None:
        return
    try:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, path)
    except Exception as error:
        log.warning("could not tidy the metrics of process %d: %s", pid, error)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: not ours to judge
    return True
