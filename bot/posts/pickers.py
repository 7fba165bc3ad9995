"""Choosing one of many (templates): a plain select while Slack can list them all, a searchable
one past that, and the options that answer a search."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.core.i18n import _
from bot.core.slack_limits import SELECT_OPTIONS
from bot.posts.common import option

# The blocks whose selects may be searchable (block_suggestion), by field: the composer's
# template picker, the campaign form's template, the composer's registered SMS template.
VIBER_TEMPLATE_BLOCKS = frozenset({"templates", "template"})
SMS_TEMPLATE_BLOCK = "sms_template"


def picker(action_id: str, choices: Sequence[tuple[str, str]], placeholder: str) -> dict[str, Any]:
    """A select of `choices` (value, text): every one listed while Slack allows it (100);
    past that a search box whose options the app gives (`suggestions`), so none is out of
    reach."""
    shown = {"type": "plain_text", "text": placeholder}
    if len(choices) <= SELECT_OPTIONS:
        options = [option(value, text) for value, text in choices]
        return {
            "type": "static_select",
            "action_id": action_id,
            "placeholder": shown,
            "options": options,
        }
    shown["text"] = _("picker.search", placeholder=placeholder, count=len(choices))
    return {
        "type": "external_select",
        "action_id": action_id,
        "placeholder": shown,
        "min_query_length": 0,  # the first 100 before anything is typed
    }


def _folded(text: str) -> str:
    """Case and accents aside: `don hang` finds `Đơn hàng`."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def suggestions(choices: Sequence[tuple[str, str]], query: str) -> list[dict[str, Any]]:
    """The options matching what was typed (every word, in the value or the text), at most
    as many as Slack shows."""
    words = _folded(query[:200]).split()
    found = []
    for value, text in choices:
        haystack = _folded(f"{value} {text}")
        if all(word in haystack for word in words):
            found.append(option(value, text))
            if len(found) == SELECT_OPTIONS:
                break
    return found
