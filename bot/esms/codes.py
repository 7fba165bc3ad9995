"""eSMS result codes in words an agent can act on."""

from __future__ import annotations

ACCEPTED = 100
DUPLICATE_REQUEST = 124
NOT_FOUND = 105

_MEANINGS = {
    99: "the phone number is blocked or eSMS hit an unknown error",
    101: "wrong eSMS ApiKey or SecretKey",
    102: "the eSMS account has no price list",
    103: "insufficient balance",
    104: "the brandname does not exist or is inactive",
    105: "eSMS has no message with that ID (yet)",
    108: "the phone number has a wrong format",
    118: "the message type is not supported",
    124: "a send with this request ID was already accepted",
    140: "this server's IP address is not whitelisted at eSMS",
    143: "the eSMS account is not activated or is locked",
    300: "the message type is missing",
}


def describe(code: int | str | None, error_message: str | None = None) -> str:
    """`insufficient balance (103)`; unknown codes keep eSMS's own ErrorMessage."""
    try:
        number = int(str(code).strip())
    except (TypeError, ValueError):
        number = None
    detail = (error_message or "").strip()[:200]
    if number in _MEANINGS:
        return f"{_MEANINGS[number]} ({number})"
    label = f"code {number}" if number is not None else f"code {code!r}"
    return f"{detail} ({label})" if detail else f"unknown eSMS result ({label})"
