"""eSMS result codes in words an agent can act on."""

from __future__ import annotations

from enum import IntEnum

from bot.core.i18n import CATALOG, _


class ResultCode(IntEnum):
    """Every result code eSMS documents (CodeResult / CodeResponse); each but ACCEPTED has a
    sentence for people in the catalogue (`code.N`), which a test checks."""

    BLOCKED_OR_UNKNOWN = 99
    ACCEPTED = 100
    WRONG_KEYS = 101
    NO_PRICE_LIST = 102
    INSUFFICIENT_BALANCE = 103
    BRANDNAME_UNKNOWN = 104
    NOT_FOUND = 105  # an SMSID not queryable (yet)
    TOO_FEW_FOR_ADVERTISING = 107
    WRONG_PHONE_FORMAT = 108
    TYPE_NOT_SUPPORTED = 118
    TOO_MANY_FOR_ADVERTISING = 120
    DUPLICATE_REQUEST = 124  # this RequestId was accepted within the last 24 hours
    IP_NOT_WHITELISTED = 140
    ACCOUNT_LOCKED = 143
    TEMPLATE_MISMATCH = 146
    TOO_MANY_PER_SECOND = 160
    NETWORK_NOT_REGISTERED = 177
    TYPE_MISSING = 300


ACCEPTED = ResultCode.ACCEPTED
DUPLICATE_REQUEST = ResultCode.DUPLICATE_REQUEST
NOT_FOUND = ResultCode.NOT_FOUND


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
