"""Logging set-up: one line per event, tagged with the request (or job) it belongs to, and no
secret or full phone number ever reaches a handler."""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TextIO

from bot.core.phones import ascii_digits, mask_phone

if TYPE_CHECKING:
    from gunicorn.glogging import Logger as GunicornLogger

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


# A Vietnamese mobile number as a whole token: 0 or 84 or +84, then 9 digits. Not inside a
# longer run of digits, letters or a decimal (Slack timestamps, unix times, SMSIDs, UUIDs);
# a URL-encoded separator (%20, %2C, %2B…) or an escaped new line may come before it.
_PHONE = re.compile(
    r"(?:(?<![\w.])|(?<=%[0-9A-Fa-f]{2})|(?<=\\[nrt]))"
    r"(?:\+|%2[Bb])?(?:84|0)[0-9]{9}(?![\w]|\.[0-9])"
)
# The same number as people write it, with single spaces, dots or dashes between its digits.
_WRITTEN_PHONE = re.compile(r"(?<![\w.+])(?:\+?84|0)(?:[ .\-]?[0-9]){9}(?![\w]|[ .\-]?[0-9])")
# Whatever follows the callback route is a secret, or a guess at one, or one rotated out.
_CALLBACK_PATH = re.compile(r"(/esms/callback/)[^\s/?#\"']+")


def mask_text(text: str, secrets: Sequence[str] = ()) -> str:
    """`text` with each secret, each callback path secret and each phone number masked."""
    for secret in secrets:
        text = text.replace(secret, "***")
    text = _CALLBACK_PATH.sub(r"\1***", text)
    if not text.isascii():  # full-width or other-script digits, as the app accepts them
        text = ascii_digits(text)
    text = _PHONE.sub(lambda found: mask_phone(found.group()), text)
    return _WRITTEN_PHONE.sub(lambda found: mask_phone(re.sub(r"\D", "", found.group())), text)


class RedactSecrets(logging.Filter):
    """Mask configured secret values and phone numbers in every record, whatever code produced
    it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        message = record.getMessage()
        redacted = mask_text(message, self._secrets)
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_text(text, self._secrets)
            record.exc_info = None
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


# No query string: eSMS puts the customer's full number in it. The response's X-Request-Id
# ties each line to the app's own lines about the same request.
ACCESS_LOG_FORMAT = (
    '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}o)s'
)


def gunicorn_logger(secrets: Iterable[str]) -> type[GunicornLogger]:
    """A gunicorn logger class whose access and error lines are masked like the app's own.

    gunicorn's loggers do not propagate to the root logger, so they never meet its filter."""
    from gunicorn.glogging import Logger

    redact = RedactSecrets(secrets)

    class MaskingLogger(Logger):
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    if redact not in handler.filters:
                        handler.addFilter(redact)

    return MaskingLogger


LOG_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def log_handler(stream: TextIO, secrets: Iterable[str]) -> logging.Handler:
    """The app's handler: one line per record on `stream`, tagged with its request (or job),
    with secrets and phone numbers masked."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    return handler


def logger_levels(level: str) -> dict[str, int]:
    """The level of the root logger (named "") and of the libraries' loggers that say too
    much, for the app's LOG_LEVEL."""
    chosen: int = logging.getLevelName(level)
    levels = {"": chosen}
    # At DEBUG these print request and response bodies: eSMS keys, tokens, and look-up answers
    # and composer values full of phone numbers. Bolt logs through the logger the app gives it.
    for noisy in ("urllib3", "slack_sdk", "slack_bolt", "bot.slack.bolt"):
        levels[noisy] = max(chosen, logging.INFO)
    # The Slack client logs every failed call at ERROR; the job runner already logs each
    # retry and each final failure with the send it concerns.
    levels["slack_sdk.web.base_client"] = logging.CRITICAL
    return levels


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    logging.getLogger().handlers[:] = [log_handler(sys.stderr, secrets)]
    for name, value in logger_levels(level).items():
        logging.getLogger(name).setLevel(value)
