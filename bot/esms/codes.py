"""eSMS result codes in words an agent can act on."""

from __future__ import annotations

from bot.core.i18n import CATALOG, _

ACCEPTED = 100
DUPLICATE_REQUEST = 124
NOT_FOUND = 105


def describe(code: int | str | None, error_message: str | None = None) -> str:
    """`insufficient balance (103)`; unknown codes keep eSMS's own ErrorMessage."""
    try:
        number = int(str(code).strip())
    except (TypeError, ValueError):
        number = None
    detail = (error_message or "").strip()[:200]
    if number is not None and f"code.{number}" in CATALOG:
        return f"{_(f'code.{number}')} ({number})"
    label = _("code.label", code=number if number is not None else repr(code))
    return f"{detail} ({label})" if detail else _("code.unknown", label=label)
