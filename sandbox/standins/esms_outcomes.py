"""What the eSMS stand-in answers when it plays along: the outcome per phone, the refusals.

Part of `esms.py`, kept apart for its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The price eSMS gives for one message (VND), as in its documented Viber callback; the stand-in
# charges a customer-care SMS the same.
PRICE = 470.0

# eSMS's ErrorMessage for a refused send (Viber or SMS), by result code.
ERROR_MESSAGES = {
    99: "Unknown error",
    101: "Authorize Failed",
    102: "Price list not found",
    103: "Balance not enough",
    104: "Brandname not exist",
    105: "Not found",
    107: "Advertising requires at least 30 phones",
    108: "Phone invalid",
    118: "SmsType not supported",
    120: "Too many phones",
    124: "Request exist 1",
    140: "IP not allowed",
    143: "Account locked",
    146: "Sai template Brandname CSKH",
    160: "Too many requests per second (TPS exceeded)",
    177: "Network not registered for brandname",
    300: "SmsType required",
}


def refusal(code: int, message: str | None = None) -> dict[str, Any]:
    """A send's answer (Send_Multiple_Sms_OTT or SendMultipleMessage_V4_post_json) refusing
    with `code`."""
    answer: dict[str, Any] = {
        "CodeResult": str(code),
        "CountRegenerate": 0,
        "ErrorMessage": message or ERROR_MESSAGES.get(code, f"Error {code}"),
    }
    if code == 124:
        answer["SendStatus"] = "5"  # eSMS says the earlier request went through
    return answer


@dataclass(frozen=True)
class DeliveryStatus:
    """What eSMS says about one phone once it knows: SendStatus and the counts."""

    send_status: int
    success: int
    failed: int
    price: float
    calls_back: bool


# "silent" is delivered without a callback: only the app's reconciliation finds it.
OUTCOMES: dict[str, DeliveryStatus] = {
    "deliver": DeliveryStatus(5, 1, 0, PRICE, True),
    "fail": DeliveryStatus(5, 0, 1, PRICE, True),
    "reject": DeliveryStatus(4, 0, 1, 0.0, True),
    "silent": DeliveryStatus(5, 1, 0, PRICE, False),
}
DEFAULT_OUTCOME = "deliver"


def checked_outcome(outcome: str) -> str:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}: one of {', '.join(OUTCOMES)}")
    return outcome


def combined(statuses: list[DeliveryStatus]) -> dict[str, Any]:
    """GetSendStatus for one SMSID covering these phones (one, as the app sends)."""
    success = sum(s.success for s in statuses)
    failed = sum(s.failed for s in statuses)
    finished = any(s.send_status == 5 for s in statuses)
    return {
        "SendStatus": 5 if finished else 4,
        "SendSuccess": success,
        "SendFailed": failed,
        "TotalSent": success + failed,
        "TotalPrice": sum(s.price for s in statuses),
    }


def status_word(code: int, status: dict[str, Any] | None) -> str:
    """Where a submission stands, in one word for the demo page."""
    if code == 0:
        return "no answer"  # a scripted transport failure, or not answered yet
    if code == 124:
        return "duplicate"
    if code != 100:
        return "refused"
    if status is None:
        return "unknown"
    send_status = status.get("SendStatus")
    if send_status == 5:
        return "delivered" if status.get("SendSuccess", 0) > 0 else "failed"
    if send_status == 4:
        return "rejected"
    return "waiting" if send_status == 2 else f"status {send_status}"
