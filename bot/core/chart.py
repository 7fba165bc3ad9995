"""A chart's figures: what went out, what arrived, what failed and why, what it cost — in
total, per day, per agent, per Slack channel and per brandname.

Folded one recipient at a time (`Figures.add`), so any number of rows fits in memory: the
chart reads them a batch at a time, the Home tab adds counts already grouped by the database.
Test sends are counted apart and in nothing else (no customer received them, eSMS charged
nothing).

The words, as the chart prints them:
- *recipients*: Viber messages (one per number per send); *SMS fallbacks* are counted apart;
- *delivered %*: delivered Viber messages out of those that went out (neither skipped nor
  cancelled);
- *failed*: Viber messages failed, rejected by eSMS, refused by eSMS, or whose status expired
  (an SMS fallback's failures are counted with the SMS fallbacks; the reasons cover both);
- *not sent*: skipped (opted out, over the marketing cap) or cancelled;
- *pending*: everything else (queued, accepted, on its way);
- *cost*: the prices eSMS gave with the delivery statuses, Viber and SMS together.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.core.delivery import State
from bot.core.formatting import VIETNAM
from bot.core.model import Channel

FAILED_STATES = frozenset({State.FAILED, State.REJECTED, State.REFUSED, State.UNAVAILABLE})
NOT_SENT_STATES = frozenset({State.SKIPPED, State.CANCELLED})


@dataclass
class Tally:
    """The counts of one group of recipients."""

    sends: int = 0
    recipients: int = 0  # Viber
    delivered: int = 0
    failed: int = 0
    not_sent: int = 0
    sms: int = 0
    sms_delivered: int = 0
    sms_failed: int = 0
    cost: float = 0.0

    def add(self, channel: str, state: str, price: float | None, count: int = 1) -> None:
        self.cost += price or 0.0
        if channel == Channel.SMS:
            self.sms += count
            self.sms_delivered += count if state == State.DELIVERED else 0
            self.sms_failed += count if state in FAILED_STATES else 0
            return
        self.recipients += count
        self.delivered += count if state == State.DELIVERED else 0
        self.failed += count if state in FAILED_STATES else 0
        self.not_sent += count if state in NOT_SENT_STATES else 0

    @property
    def pending(self) -> int:
        return self.recipients - self.delivered - self.failed - self.not_sent

    @property
    def went_out(self) -> int:
        return self.recipients - self.not_sent

    @property
    def delivered_share(self) -> float | None:
        """Delivered out of the Viber messages that went out; None when none went out."""
        return self.delivered / self.went_out if self.went_out else None


@dataclass
class Figures:
    """Every figure of a chart, each group a Tally; `reasons` counts failures by their words."""

    total: Tally = field(default_factory=Tally)
    days: dict[date, Tally] = field(default_factory=dict)
    agents: dict[str, Tally] = field(default_factory=dict)
    channels: dict[str, Tally] = field(default_factory=dict)
    brandnames: dict[str, Tally] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)
    test_sends: int = 0
    _last_send: str | None = field(default=None, repr=False)

    def add(self, row: Mapping[str, Any], reason: str | None = None) -> None:
        """One recipient row (the export's columns); `reason` is its failure in words. A send's
        rows come one after the other (the export's order), so only the last send is kept."""
        send_id = str(row["send_id"])
        first_of_send = send_id != self._last_send
        self._last_send = send_id
        if row["test_send"]:
            self.test_sends += int(first_of_send)
            return
        day = datetime.fromtimestamp(float(row["created_at"]), VIETNAM).date()
        groups = (
            self.total,
            self.days.setdefault(day, Tally()),
            self.agents.setdefault(str(row["user_id"]), Tally()),
            self.channels.setdefault(str(row["channel_id"]), Tally()),
            self.brandnames.setdefault(str(row["brandname"]), Tally()),
        )
        price = row["price"]
        for tally in groups:
            tally.sends += int(first_of_send)
            tally.add(row["channel"], row["state"], float(price) if price else None)
        if row["state"] in FAILED_STATES and reason:
            self.reasons[reason] += 1

    @property
    def empty(self) -> bool:
        return self.total.sends == 0
