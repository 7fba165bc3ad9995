"""Slack's limits on what an app posts, in one table: the builders budget with it and the Slack
stand-in refuses with it, as Slack does. Sources: Slack's Block Kit reference (docs.slack.dev,
"Blocks", "Block elements", "Composition objects", "Views"), chat.postMessage ("text"), and,
marked *reported*, the cumulative text of a message's blocks (bolt-js issues 2509 and 2867)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or the Home tab
MESSAGE_TEXT = 40_000  # chat.postMessage: msg_too_long beyond
# Reported, not documented: Slack refuses a message whose blocks' text adds up past about
# 12,000–13,200 characters (msg_blocks_too_long); the lower figure is the one to keep under.
MESSAGE_BLOCKS_TEXT = 12_000
SECTION_TEXT = 3_000
SECTION_FIELDS = 10
FIELD_TEXT = 2_000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2_000
URL = 3_000
ID = 255  # action_id, block_id, callback_id
SELECT_OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
OVERFLOW_OPTIONS = 5
INPUT_MAX_LENGTH = 3_000
VIEW_TITLE = 24  # title, submit and close
PRIVATE_METADATA = 3_000
INPUT_LABEL = 2_000
INPUT_HINT = 2_000


# Slack keeps a message's text whole up to 40,000 characters but asks apps to stay under 4,000:
# every list answer is cut into parts of at most this many characters.
ANSWER_TEXT = 4_000
ELLIPSIS = "…"


def fitting(entries: Iterable[str], budget: int, separator: str = "\n") -> list[str]:
    """The first entries that fit in `budget` characters, joined by `separator`; the first is
    always shown, shortened if it alone is too long."""
    shown: list[str] = []
    used = 0
    for entry in entries:
        cost = len(entry) + (len(separator) if shown else 0)
        if shown and used + cost > budget:
            break
        shown.append(entry if shown else shorten(entry, budget))
        used += min(cost, budget)
    return shown


def shorten(text: str, limit: int) -> str:
    """`text` within `limit` characters: cut on a character boundary, never inside an entity
    (`&amp;`), a mention or a link (`<…>`) or before a combining accent, with a visible "…"."""
    if len(text) <= limit:
        return text
    return text[: _safe_cut(text, max(0, limit - len(ELLIPSIS)))] + ELLIPSIS


def _safe_cut(text: str, end: int) -> int:
    """The last place at or before `end` where `text` may be cut: not inside an entity, a
    mention or a link, nor before a combining accent."""
    # Accents first: stepping back before one may land inside an entity, never the reverse.
    while 0 < end < len(text) and unicodedata.combining(text[end]):
        end -= 1
    amp, semi = text[:end].rfind("&"), text[:end].rfind(";")
    if amp > semi:
        end = amp
    opened, closed = text[:end].rfind("<"), text[:end].rfind(">")
    if opened > closed:
        end = opened
    return end


def split(text: str, limit: int) -> list[str]:
    """`text` whole, in pieces of at most `limit` characters: cut at a line break where one is
    near, else at a space, never inside an entity, a mention or a link. A piece that continues
    a quoted line (`> …`) is quoted too."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        end = window.rfind("\n")
        if end < limit // 2:
            end = window.rfind(" ")
        if end < limit // 2:
            end = _safe_cut(rest, limit)
        if end <= 0:  # one entity longer than the limit: cannot happen with Slack's own limits
            end = limit
        piece, rest = rest[:end], rest[end:]
        pieces.append(piece)
        if rest.startswith("\n"):
            rest = rest[1:]
        else:
            quoted = piece.rsplit("\n", 1)[-1].startswith("> ")
            rest = rest.lstrip(" ")
            if quoted and len(rest) > 0:
                rest = "> " + rest
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text") or "")
    return ""


def _check(problems: list[str], where: str, value: str, limit: int) -> None:
    if len(value) > limit:
        problems.append(f"{where}: {len(value)} characters, at most {limit}")


def _options(problems: list[str], where: str, options: Any, limit: int) -> None:
    options = options if isinstance(options, list) else []
    if len(options) > limit:
        problems.append(f"{where}: {len(options)} options, at most {limit}")
    for index, option in enumerate(options):
        if isinstance(option, dict):
            _check(
                problems, f"{where}.options[{index}].text", _text(option.get("text")), OPTION_TEXT
            )
            _check(
                problems,
                f"{where}.options[{index}].value",
                str(option.get("value") or ""),
                OPTION_VALUE,
            )


