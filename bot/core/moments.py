"""Moments as people write them in a spreadsheet's cell: ISO 8601 as systems export it, or the
day first as Vietnamese write it by hand. A time without an offset is Vietnam time."""

from __future__ import annotations

import re
from datetime import datetime

from bot.core.formatting import VIETNAM

MOMENT_FORMATS = "YYYY-MM-DD [HH:MM[:SS]], ISO 8601 with an offset, or DD/MM/YYYY [HH:MM]"
_ISO_START = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DAY_FIRST = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")


def read_moment(text: str) -> float | None:
    """The epoch of `2026-12-01`, `2026-12-01 09:30[:15]`, `2026-12-01T09:30:15+07:00` (or
    `…Z`, fractions of a second kept), `01/12/2026` or `01/12/2026 09:30`; None for anything
    else. A day alone is its midnight."""
    text = " ".join(text.split())
    moment: datetime | None = None
    if _ISO_START.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        for pattern in _DAY_FIRST:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.timestamp()
