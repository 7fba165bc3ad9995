"""What the page's eSMS panel does to the eSMS stand-in: choose what it gives for a number,
or make it refuse the next send with an error code."""

from __future__ import annotations

from typing import Any

from sandbox.standins.esms import OUTCOMES, EsmsStandIn


def choose_outcome(esms: EsmsStandIn, data: dict[str, Any]) -> dict[str, Any]:
    """What eSMS gives for a number from now on: `outcome` for its Viber messages, `sms`
    (delivered unless said) for the SMS that stands in for a failed one."""
    phone = str(data.get("phone", "")).strip()
    viber, sms = str(data.get("outcome", "")), str(data.get("sms") or "deliver")
    for word in (viber, sms):
        if word not in OUTCOMES:
            return {"error": f"unknown outcome {word!r}: one of {', '.join(OUTCOMES)}"}
    if not phone:
        return {"error": "which number?"}
    esms.choose(phone, viber)
    esms.choose_sms(phone, sms)
    return {}


def force_refusal(esms: EsmsStandIn, data: dict[str, Any]) -> dict[str, Any]:
    """Refuse the next send with `code` (a result code other than 100)."""
    try:
        esms.force_next(int(data.get("code", 0)))
    except (TypeError, ValueError) as error:
        return {"error": str(error)}
    return {}
