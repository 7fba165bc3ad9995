"""The app's Home tab."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.i18n import _
from bot.slack.blocks.campaign import OPEN_ACTION
from bot.slack.blocks.common import chunks, help_text, section


def home_view(lines: Sequence[str]) -> dict[str, Any]:
    """The app's Home tab: the viewer's latest sends (look-up lines) and the short help."""
    recent = "\n".join(lines) if lines else _("home.empty")
    start = {
        "type": "button",
        "action_id": OPEN_ACTION,
        "text": {"type": "plain_text", "text": _("camp.home_button")},
    }
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _("home.title")}},
        {"type": "actions", "block_id": "home", "elements": [start]},
        *[section(chunk) for chunk in chunks(recent.split("\n"))],
        {"type": "divider"},
        section(help_text()),
    ]
    return {"type": "home", "blocks": blocks[:100]}
