"""Vietnamese mobile numbers: parse what agents type, normalize to the form eSMS expects."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

MAX_RECIPIENTS = 50
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
# Agents paste lists separated by commas, semicolons or new lines (full-width ones from Chinese
# and Japanese input methods too); spaces stay inside a number.
_SEPARATORS = re.compile(r"[,;\n\r，；]+")
# What a full-width or compatibility character may stand for inside a number (NFKC).
_PUNCTUATION = frozenset("+ ().-")
# phonenumbers forgives letters (extensions, vanity numbers); a customer's mobile has none.
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ().\-]+$")


@dataclass(frozen=True)
class RecipientList:
    phones: tuple[str, ...]
    invalid: tuple[str, ...]

    @property
    def too_many(self) -> bool:
        return len(self.phones) > MAX_RECIPIENTS


def ascii_digits(raw: str) -> str:
    """Any script's decimal digits (full-width ０-９, Arabic-Indic ٠-٩ …) as 0-9, and full-width
    or no-break forms of `+ ( ) . -` and space as ASCII; everything else stays as it is, so
    look-alikes such as ² or ① still make the number invalid."""
    out = []
    for char in raw:
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            out.append(str(digit))
            continue
        compatible = unicodedata.normalize("NFKC", char)
        out.append(compatible if compatible in _PUNCTUATION else char)
    return "".join(out)


def normalize_phone(raw: str) -> str | None:
    """Return the domestic form (0 + 9 digits) of a Vietnamese mobile number, or None."""
    candidate = ascii_digits(raw).strip()
    if not candidate or len(candidate) > 32 or not _PHONE_CHARACTERS.match(candidate):
        return None
    try:
        number = phonenumbers.parse(candidate, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None
    return f"0{number.national_number}"


def parse_recipients(raw: str) -> RecipientList:
    """Split a typed list of numbers; duplicates collapse, keeping the first occurrence's order."""
    phones: list[str] = []
    invalid: list[str] = []
    for item in _SEPARATORS.split(raw or ""):
        item = item.strip()
        if not item:
            continue
        phone = normalize_phone(item)
        if phone is None:
            if item not in invalid:
                invalid.append(item)
        elif phone not in phones:
            phones.append(phone)
    return RecipientList(phones=tuple(phones), invalid=tuple(invalid))


def mask_phone(phone: str) -> str:
    """What logs may show of a number: its last three digits."""
    return "•" * max(len(phone) - 3, 0) + phone[-3:]


def is_masked(phone: str) -> bool:
    """Whether the number was masked (a purged send's): only its last digits remain."""
    return phone.startswith("•")


_WORD = re.compile(r"\S+")
NUMBER_WORDS = 5  # 090 123 45 67 and the like: a number written in groups


def leading_number(text: str) -> tuple[str, str]:
    """The number `text` starts with, spaces allowed (0901 234 567), and the words after it:
    the longest run of words that reads as one number, or the first word when none does."""
    words = list(_WORD.finditer(text))
    for end in range(min(len(words), NUMBER_WORDS), 0, -1):
        candidate = " ".join(word.group() for word in words[:end])
        if normalize_phone(candidate):
            return candidate, text[words[end - 1].end() :].strip()
    if not words:
        return "", ""
    return words[0].group(), text[words[0].end() :].strip()
