"""The month of past sends the demo starts with, so that `/viber chart 30d` and the Home tab's
week have figures: `history.past_month` for the demo's channel, by four agents other than the
demo's people, up to the moment the demo starts, written once into its database (a database
kept with `--db` from an earlier run has them already and is left as it is).

The history's phone numbers come from its send ids, so they are fixed by the seed: none of them
is a number the stories use (the demo's tests check it), so `/viber status 0901234567` shows
only what was sent on the page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.formatting import VIETNAM
from bot.store import Store
from sandbox.demo.history import AGENTS, PastRecipient, past_month, write_history

HISTORY_DAYS = 30  # today and the 29 days before: what `/viber chart 30d` covers
HISTORY_SEED = 7
# A send's rows are stamped up to a minute after it (updated_at): all of it before the start.
SETTLED_SECONDS = 60.0


def history_start(now: float) -> float:
    """Midnight, Vietnamese time, at the start of the first of the HISTORY_DAYS days."""
    today = datetime.fromtimestamp(now, VIETNAM).date()
    first = today - timedelta(days=HISTORY_DAYS - 1)
    return datetime.combine(first, datetime.min.time(), VIETNAM).timestamp()


def demo_history(now: float, channel_id: str) -> list[PastRecipient]:
    """The demo's past sends in `channel_id`: none later than `now` (every one is final)."""
    rows = past_month(history_start(now), HISTORY_DAYS, [channel_id], seed=HISTORY_SEED)
    return [row for row in rows if row.created_at + SETTLED_SECONDS <= now]


def seed_history(database_url: str, channel_id: str, now: float, team_id: str = "T0001") -> int:
    """Write the demo's history unless the database has a send by one of its agents already;
    how many sends were written."""
    store = Store.open(database_url, pool_size=1)
    try:
        marks = ", ".join("?" for _ in AGENTS)
        found = store.db.fetch_one(
            f"SELECT id FROM sends WHERE user_id IN ({marks}) LIMIT 1", AGENTS
        )
        if found is not None:
            return 0
        rows = demo_history(now, channel_id)
        write_history(store.db, rows, team_id)
        return len({row.send_id for row in rows})
    finally:
        store.close()
