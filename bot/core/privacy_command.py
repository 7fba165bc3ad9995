"""What the words after `/viber privacy` ask for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.phones import leading_number


@dataclass(frozen=True)
class PrivacyCommand:
    """`NUMBER` (what the app holds about it, by direct message), `erase NUMBER` (asks for a
    confirmation first), `requests [FROM]` (the requests recorded); an empty action asks for
    the usage."""

    action: str  # access | erase | requests | "" (usage)
    number: str = ""  # as typed; the answer reads it
    start: int = 1  # `requests 21`: the list from its 21st entry


def privacy_command(rest: str) -> PrivacyCommand:
    words = re.split(r"\s+", rest.strip(), maxsplit=1) if rest.strip() else []
    if not words:
        return PrivacyCommand("")
    first, after = words[0].lower(), words[1] if len(words) > 1 else ""
    if first in ("requests", "request"):
        start = after.strip()
        return PrivacyCommand("requests", start=int(start) if start.isdigit() and start else 1)
    if first in ("erase", "delete"):
        return PrivacyCommand("erase", leading_number(after)[0])
    if first in ("access", "show", "export"):
        return PrivacyCommand("access", leading_number(after)[0])
    number, extra = leading_number(rest)
    if number and not extra.strip():
        return PrivacyCommand("access", number)
    return PrivacyCommand("")
