"""The wiring: build the long-lived pieces of a running app once, from Settings, and hand them
around. Only the entry points (`bot.web.wsgi`, `bot.web.serving`, `bot.cli`) import this module."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_bolt import App
from slack_sdk import WebClient

from bot.config import Settings
from bot.config.logs import ContextExecutor
from bot.core import i18n
from bot.core.model import JobKind
from bot.db import tallies
from bot.esms.client import EsmsClient
from bot.jobs.campaign import CampaignReading
from bot.jobs.campaign_results import CampaignResults
from bot.jobs.campaign_thread import CampaignThread
from bot.jobs.erasure import ErasureRuns
from bot.jobs.images import ImageHosting
from bot.jobs.late import LateFallbacks
from bot.jobs.pacing import ChannelPacer, Pacer, SharedPacer
from bot.jobs.parent import ParentPosts
from bot.jobs.policies import JobPolicy, job_policies
from bot.jobs.post_edits import PostEdits
from bot.jobs.privacy_access import PrivacyAccess
from bot.jobs.privacy_files import PrivacyFiles
from bot.jobs.pruning import Pruner
from bot.jobs.reconcile import Reconciler
from bot.jobs.refresh import ThreadRefresh
from bot.jobs.runner import Worker
from bot.jobs.slack_calls import SlackCalls
from bot.jobs.steps import StepRuns
from bot.jobs.submit import Submissions
from bot.slack.app import build_bolt_app
from bot.slack.people import People
from bot.store import Store

STEP_POLL_SECONDS = 1.0
PRUNE_SECONDS = 600.0  # old jobs, leases and callbacks deleted, retention's day run, this often
FOLD_SECONDS = 5.0  # the counts /metrics reads are gathered this often
# Access requests' files due to leave Slack are looked for this often: a look at a small table,
# and a file due goes within seconds of its day.
PRIVACY_FILES_SECONDS = 5.0


@dataclass
class Services:
    settings: Settings
    store: Store
    slack: WebClient
    esms: EsmsClient
    worker: Worker
    people: People
    # Answers that need eSMS (the balance) and files that take seconds (charts, exports) are
    # made here, never on Slack's listener threads; four, so that two charts being drawn
    # leave the balance answering.
    lookups: ThreadPoolExecutor = field(
        default_factory=lambda: ContextExecutor(4, thread_name_prefix="lookup")
    )


def build_services(settings: Settings, *, worker_threads: int | None = None) -> Services:
    """Everything a running app needs; the schema must be current already (the command that
    starts the app migrates once, before gunicorn starts its processes)."""
    i18n.use(settings.language)
    store = Store.open(
        settings.database_url,
        job_lease_seconds=settings.job_lease_seconds,
        pool_size=settings.database_pool_size,
        data_key=settings.data_key,
    )
    # Retries are the job runner's business (durable, with backoff): the client must not
    # sleep on a worker thread, so it gets no retry handlers of its own.
    slack = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[],
    )
    esms = EsmsClient(
        settings.esms_api_url,
        settings.esms_api_key,
        settings.esms_secret_key,
        timeout_seconds=settings.esms_timeout_seconds,
    )
    # With several processes, one pace per channel between them all, kept in the database.
    pacer = SharedPacer(store) if settings.shared_database else ChannelPacer()
    # Expiry runs even with approvals switched off: requests posted before still need it.
    # Often enough to expire close to the deadline, rarely enough to cost nothing.
    expiry_interval = min(30.0, max(0.5, settings.approval_ttl_hours * 3600 / 4))
    reconciler = Reconciler(
        store,
        esms,
        poll_seconds=settings.status_poll_seconds,
        grace_seconds=settings.status_grace_seconds,
        sms_ascii=settings.outreach.sms_ascii,
        public_url=settings.public_url,
    )
    preview_seconds = settings.campaign_preview_hours * 3600

    def expire_previews() -> list[str]:
        return store.campaigns.expire_previews(time.time() - preview_seconds)

    periodic = [
        (expiry_interval, store.approvals.expire),
        (settings.status_poll_seconds, reconciler.run_once),
        (min(300.0, preview_seconds / 4), expire_previews),
    ]

    # One duty, one lease: the tables' windows and RETENTION_DAYS' daily purge.
    pruner = Pruner(
        store,
        job_hours=settings.job_retention_hours,
        callback_days=settings.callback_retention_days,
        retention_days=settings.retention_days,
    )
    periodic.append((PRUNE_SECONDS, pruner.run_once))
    # An erasure's confirmation not clicked within the hour lets go of its number.
    periodic.append((PRUNE_SECONDS, store.erasures.expire_confirmations))

    def fold_tallies() -> int:
        return tallies.fold(store.db)

    periodic.append((FOLD_SECONDS, fold_tallies))
    # Workflow Builder step runs end where their send's outcome is seen, on any process.
    periodic.append((STEP_POLL_SECONDS, StepRuns(settings, store, slack).run_once))
    periodic.append((PRIVACY_FILES_SECONDS, PrivacyFiles(store, slack).remove_due))
    if minutes := settings.outreach.sms_fallback_after_minutes:
        late = LateFallbacks(store, minutes * 60)
        periodic.append((min(60.0, max(1.0, minutes * 60 / 4)), late.queue))
    worker = Worker(
        store,
        policies=wire_jobs(settings, store, slack, esms, pacer),
        threads=worker_threads or settings.job_threads,
        retry_base=settings.retry_base_seconds,
        periodic=periodic,
        max_crashes=settings.job_max_crashes,
    )
    store.on_new_work(worker.wake)
    people = People(slack, cache_seconds=settings.user_group_cache_seconds)
    return Services(
        settings=settings, store=store, slack=slack, esms=esms, worker=worker, people=people
    )


def wire_jobs(
    settings: Settings, store: Store, slack: WebClient, esms: EsmsClient, pacer: Pacer
) -> dict[JobKind, JobPolicy]:
    """The task objects, each given what it uses, and every kind of job's policy bound to the
    one that runs it."""
    calls = SlackCalls(slack, store, pacer)  # one pacer: the refresh's turns and Slack's 429s
    approvers = settings.approvers
    campaign_thread = CampaignThread(
        store,
        calls,
        approvers=approvers,
        marketing_daily_cap=settings.outreach.marketing_daily_cap,
    )
    return job_policies(
        parents=ParentPosts(store, calls, approvers=approvers),
        threads=ThreadRefresh(store, calls, pacer, campaign_thread, approvers=approvers),
        submissions=Submissions(settings, store, esms),
        reading=CampaignReading(
            store,
            slack_bot_token=settings.slack_bot_token,
            max_rows=settings.campaign_max_rows,
            public_url=settings.public_url,
        ),
        results=CampaignResults(store, calls),
        images=ImageHosting(
            store,
            bot_token=settings.slack_bot_token,
            public_url=settings.public_url or "",
            max_side=settings.image_max_side,
        ),
        privacy=PrivacyAccess(store, calls),
        erasures=ErasureRuns(store, calls),
        edits=PostEdits(store, calls),
    )


def bolt_app(services: Services) -> App:
    """The Bolt app over these services, for the WSGI endpoint and for Socket Mode."""
    return build_bolt_app(
        settings=services.settings,
        store=services.store,
        slack=services.slack,
        esms=services.esms,
        lookups=services.lookups,
        people=services.people,
    )
