"""The app's Home tab."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.i18n import _
from bot.slack.blocks.common import chunks, help_text, section


def home_view(lines: Sequence[str]) -> dict[str, Any]:
    """The app's Home tab: the viewer's latest sends (look-up lines) and the short help."""
    recent = "\n".join(lines) if lines else _("home.empty")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _("home.title")}},
        *[section(chunk) for chunk in chunks(recent.split("\n"))],
        {"type": "divider"},
        section(help_text()),
    ]
    return {"type": "home", "blocks": blocks[:100]}
