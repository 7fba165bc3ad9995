"""What the text after `/viber` asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass

HELP_WORDS = {"help", "?", "-h", "--help"}
_NUMBER_LIST = re.compile(r"^[0-9+(),;.\-]*[0-9][0-9+(),;.\-]*$")
# Slack may wrap a phone number it recognised as <tel:0901234567|0901 234 567>.
_TEL_LINK = re.compile(r"<tel:([^|>]*)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class OpenComposer:
    pass


@dataclass(frozen=True)
class ShowHelp:
    unrecognised: str | None = None


@dataclass(frozen=True)
class QuickSend:
    recipients: str
    text: str


Command = OpenComposer | ShowHelp | QuickSend


def unescape_slack(text: str) -> str:
    """Slack sends &, < and > as HTML entities in command text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_command(text: str) -> Command:
    stripped = _TEL_LINK.sub(r"\1", text or "").strip()
    if not stripped:
        return OpenComposer()
    first, *remainder = re.split(r"\s+", stripped, maxsplit=1)
    rest = remainder[0] if remainder else ""
    if first.lower() in HELP_WORDS:
        return ShowHelp()
    if _NUMBER_LIST.match(first):
        return QuickSend(recipients=first.replace(";", ","), text=unescape_slack(rest.strip()))
    return ShowHelp(unrecognised=first[:40])
