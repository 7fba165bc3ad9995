"""Validate what an agent composed, the same way for the modal and for a quick send."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.message import ViberMessage, validate_message
from bot.core.phones import MAX_RECIPIENTS, parse_recipients


@dataclass(frozen=True)
class Draft:
    phones: tuple[str, ...]
    message: ViberMessage
    errors: dict[str, str] = field(default_factory=dict)  # keyed by composer field

    @property
    def ok(self) -> bool:
        return not self.errors


def check_draft(recipients_raw: str, message: ViberMessage) -> Draft:
    recipients = parse_recipients(recipients_raw)
    errors: dict[str, str] = {}
    if recipients.invalid:
        listed = ", ".join(recipients.invalid[:10])
        more = f" and {len(recipients.invalid) - 10} more" if len(recipients.invalid) > 10 else ""
        noun = (
            "is not a Vietnamese mobile number"
            if len(recipients.invalid) == 1
            else ("are not Vietnamese mobile numbers")
        )
        errors["recipients"] = f"{listed}{more} {noun} (e.g. 0901234567 or +84 901 234 567)."
    elif recipients.too_many:
        errors["recipients"] = (
            f"{len(recipients.phones)} numbers: at most {MAX_RECIPIENTS} per send. Split the list."
        )
    elif not recipients.phones:
        errors["recipients"] = "Add at least one phone number."
    errors.update(validate_message(message))
    return Draft(phones=recipients.phones, message=message, errors=errors)
