"""Logging set-up: one line per event, tagged with the request (or job) it belongs to, and no
secret ever reaches a handler."""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def new_request_id(offered: str | None = None) -> str:
    """Keep a router's X-Request-Id when it is sane, otherwise make one."""
    return offered if offered and _SAFE_ID.match(offered) else uuid.uuid4().hex[:12]


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks see the submitter's context (its request id)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)


class RedactSecrets(logging.Filter):
    """Replace configured secret values in every record, whatever code produced it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "***")
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            for secret in self._secrets:
                text = text.replace(secret, "***")
            record.exc_text = text
            record.exc_info = None
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # urllib3 and slack_sdk at DEBUG would print request bodies (with eSMS keys) and tokens.
    for noisy in ("urllib3", "slack_sdk", "slack_bolt"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.INFO))
    # The Slack client logs every failed call at ERROR; the job runner already logs each
    # retry and each final failure with the send it concerns.
    logging.getLogger("slack_sdk.web.base_client").setLevel(logging.CRITICAL)
