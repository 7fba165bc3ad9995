"""What eSMS answers, read into typed results and typed errors.

Part of `client.py` (which re-exports every name here), kept apart for its size. Pure: nothing
here talks to the network, and no message built here quotes a URL, a body or a credential.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core.sms_text import SmsTemplate
from bot.esms import codes

_DOTNET_DATE = re.compile(r"/Date\((-?[0-9]{1,15})(?:[+-][0-9]{4})?\)/")
_WHOLE = re.compile(r"-?[0-9]{1,18}")


class EsmsError(Exception):
    """Base of every eSMS failure; its message is safe to show and log."""


class EsmsUnavailable(EsmsError):
    """No usable answer (timeout, connection, HTTP error, not JSON): the call may be retried."""


class EsmsRefused(EsmsError):
    """eSMS answered with a result code other than success."""

    def __init__(self, code: int, error_message: str = "") -> None:
        self.code = code
        self.error_message = error_message
        super().__init__(f"eSMS refused the request: {codes.describe(code, error_message)}")


@dataclass(frozen=True)
class SendAccepted:
    sms_id: str | None
    duplicate: bool  # 124: an earlier attempt with this RequestId was accepted


@dataclass(frozen=True)
class DeliveryStatus:
    sms_id: str
    send_status: int
    success: int
    failed: int


@dataclass(frozen=True)
class ReceiverStatus:
    phone: str
    is_sent: bool
    sent_result: bool | None
    network: str


@dataclass(frozen=True)
class SentRecord:
    """One message in GetSmsSentData_V2: how a send whose answer was lost is found again."""

    sms_id: str
    phone: str
    send_status: int
    send_result: int  # 1 delivered, 0 failed, 2 unknown (not a failure: ask GetSendStatus later)
    content: str | None = None  # the submitted Content (\r\n line breaks); None when image-only
    sent_at: float | None = None  # epoch seconds; None when eSMS gave no readable SentTime


@dataclass(frozen=True)
class Brandname:
    name: str
    type: int


def send_answer(answer: dict[str, Any]) -> SendAccepted:
    """A send's answer (Viber or SMS): 100 accepted, 124 accepted earlier, anything else refused."""
    code = _code(answer, "CodeResult")
    if code == codes.ACCEPTED:
        return SendAccepted(sms_id=_optional_text(answer.get("SMSID")), duplicate=False)
    if code == codes.DUPLICATE_REQUEST:
        return SendAccepted(sms_id=_optional_text(answer.get("SMSID")), duplicate=True)
    raise EsmsRefused(code, str(answer.get("ErrorMessage") or ""))


def sms_templates(answer: dict[str, Any]) -> list[SmsTemplate]:
    """GetTemplate's answer: its code may be CodeResult, CodeResponse or absent (then only with a
    BrandnameTemplates list); items that are not a readable template are skipped."""
    key = next((k for k in ("CodeResult", "CodeResponse") if answer.get(k) is not None), None)
    items = answer.get("BrandnameTemplates")
    if key is not None:
        _check_accepted(answer, key)
        items = [] if items is None else items
    if not isinstance(items, list):
        raise EsmsUnavailable("eSMS answered GetTemplate without a BrandnameTemplates list")
    templates = []
    for item in items:
        if not isinstance(item, dict):
            continue
        template_id, content = _whole(item.get("TempId")), item.get("TempContent")
        if template_id is None or not isinstance(content, str) or not content:
            continue
        templates.append(SmsTemplate(template_id, content, _whole(item.get("NetworkID"))))
    return templates


def _check_accepted(answer: dict[str, Any], key: str) -> None:
    """Raise EsmsRefused unless the answer's result code (named `key`) says accepted."""
    code = _code(answer, key)
    if code != codes.ACCEPTED:
        raise EsmsRefused(code, str(answer.get("ErrorMessage") or ""))


def _code(answer: dict[str, Any], key: str) -> int:
    try:
        return int(str(answer.get(key)).strip())
    except (TypeError, ValueError):
        raise EsmsUnavailable(f"eSMS answered without a valid {key}") from None


def _int(value: object) -> int:
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        return 0


def _whole(value: object) -> int | None:
    """An integer given as a number or as digits; None for anything else (bool, 1.5, "x")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _optional_text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _send_result(value: object) -> int:
    """SendResult 1 or 0; anything else (2, missing, odd) is unknown, never a failure."""
    result = _int(value) if value not in (None, "") else 2
    return result if result in (0, 1) else 2


def _dotnet_time(value: object) -> float | None:
    """`/Date(1705484048995+0700)/`: epoch milliseconds (the offset only names the zone)."""
    match = _DOTNET_DATE.fullmatch(str(value).strip()) if isinstance(value, str) else None
    return int(match.group(1)) / 1000 if match else None
