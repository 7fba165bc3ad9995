"""Every way people write one Vietnamese mobile number, found and masked: 0901234567,
+84901234567, 84901234567, 0084 901 234 567, 090 123 4567, 0901.234.567, 0901-234-567,
(+84) 90 123 45 67, +84 (0) 901 234 567, full-width digits … An erasure masks them all in
what the app stored and posted, leaving the last three digits (`mask_phone`), as a purge does."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from bot.core.phones import mask_phone

# Between two digits (or after the prefix): at most two of these, so 090 - 123 or "(090) 123"
# still reads as one number, and a sentence's "0901 and 234" does not.
_SEPARATOR = r"[ .\-\u00a0()/]{0,2}"
_DIGIT_BEFORE = r"(?<![0-9０-９])"  # not inside a longer run of digits …
_DIGIT_AFTER = r"(?![0-9０-９])"  # … on either side


def _digit(digit: str) -> str:
    """The digit as ASCII or full-width, as people paste it."""
    return f"[{digit}{chr(ord('０') + int(digit))}]"


_ZERO, _COUNTRY = _digit("0"), _digit("8") + _digit("4")
# 0, or Vietnam's code (84, +84, 0084, %2B84 in a URL, "(+84)"), perhaps then "(0)".
_PREFIX = (
    rf"(?:(?:[+＋]|%2[Bb]|{_ZERO}{_ZERO})?\(?[+＋]?{_COUNTRY}\)?{_SEPARATOR}"
    rf"(?:\(?{_ZERO}\)?{_SEPARATOR})?"
    rf"|\(?{_ZERO}\)?{_SEPARATOR})"
)


@lru_cache(maxsize=64)
def written_forms(phone: str) -> re.Pattern[str]:
    """Every written form of `phone` (the domestic form, 0 and nine digits), as one pattern;
    without its prefix too (901 234 567), never inside a longer run of digits."""
    national = phone[1:] if phone.startswith("0") else phone
    digits = _SEPARATOR.join(_digit(digit) for digit in national)
    return re.compile(f"{_DIGIT_BEFORE}(?:{_PREFIX})?{digits}{_DIGIT_AFTER}")


def mask_written(text: str, phone: str) -> str:
    """`text` with every written form of `phone` replaced by its mask (•••••••567)."""
    mask = mask_phone(phone)

    def masked(found: re.Match[str]) -> str:
        # "(0901234567)": the bracket opened before the number is the sentence's, not its own.
        own = found.group()
        return ("(" if own.startswith("(") and ")" not in own else "") + mask

    return written_forms(phone).sub(masked, text)


def _mask_value(value: Any, phone: str) -> Any:
    if isinstance(value, str):
        return mask_written(value, phone)
    if isinstance(value, list):
        return [_mask_value(item, phone) for item in value]
    if isinstance(value, dict):
        return {key: _mask_value(item, phone) for key, item in value.items()}
    return value


def mask_stored(text: str | None, phone: str) -> str | None:
    """A stored column with `phone` masked: JSON (blocks, a row's values) string by string, so
    that an escaped character between its digits hides nothing; anything else as text. The
    same text, unchanged, when the number is not in it."""
    if not text:
        return text
    if text[0] in "[{":
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list | dict):
            masked = _mask_value(parsed, phone)
            return text if masked == parsed else json.dumps(masked, ensure_ascii=False)
    return mask_written(text, phone)


def holds(text: str | None, phone: str) -> bool:
    """Whether any written form of `phone` is in `text` (or in its JSON's strings)."""
    return bool(text) and mask_stored(text, phone) != text


def prefilter(phone: str) -> tuple[str, str]:
    """LIKE patterns one of which a stored text holding a written form of `phone` matches:
    its last two digits, in ASCII or full-width, which no usual way of writing it separates
    (the database narrows its rows by them; the pattern above decides)."""
    last = phone[-2:]
    return f"%{last}%", "%" + "".join(chr(ord("０") + int(digit)) for digit in last) + "%"
