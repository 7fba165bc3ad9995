"""What declaring an environment variable says (`Variable`), and the documentation's table of
such declarations. The declarations themselves are in `bot.config.variables`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DAY = 86400


@dataclass(frozen=True)
class Variable:
    name: str
    meaning: str  # Markdown, for the documentation's table
    required: str = "no"  # "yes", or when it is needed ("for `dev`", "with approval" …)
    default: str | float | None = None  # None: unset (the meaning says what that does)
    # Numbers only: the range accepted, and whether only whole numbers are.
    low: float | None = None
    high: float | None = None
    whole: bool = False
    # What app.json starts a new Heroku app with, where that differs from the default.
    on_heroku: str | None = None

    @property
    def is_number(self) -> bool:
        return self.low is not None


def number(
    name: str,
    default: float,
    low: float,
    high: float,
    meaning: str,
    *,
    whole: bool = False,
    on_heroku: str | None = None,
) -> Variable:
    return Variable(
        name, meaning, default=default, low=low, high=high, whole=whole, on_heroku=on_heroku
    )


def _shown(value: float) -> str:
    return f"{value:,}" if float(value).is_integer() and abs(value) >= 10_000 else f"{value:g}"


def markdown_table(variables: Sequence[Variable]) -> str:
    """The documentation's table of these variables."""
    lines = ["| variable | required | default | range | meaning |", "|---|---|---|---|---|"]
    for variable in variables:
        default = "" if variable.default is None else variable.default
        if isinstance(default, float | int):
            default = _shown(default)
        shown = f"`{default}`" if default != "" else "—"
        span = "—"
        if variable.low is not None and variable.high is not None:
            span = f"{_shown(variable.low)}–{_shown(variable.high)}"
            if variable.whole:
                span += ", whole"
        lines.append(
            f"| `{variable.name}` | {variable.required} | {shown} | {span} | {variable.meaning} |"
        )
    return "\n".join(lines) + "\n"
