"""The customer-care SMS a failed Viber message falls back to: eSMS templates, diacritics, segments.

eSMS sends a customer-care SMS only when its text matches one of the brandname's registered
templates, and bills it per segment, so what an agent sees before sending has to be computed the
same way here: whether the text fits a template, and how many segments it costs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.message import ViberMessage

# GSM 03.38 default alphabet, in table order; 0x1B (ESC) is left out: it only introduces an
# extension character and is not something a text can contain.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Sent as ESC + character, so each takes two of the 160 (or 153) places.
_GSM7_EXTENSION = frozenset("^{}\\[~]|€")
_GSM7_SINGLE, _GSM7_PART = 160, 153
_UCS2_SINGLE, _UCS2_PART = 70, 67
# eSMS TempContent slots: {P<number>,<maximum length>}; anything else in braces is text.
_SLOT = re.compile(r"\{P(\d+),(\d+)\}")
# NFD leaves đ/Đ alone: the stroke is part of the letter, not a combining mark.
_STROKED = str.maketrans({"đ": "d", "Đ": "D"})


@dataclass(frozen=True)
class SmsTemplate:
    template_id: int
    content: str  # eSMS TempContent, e.g. "Don hang {P1,20} da san sang"
    network_id: int | None = None


@dataclass(frozen=True)
class _Slot:
    number: int
    length: int
    written: str  # as it appears in the template, e.g. "{P2,100}"


def strip_diacritics(text: str) -> str:
    """Vietnamese without its marks ("Chào chị Lan" -> "Chao chi Lan"): what a template
    registered in plain letters expects, and GSM-7 instead of UCS-2 (160 places, not 70)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKED))
    kept = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", kept)


def is_gsm7(text: str) -> bool:
    """Whether the text can go out in GSM-7; one character outside it makes the whole SMS UCS-2."""
    return all(char in _GSM7_BASIC or char in _GSM7_EXTENSION for char in text)


def segments(text: str) -> int:
    """How many SMS the text is billed as. A character is never split between two parts, so an
    extension character (two places) or an emoji (two UTF-16 units) at a part's end moves to the
    next one; with plain characters this is just the length divided by 153 (or 67), rounded up."""
    if not text:
        return 0
    if is_gsm7(text):
        costs = [2 if char in _GSM7_EXTENSION else 1 for char in text]
        return _parts(costs, single=_GSM7_SINGLE, part=_GSM7_PART)
    costs = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return _parts(costs, single=_UCS2_SINGLE, part=_UCS2_PART)


def _parts(costs: list[int], *, single: int, part: int) -> int:
    if sum(costs) <= single:
        return 1
    count, used = 1, 0
    for cost in costs:
        if used + cost > part:
            count, used = count + 1, 0
        used += cost
    return count


def _parse(template: str) -> list[str | _Slot]:
    """The template as literal pieces and slots, in order; a slot of length 0 could never be
    filled, so it is read as text like any other malformed brace."""
    pieces: list[str | _Slot] = []
    start = 0
    for found in _SLOT.finditer(template):
        if int(found[2]) == 0:
            continue
        pieces.append(template[start : found.start()])
        pieces.append(_Slot(int(found[1]), int(found[2]), found[0]))
        start = found.end()
    pieces.append(template[start:])
    return [piece for piece in pieces if piece != ""]


def slots(template: str) -> list[tuple[int, int]]:
    """[(slot number, maximum length)] in order of appearance, repeats included."""
    return [(piece.number, piece.length) for piece in _parse(template) if isinstance(piece, _Slot)]


def _unix_lines(text: str) -> str:
    """eSMS stores templates with Windows line breaks, the message uses \\n; both mean the same."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def template_matches(template: str, text: str) -> bool:
    """Whether eSMS would accept the text for this template: literal parts exactly, each slot
    1 to its length characters on one line, the whole text and nothing more.

    Walked position by position rather than through a regular expression, so a template with many
    long slots next to each other cannot make a failing match take exponential time."""
    text = _unix_lines(text)
    reachable = {0}
    for piece in _parse(_unix_lines(template)):
        after: set[int] = set()
        for start in reachable:
            if isinstance(piece, str):
                if text.startswith(piece, start):
                    after.add(start + len(piece))
                continue
            for end in range(start + 1, min(start + piece.length, len(text)) + 1):
                if text[end - 1] == "\n":
                    break
                after.add(end)
        if not after:
            return False
        reachable = after
    return len(text) in reachable


def matching_template(templates: Sequence[SmsTemplate], text: str) -> SmsTemplate | None:
    """The first template (in the order given) the text fits, or None."""
    return next((t for t in templates if template_matches(t.content, text)), None)


def fill_template(template: str, values: Sequence[str]) -> str:
    """Put values into the slots in order of appearance (not by slot number), each cut to its
    slot's length. A slot without a value, or with an empty one, stays written as it is, e.g.
    "{P2,100}", so whoever reads the draft sees what is left to complete."""
    out: list[str] = []
    index = 0
    for piece in _parse(template):
        if isinstance(piece, str):
            out.append(piece)
            continue
        value = values[index] if index < len(values) else ""
        out.append(value[: piece.length] if value else piece.written)
        index += 1
    return "".join(out)


def _plain(text: str, ascii_only: bool) -> str:
    return strip_diacritics(text) if ascii_only else text


def fallback_text(message: ViberMessage, *, ascii_only: bool) -> str:
    """The SMS a Viber message becomes when no template is chosen: its text, then the button's
    link after a space (as registered templates write it: `… Chi tiet: {P2,100}`); "" for a
    message with neither (an image alone).

    Only the text loses its diacritics: a link is an address, and changing a letter in it (a
    Vietnamese path, an internationalized domain) would lead somewhere else."""
    text = _plain((message.text or "").strip(), ascii_only)
    link = (message.button_url or "").strip()
    return " ".join(part for part in (text, link) if part)


def slot_values(message: ViberMessage, *, ascii_only: bool) -> list[str]:
    """What fills a template's slots from a message, in order: the first line of its text (a slot
    holds no line break), then the button's link; what is missing is skipped, the link is never
    stripped of diacritics (see fallback_text)."""
    lines = (message.text or "").strip().splitlines()
    first = _plain(lines[0].strip(), ascii_only) if lines else ""
    link = (message.button_url or "").strip()
    return [value for value in (first, link) if value]


def sms_content(message: ViberMessage, typed: str | None, *, ascii_only: bool) -> str:
    """What an SMS standing in for `message` says to eSMS: the text chosen in the composer
    (`typed`), or the message with its link; without diacritics when `ascii_only`."""
    text = typed or fallback_text(message, ascii_only=ascii_only)
    return strip_diacritics(text) if ascii_only else text
