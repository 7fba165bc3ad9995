"""What the words after `/viber consent` ask for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.phones import ascii_digits, leading_number

# Each action under the words people may type for it.
ACTIONS = {
    "add": "add",
    "give": "add",
    "remove": "remove",
    "withdraw": "remove",
    "history": "history",
    "show": "history",
}


@dataclass(frozen=True)
class ConsentCommand:
    """`add NUMBER EVIDENCE`, `remove NUMBER [reason]`, `[history] NUMBER`; an empty action
    asks for the usage."""

    action: str  # add | remove | history | "" (usage)
    number: str = ""  # as typed; the answer reads it
    text: str = ""  # the evidence of `add`, the reason of `remove`


def consent_command(rest: str) -> ConsentCommand:
    words = re.split(r"\s+", rest.strip(), maxsplit=1) if rest.strip() else []
    if not words:
        return ConsentCommand("")
    action = ACTIONS.get(words[0].lower())
    after = words[1] if len(words) > 1 else ""
    if action is None:
        # `/viber consent 0901234567`: a number alone asks for its history; a number badly
        # typed is answered as one (it starts with a digit or +), anything else with the usage.
        starts_a_number = ascii_digits(rest.strip())[:1] in tuple("+0123456789")
        return ConsentCommand("history", rest.strip()) if starts_a_number else ConsentCommand("")
    if action == "history":
        return ConsentCommand("history", after.strip())
    # A number may be written with spaces (0901 234 567), as the composer takes it; the
    # evidence or reason is one line of words, however it was spaced.
    number, text = leading_number(after)
    return ConsentCommand(action, number, " ".join(text.split()))
