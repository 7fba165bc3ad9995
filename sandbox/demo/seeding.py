"""The month of past sends the demo starts with, so that `/viber chart 30d` and the Home tab's
week have figures: `history.past_month` for the demo's channel, by four agents other than the
demo's people, up to the moment the demo starts, written once into its database (a database
kept with `--db` from an earlier run has them already and is left as it is).

The history's phone numbers come from its send ids, so they are fixed by the seed: none of them
is a number the stories use (the demo's tests check it), so `/viber status 0901234567` shows
only what was sent on the page.

One of the stories' numbers has consent to marketing on record from the start (`stories.
CONSENTING`, a signed form of the month the history starts in), recorded once: a kept database
whose consent for it was withdrawn (its stop link used) keeps it withdrawn.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.consent import SOURCE_IMPORT
from bot.core.formatting import VIETNAM
from bot.store import Store
from bot.store.consents import Given, NewConsent
from sandbox.demo import stories
from sandbox.demo.history import AGENTS, PastRecipient, past_month, write_history

HISTORY_DAYS = 30  # today and the 29 days before: what `/viber chart 30d` covers
HISTORY_SEED = 7
# A send's rows are stamped up to a minute after it (updated_at): all of it before the start.
SETTLED_SECONDS = 60.0
CONSENT_ACTOR = "demo"  # who recorded the seeded consent, as its history names them


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


def demo_consent(now: float) -> NewConsent:
    """The consenting number's consent: a form signed when the month of history starts."""
    given_at = history_start(now)
    month = datetime.fromtimestamp(given_at, VIETNAM)
    return NewConsent(stories.CONSENTING, f"signed form {month:%m/%Y} (demo)", given_at)


def give_demo_consent(store: Store, now: float) -> bool:
    """Record the consenting number's consent unless its consent has a history in this database
    already; whether it was recorded."""
    _changes, count = store.consents.history(stories.CONSENTING, limit=1)
    if count:
        return False
    given = store.consents.give(demo_consent(now), CONSENT_ACTOR, SOURCE_IMPORT)
    return given == Given.RECORDED


def seed_consent(database_url: str, now: float) -> bool:
    """`give_demo_consent` in the demo's database."""
    store = Store.open(database_url, pool_size=1)
    try:
        return give_demo_consent(store, now)
    finally:
        store.close()
