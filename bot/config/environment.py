"""Reading one variable after another from the environment, collecting every problem.

Every problem is collected before anything fails, so an admin fixes the configuration in one go
instead of discovering the next missing variable at the next start.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from bot.config.variables import BY_NAME

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

    def boolean(self, name: str) -> bool:
        default = BY_NAME[name].default == "true"
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
        """The number, within its declared range (`variables.py`); zero stays valid where the
        range allows it ("at once", "never cache"); nan and inf are refused (they would switch
        a timer off)."""
        variable = BY_NAME[name]
        default, minimum, maximum = variable.default, variable.low, variable.high
        assert isinstance(default, int | float) and minimum is not None and maximum is not None
        integer = variable.whole
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

    def url(self, name: str) -> str:
        value = self.text(name) or str(BY_NAME[name].default)
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
        self, name: str, allowed: tuple[str, ...], *, normalize: Callable[[str], str]
    ) -> str:
        default = str(BY_NAME[name].default)
        value = normalize(self.text(name) or default)
        if value not in allowed:
            self.problems.append(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
            return default
        return value
