"""Reading one variable after another from the environment, collecting every problem.

Every problem is collected before anything fails, so an admin fixes the configuration in one go
instead of discovering the next missing variable at the next start.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

DAY = 86400
# Every number setting: default, minimum, maximum, whole number or not. Zero stays valid where
# it means "at once" or "never cache"; nan and inf are refused (they would switch a timer off).
NUMBERS: dict[str, tuple[float, float, float, bool]] = {
    # Listener and job threads share it: with fewer, a burst of acknowledgements waits for a
    # connection (benchmarks/ack_latency.py on PostgreSQL: p99 3.5 × the baseline at 5, 1.5 × at 12).
    "DATABASE_POOL_SIZE": (10, 1, 100, True),
    "PORT": (3000, 1, 65535, True),
    "STATUS_POLL_SECONDS": (60, 1, DAY, True),
    "STATUS_GRACE_SECONDS": (120.0, 0, DAY, False),
    "ESMS_LOW_BALANCE": (0, 0, 1_000_000_000, True),
    "APPROVAL_TTL_HOURS": (24.0, 0.0001, 720, False),
    "USER_GROUP_CACHE_SECONDS": (60.0, 0, DAY, False),
    "ESMS_TIMEOUT_SECONDS": (15.0, 0.1, 60, False),
    "RETRY_BASE_SECONDS": (2.0, 0, 300, False),  # a first retry at most five minutes later
    # Since the last heartbeat of a job's holder: a running call keeps its lease alive.
    "JOB_LEASE_SECONDS": (8.0, 1, 600, False),
    # Times a job's process died while running it (its lease was taken over) before it gives up.
    "JOB_MAX_CRASHES": (3, 1, 100, True),
    # Then finished jobs and expired leases are deleted; callbacks after their own window.
    "JOB_RETENTION_HOURS": (24.0, 1, 720, False),
    "CALLBACK_RETENTION_DAYS": (14.0, 1, 365, False),
    "SMS_FALLBACK_AFTER_MINUTES": (0, 0, 7 * 24 * 60, False),  # 0: off; eSMS keeps 7 days
    "MARKETING_DAILY_CAP": (3, 1, 100, True),  # Decree 91/2020 allows 3; `check` warns above
    "ESMS_MAX_PER_SECOND": (10.0, 0.1, 1000, False),  # every call that sends, all processes
    "CAMPAIGN_MAX_ROWS": (10_000, 1, 100_000, True),
    "CAMPAIGN_PREVIEW_HOURS": (72.0, 1, 720, False),  # then a preview nobody started is cancelled
    "JOB_THREADS": (8, 1, 64, True),  # eSMS calls in flight per process, for the pace to hold
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class Environment:
    """The variables, read one by one; what is wrong with them lands in `problems`."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        self._variables = variables
        self.problems: list[str] = []

    def text(self, name: str) -> str:
        return self._variables.get(name, "").strip()

    def required(self, name: str, meaning: str) -> str:
        value = self.text(name)
        if not value:
            self.problems.append(f"{name} is missing: {meaning}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.text(name).lower()
        if not raw:
            return default
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        self.problems.append(f"{name} must be true or false, not {self.text(name)!r}")
        return default

    def number(self, name: str) -> float:
        default, minimum, maximum, integer = NUMBERS[name]
        raw = self.text(name)
        if not raw:
            return default
        kind = "a whole number" if integer else "a number"
        try:
            value = int(raw) if integer else float(raw)
        except ValueError:
            self.problems.append(f"{name} must be {kind}, not {raw[:32]!r}")
            return default
        if not minimum <= value <= maximum:  # false for nan; inf is above every maximum
            self.problems.append(
                f"{name} must be {kind} from {minimum} to {maximum}, not {raw[:32]}"
            )
            return default
        return value

    def url(self, name: str, default: str) -> str:
        value = self.text(name) or default
        if not is_http_url(value):
            self.problems.append(f"{name} must be an http(s) URL, not {value!r}")
        return value if value.endswith("/") else value + "/"

    def items(self, name: str) -> tuple[str, ...]:
        """A list separated by commas or spaces."""
        return tuple(item for item in re.split(r"[\s,]+", self.text(name)) if item)

    def id_list(self, name: str, pattern: str, meaning: str) -> tuple[str, ...]:
        items = self.items(name)
        wrong = [item for item in items if not re.fullmatch(pattern, item)]
        if wrong:
            self.problems.append(
                f"{name} must list {meaning}, not " + ", ".join(repr(item) for item in wrong)
            )
        return items

    def identifier(self, name: str, pattern: str, meaning: str) -> str | None:
        value = self.text(name) or None
        if value and not re.fullmatch(pattern, value):
            self.problems.append(f"{name} must be {meaning}, not {value!r}")
        return value

    def choice(
        self, name: str, default: str, allowed: tuple[str, ...], *, normalize: Callable[[str], str]
    ) -> str:
        value = normalize(self.text(name) or default)
        if value not in allowed:
            self.problems.append(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
            return default
        return value
