"""Validate what an agent composed, the same way for the modal and for a quick send."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.i18n import _
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


def check_draft(recipients_raw: str, message: ViberMessage, *, stop_room: int = 0) -> Draft:
    recipients = parse_recipients(recipients_raw)
    errors: dict[str, str] = {}
    if recipients.invalid:
        listed = ", ".join(recipients.invalid[:10])
        if len(recipients.invalid) > 10:
            listed += _("err.and_more", count=len(recipients.invalid) - 10)
        key = "err.not_mobile_one" if len(recipients.invalid) == 1 else "err.not_mobile_many"
        errors["recipients"] = _(key, numbers=listed)
    elif recipients.too_many:
        errors["recipients"] = _("err.too_many", count=len(recipients.phones), limit=MAX_RECIPIENTS)
    elif not recipients.phones:
        errors["recipients"] = _("err.no_numbers")
    errors.update(validate_message(message, stop_room=stop_room))
    return Draft(phones=recipients.phones, message=message, errors=errors)
