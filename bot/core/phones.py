"""Vietnamese mobile numbers: parse what agents type, normalize to the form eSMS expects."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

MAX_RECIPIENTS = 50
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
# Agents paste lists separated by commas, semicolons or new lines; spaces stay inside a number.
_SEPARATORS = re.compile(r"[,;\n\r]+")
# phonenumbers forgives letters (extensions, vanity numbers); a customer's mobile has none.
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ().\-]+$")


@dataclass(frozen=True)
class RecipientList:
    phones: tuple[str, ...]
    invalid: tuple[str, ...]

    @property
    def too_many(self) -> bool:
        return len(self.phones) > MAX_RECIPIENTS


def normalize_phone(raw: str) -> str | None:
    """Return the domestic form (0 + 9 digits) of a Vietnamese mobile number, or None."""
    candidate = raw.strip()
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
