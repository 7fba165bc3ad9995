"""Logging set-up: one line per event, and no secret ever reaches a handler."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable


class RedactSecrets(logging.Filter):
    """Replace configured secret values in every record, whatever code produced it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
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
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
