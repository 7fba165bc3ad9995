"""When a Viber message that did not arrive is followed by a customer-care SMS."""

from __future__ import annotations

from bot.core.delivery import State

# Refusals that concern the account or the request, not the recipient: an SMS through the same
# account would meet the same refusal, or should not go out at all.
NO_FALLBACK_CODES = frozenset({101, 102, 103, 104, 118, 140, 143})
FAILED = "failed"  # the Viber message failed
LATE = "late"  # the Viber message was still undelivered after SMS_FALLBACK_AFTER_MINUTES

# telcoid in eSMS's callbacks
NETWORKS = {
    1: "Viettel",
    2: "Mobifone",
    3: "Vinaphone",
    4: "Vietnamobile",
    5: "Gtel",
    6: "Itel",
    7: "Reddi",
}


def needs_fallback(state: str, error_code: int | None = None) -> bool:
    """True when a Viber recipient that ended in `state` should get an SMS instead."""
    if state in (State.FAILED, State.REJECTED):
        return True
    return state == State.REFUSED and error_code not in NO_FALLBACK_CODES


def network_name(telco_id: int | None) -> str | None:
    if telco_id is None:
        return None
    return NETWORKS.get(telco_id, f"network {telco_id}")
