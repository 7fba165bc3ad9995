"""The mobile networks eSMS names by number (`telcoid` in its callbacks)."""

from __future__ import annotations

NETWORKS = {
    1: "Viettel",
    2: "Mobifone",
    3: "Vinaphone",
    4: "Vietnamobile",
    5: "Gtel",
    6: "Itel",
    7: "Reddi",
}


def network_name(telco_id: int | None) -> str | None:
    if telco_id is None:
        return None
    return NETWORKS.get(telco_id, f"network {telco_id}")
