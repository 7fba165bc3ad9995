"""Persistence by aggregate: sends, deliveries (with callbacks), approvals, templates, jobs,
leases, privacy (and retention, its daily purge; a data subject's requests), opt-outs,
consents to marketing and stop links, SMS fallbacks, the marketing cap, campaigns and
workflow step runs, each a module of its own over one database.

Every change that must happen together happens in one transaction. On SQLite write transactions
run one at a time; on PostgreSQL a transaction locks the rows it reads before changing them
(`row_lock`) and workers claim jobs with SKIP LOCKED, so several processes sharing one database
never interleave half-done updates nor run a job twice.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable

from bot.db import Database, open_database
from bot.store.approvals import Approvals
from bot.store.campaigns import Campaigns
from bot.store.consents import Consents
from bot.store.deliveries import Deliveries
from bot.store.erasure import Erasures
from bot.store.fallbacks import Fallbacks
from bot.store.images import Images
from bot.store.jobs import Jobs
from bot.store.leases import Leases
from bot.store.marketing import MarketingCap
from bot.store.optouts import OptOuts
from bot.store.privacy import Privacy
from bot.store.privacy_requests import PrivacyRequests
from bot.store.pruning import Pruning
from bot.store.replies import Replies
from bot.store.retention import Retention
from bot.store.sends import Sends
from bot.store.slack_posts import SlackPosts
from bot.store.steps import Steps
from bot.store.stop_links import StopLinks
from bot.store.templates import Templates


def process_name() -> str:
    """Who holds a job or a lease: unique to this process, readable in the database."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Store:
    """The aggregates over one database, and this process's name in its jobs and leases."""

    def __init__(
        self, database: Database, *, job_lease_seconds: float = 8.0, data_key: str | None = None
    ) -> None:
        """`data_key`: DATA_KEY, under which an erased number is kept as its digest; every
        look-up of the opt-outs and of the daily cap finds such a number by it."""
        self.db = database
        self.holder = process_name()
        self.data_key = data_key
        self._wake: Callable[[], None] = lambda: None
        self.sends = Sends(database, self.wake, data_key)
        self.deliveries = Deliveries(database)
        self.replies = Replies(database)
        self.approvals = Approvals(database, self.wake)
        self.campaigns = Campaigns(database, self.wake)
        self.steps = Steps(database)
        self.templates = Templates(database)
        self.jobs = Jobs(database, self.holder, job_lease_seconds)
        self.leases = Leases(database)
        self.privacy = Privacy(database)
        self.retention = Retention(database, self.privacy)
        self.privacy_requests = PrivacyRequests(database, self.wake)
        self.pruning = Pruning(database)
        self.optouts = OptOuts(database, data_key)
        self.consents = Consents(database, data_key)
        self.stop_links = StopLinks(database)
        self.fallbacks = Fallbacks(database)
        self.images = Images(database)
        self.marketing_cap = MarketingCap(database, data_key)
        self.erasures = Erasures(database, data_key)
        self.slack_posts = SlackPosts(database)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        job_lease_seconds: float = 8.0,
        pool_size: int = 5,
        data_key: str | None = None,
    ) -> Store:
        """The store at DATABASE_URL (sqlite:///… or postgres://…)."""
        database = open_database(url, pool_size=pool_size)
        return cls(database, job_lease_seconds=job_lease_seconds, data_key=data_key)

    def on_new_work(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever a send or a decision queues jobs (the job runner looks then)."""
        self._wake = wake

    def wake(self) -> None:
        self._wake()

    def close(self) -> None:
        self.db.close()

    def ping(self) -> bool:
        return self.db.ping()

    def migrate(self) -> int:
        """Create or upgrade the schema; returns the version now in force."""
        return self.db.migrate()
