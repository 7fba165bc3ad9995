"""eSMS delivery callbacks: authenticate the URL's secret and parse the query string."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

from bot.core.model import Callback

MAX_QUERY_LENGTH = 4096
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PHONE = re.compile(r"\+?[0-9]{6,15}")


class CallbackError(ValueError):
    """The query string is not a callback this app can apply; the message says why."""


def secret_matches(candidate: str, secrets: Iterable[str]) -> bool:
    """Constant-time comparison against every accepted secret (several during a rotation)."""
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(candidate.encode(), secret.encode())
    return matched


def parse_callback(query: str) -> Callback:
    if len(query) > MAX_QUERY_LENGTH:
        raise CallbackError("query string too long")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False, max_num_fields=40)
    except ValueError:
        raise CallbackError("too many query parameters") from None
    values: dict[str, str] = {}
    for key, value in pairs:
        if key in values and values[key] != value:
            raise CallbackError(f"{key} is given twice with different values")
        values[key] = value

    sms_id = _identifier(values, "SMSID")
    request_id = _identifier(values, "RequestId")
    if sms_id is None and request_id is None:
        raise CallbackError("SMSID is missing")
    send_status = _count(values, "SendStatus")
    if send_status is None:
        raise CallbackError("SendStatus is missing")
    # The SMSID names the recipient; an odd phonenumber must not cost the callback.
    phone = values.get("phonenumber", "").strip()
    return Callback(
        sms_id=sms_id,
        request_id=request_id,
        send_status=send_status,
        success=_count(values, "SendSuccess"),
        failed=_count(values, "SendFailed"),
        phone=phone if _PHONE.fullmatch(phone) else None,
        telco_id=_count(values, "telcoid"),
        total_price=_price(values.get("TotalPrice", "")),
    )


def _identifier(values: dict[str, str], key: str) -> str | None:
    raw = values.get(key, "").strip()
    if not raw:
        return None
    if not _ID.match(raw):
        raise CallbackError(f"{key} is not a valid identifier")
    return raw


def _count(values: dict[str, str], key: str) -> int | None:
    raw = values.get(key, "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise CallbackError(f"{key} must be a whole number, not {raw[:20]!r}")
    return int(raw)


def _price(raw: str) -> float | None:
    raw = raw.strip()
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,6})?", raw):
        raise CallbackError("TotalPrice is not a number")
    return float(raw)


def without_phone(query: str) -> str:
    """The raw query without its phonenumber: what is kept of a callback for a number that was
    erased (its status still counts; the number is not stored again)."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=40)
    except ValueError:
        return ""
    return urlencode([(key, value) for key, value in pairs if key.lower() != "phonenumber"])
