"""The real app served from threads of the test process: the end-to-end tests' default tier.

The WSGI app `viber-bot serve` gives gunicorn (`bot.web.wsgi.create_app`), built from the
environment `app_environment` makes, with the job runner's threads, answers signed requests over
real HTTP on a loopback port, against the same stand-ins as a process would. Only the process
boundary goes, and with it the second or two each start of a Python process costs. What only a
process has (being killed, restarted or signalled; several of them; gunicorn's options and log
lines; an exit code; its memory; metrics kept per process) stays with `AppProcess`, for the
tests marked `process`.
"""

from __future__ import annotations

import io
import logging
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from bot.config import Settings, load_settings
from bot.config.logs import log_handler, logger_levels
from bot.config.processes import run_jobs_choice
from bot.core import i18n
from bot.web.serving import migrate_schema
from bot.web.wsgi import WebApp, create_app
from tests.e2e.harness import SlackRequests

# What the jobs in flight get to finish once the test is over, as gunicorn gives them on
# SIGTERM; they wait on stand-ins that still answer, so they end long before.
STOP_SECONDS = 10.0


class _ServerHandler(ServerHandler):
    # wsgiref puts the serving process's own environment into every request's (an HTTP_PROXY
    # there would reach the app as a header); gunicorn adds nothing of it.
    os_environ: dict[str, str] = {}  # noqa: RUF012 (wsgiref's class attribute, read-only)


class _RequestHandler(WSGIRequestHandler):
    def handle(self) -> None:
        """wsgiref's, with the handler above: one request per connection."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        environ = self.get_environ()
        handler = _ServerHandler(self.rfile, self.wfile, self.get_stderr(), environ)
        handler.request_handler = self  # as wsgiref's: for its closing log_request
        handler.run(self.server.get_app())

    def log_message(self, format: str, *args: Any) -> None:
        pass  # `viber-bot serve` without --access-log logs no line per request either


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = False  # server_close() waits for the requests in flight
    # socketserver's backlog is 5: a burst of connections would wait for the client's SYN
    # retries, a second each. gunicorn's is 2048.
    request_queue_size = 128


class _AppRecords(logging.Filter):
    """The records the app's own process would have logged: those of every thread but the
    test's (except while it starts the app), and none of the stand-ins', which are no part of
    the app. Two apps in one test each see the other's records too."""

    def __init__(self) -> None:
        super().__init__()
        self.test_thread = threading.get_ident()
        self.starting = True

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "sandbox" or record.name.startswith("sandbox."):
            return False
        return self.starting or record.thread != self.test_thread


class InProcessApp(SlackRequests):
    """The app under test, served from threads of this process until `close()`."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env = env
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.web: WebApp | None = None
        self._server: _Server | None = None
        self._serving: threading.Thread | None = None
        self._log = io.StringIO()
        self._records = _AppRecords()
        self._handler: logging.Handler | None = None  # on the root logger while it runs
        self._levels: dict[str, int] = {}
        self._language = i18n.language()
        self._listening: list[threading.Thread] = []

    def start(self) -> InProcessApp:
        """What `viber-bot serve` does before it answers: settings from the environment (not
        this process's), the schema brought up to date, the app with its job runner unless
        RUN_JOBS=web; then serve."""
        settings = load_settings(self.env)
        choice, problem = run_jobs_choice(self.env, shared_database=settings.shared_database)
        if problem:
            raise RuntimeError(problem)
        self._capture_logs(settings)
        try:
            migrate_schema(settings)
            before = set(threading.enumerate())
            self.web = create_app(settings, start_worker=choice == "both")
            # On PostgreSQL the job runner listens on a connection of its own, from a thread
            # its stop() leaves to end within a second: waited for, so none outlives the test.
            self._listening = [
                thread
                for thread in threading.enumerate()
                if thread not in before and thread.name == "listen"
            ]
            self._server = _Server(("127.0.0.1", self.port), _RequestHandler)
            self._server.set_app(self.web)
        except BaseException:
            self.close()
            raise
        finally:
            self._records.starting = False
        self._serving = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits for it, once per test
            name=f"serve-{self.port}",
            daemon=True,
        )
        self._serving.start()
        return self

    def close(self) -> None:
        """Stop answering (the requests in flight are answered first), let the listeners, the
        look-ups and the jobs in flight finish, close the database; the test process's logging
        and language are as before."""
        if self._server is not None:
            if self._serving is not None:
                self._server.shutdown()
            self._server.server_close()
            self._server = self._serving = None
        if self.web is not None:
            services = self.web.services
            self.web.slack.app.listener_runner.listener_executor.shutdown(cancel_futures=True)
            services.lookups.shutdown(cancel_futures=True)
            services.worker.stop(timeout=STOP_SECONDS)
            for thread in self._listening:
                thread.join(STOP_SECONDS)
            services.store.close()
            self.web = None
        i18n.use(self._language)  # LANGUAGE is global to a process; the app set it
        self._restore_logging()

    def log(self) -> str:
        """The app's log lines so far, as its process would have written them."""
        return self._log.getvalue()

    def _capture_logs(self, settings: Settings) -> None:
        """The app's handler and levels (`configure_logging`'s) on this process's root logger
        while it runs, beside the handlers already there."""
        handler = log_handler(self._log, settings.secret_values())
        handler.filters.insert(0, self._records)  # before the masking, which costs
        levels = logger_levels(settings.log_level)
        self._levels = {name: logging.getLogger(name).level for name in levels}
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        logging.getLogger().addHandler(handler)
        self._handler = handler

    def _restore_logging(self) -> None:
        if self._handler is not None:
            logging.getLogger().removeHandler(self._handler)
            self._handler = None
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)
        self._levels = {}