def _element(problems: list[str], where: str, element: Any) -> None:
    if not isinstance(element, dict):
        return
    _check(problems, f"{where}.action_id", str(element.get("action_id") or ""), ID)
    kind = element.get("type")
    if kind == "button":
        _check(problems, f"{where}.text", _text(element.get("text")), BUTTON_TEXT)
        _check(problems, f"{where}.value", str(element.get("value") or ""), BUTTON_VALUE)
        _check(problems, f"{where}.url", str(element.get("url") or ""), URL)
    elif kind in ("static_select", "multi_static_select", "radio_buttons", "checkboxes"):
        _options(problems, where, element.get("options"), SELECT_OPTIONS)
        for index, group in enumerate(element.get("option_groups") or []):
            if isinstance(group, dict):
                _options(
                    problems,
                    f"{where}.option_groups[{index}]",
                    group.get("options"),
                    SELECT_OPTIONS,
                )
    elif kind == "overflow":
        _options(problems, where, element.get("options"), OVERFLOW_OPTIONS)
    elif kind == "plain_text_input":
        limit = element.get("max_length")
        if isinstance(limit, int) and limit > INPUT_MAX_LENGTH:
            problems.append(f"{where}.max_length: {limit}, at most {INPUT_MAX_LENGTH}")
        most = limit if isinstance(limit, int) else INPUT_MAX_LENGTH
        _check(problems, f"{where}.initial_value", str(element.get("initial_value") or ""), most)


def block_problems(blocks: Iterable[Any]) -> list[str]:
    """Each block within its own limits (not their number: that depends on the surface)."""
    problems: list[str] = []
    for index, block in enumerate(blocks):
        where = f"blocks[{index}]"
        if not isinstance(block, dict):
            problems.append(f"{where}: not an object")
            continue
        _check(problems, f"{where}.block_id", str(block.get("block_id") or ""), ID)
        kind = block.get("type")
        if kind == "section":
            _check(problems, f"{where}.text", _text(block.get("text")), SECTION_TEXT)
            fields = block.get("fields") or []
            if len(fields) > SECTION_FIELDS:
                problems.append(f"{where}.fields: {len(fields)}, at most {SECTION_FIELDS}")
            for number, field in enumerate(fields):
                _check(problems, f"{where}.fields[{number}]", _text(field), FIELD_TEXT)
            _element(problems, f"{where}.accessory", block.get("accessory"))
        elif kind == "header":
            _check(problems, f"{where}.text", _text(block.get("text")), HEADER_TEXT)
        elif kind == "context":
            elements = block.get("elements") or []
            if len(elements) > CONTEXT_ELEMENTS:
                problems.append(f"{where}.elements: {len(elements)}, at most {CONTEXT_ELEMENTS}")
            for number, element in enumerate(elements):
                _check(problems, f"{where}.elements[{number}]", _text(element), SECTION_TEXT)
        elif kind == "actions":
            elements = block.get("elements") or []
            if len(elements) > ACTIONS_ELEMENTS:
                problems.append(f"{where}.elements: {len(elements)}, at most {ACTIONS_ELEMENTS}")
            for number, element in enumerate(elements):
                _element(problems, f"{where}.elements[{number}]", element)
        elif kind == "input":
            _check(problems, f"{where}.label", _text(block.get("label")), INPUT_LABEL)
            _check(problems, f"{where}.hint", _text(block.get("hint")), INPUT_HINT)
            _element(problems, f"{where}.element", block.get("element"))
    return problems


def blocks_text(blocks: Iterable[Any]) -> int:
    """How many characters of text a message's blocks hold (the reported cumulative limit)."""
    return sum(len(text) for text in texts(blocks))


def texts(blocks: Iterable[Any]) -> Iterator[str]:
    """The text of each section, field and context element, in order."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        yield _text(block.get("text"))
        for field in block.get("fields") or []:
            yield _text(field)
        if block.get("type") == "context":
            for element in block.get("elements") or []:
                yield _text(element)


def message_problem(text: str, blocks: list[Any]) -> tuple[str, list[str]] | None:
    """Slack's refusal of a message, as (error, details), or None when it fits."""
    if len(text) > MESSAGE_TEXT:
        return "msg_too_long", [f"text: {len(text)} characters, at most {MESSAGE_TEXT}"]
    problems = block_problems(blocks)
    if len(blocks) > MESSAGE_BLOCKS:
        problems.insert(0, f"blocks: {len(blocks)}, at most {MESSAGE_BLOCKS}")
    if problems:
        return "invalid_blocks", problems
    if blocks_text(blocks) > MESSAGE_BLOCKS_TEXT:
        return "msg_blocks_too_long", [f"blocks' text: {blocks_text(blocks)} characters"]
    return None


def view_problems(view: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a modal or a Home tab (views.*: invalid_arguments)."""
    blocks = view.get("blocks") or []
    problems = block_problems(blocks)
    if len(blocks) > VIEW_BLOCKS:
        problems.insert(0, f"blocks: {len(blocks)}, at most {VIEW_BLOCKS}")
    for name in ("title", "submit", "close"):
        _check(problems, name, _text(view.get(name)), VIEW_TITLE)
    _check(problems, "private_metadata", str(view.get("private_metadata") or ""), PRIVATE_METADATA)
    _check(problems, "callback_id", str(view.get("callback_id") or ""), ID)
    return problems
