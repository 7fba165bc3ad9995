"""The Bolt app: Slack's requests in, listeners registered, errors turned into words."""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.config import Settings
from bot.config.logs import ContextExecutor
from bot.esms.client import EsmsClient
from bot.intake import Intake
from bot.slack import (
    access,
    approvals,
    campaigns,
    commands,
    compose,
    failures,
    home,
    optouts,
    pickers,
    scheduling,
    workflow,
)
from bot.slack.commands import CommandNeeds
from bot.slack.dashboard import BalanceCache
from bot.slack.people import People
from bot.slack.sms_choice import SmsTemplates
from bot.store import Store

log = logging.getLogger(__name__)

# Listeners only validate, store and acknowledge (slow work runs on the job workers), so this
# pool just needs to keep acknowledgements flowing when Slack sends a burst.
LISTENER_THREADS = 16
# At start, the SMS templates are read before the first request is served, unless eSMS takes
# longer than this (then in the background, and the composer says it could not check yet).
SMS_TEMPLATES_WAIT_SECONDS = 2.0


class _DropTokenNotices(logging.Filter):
    """Bolt warns that `authorize` replaces the token it also read from the environment."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "`token` will be unused" not in message and "will be ignored" not in message


# One filter for every app built in this process: the logger is global, and adding a filter is
# a no-op for one it already has.
_DROP_TOKEN_NOTICES = _DropTokenNotices()


def build_bolt_app(
    *,
    settings: Settings,
    store: Store,
    slack: WebClient,
    esms: EsmsClient,
    lookups: Executor,
    people: People,
) -> App:
    """Every listener registered with the collaborators it uses. `esms` answers the balance
    look-up, which runs on `lookups`, never on a listener thread; `people` holds the configured
    lists (APPROVERS, ALLOWED_USERS, TEMPLATE_ADMINS)."""
    bolt_log = logging.getLogger("bot.slack.bolt")
    bolt_log.addFilter(_DROP_TOKEN_NOTICES)
    token = settings.slack_bot_token

    # Bolt's single-workspace mode calls auth.test before the first request it serves; with
    # the token known, no request should wait on (or fail with) a Slack API call.
    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

    app = App(
        client=slack,
        authorize=authorize,
        signing_secret=settings.slack_signing_secret,
        listener_executor=ContextExecutor(LISTENER_THREADS, thread_name_prefix="listener"),
        logger=bolt_log,
    )
    approvers = people.list_of(settings.approvers)
    allowed_users = people.list_of(settings.allowed_users) if settings.allowed_users else None
    admins = people.list_of(settings.template_admins) if settings.template_admins else None
    access.register(app, settings, allowed_users)  # first: a refused request reaches no listener
    optout_admins = settings.outreach.optout_admins
    removers = people.list_of(optout_admins) if optout_admins else None
    sms = SmsTemplates(esms, settings.outreach.sms_brandname)
    sms.warm(SMS_TEMPLATES_WAIT_SECONDS)
    senders = settings.outreach.marketing_senders
    intake = Intake(
        settings,
        store,
        allowed_users=allowed_users,
        marketing_senders=people.list_of(senders) if senders else None,
    )
    needs = CommandNeeds(settings, store, esms, lookups, admins, removers, sms, intake, people)
    commands.register(app, needs)
    compose.register(app, settings, store, intake, sms)
    approvals.register(app, store, approvers)
    scheduling.register(app, store, approvers)
    optouts.register(app, store, allowed_users)
    campaigns.register(app, settings, store, intake, approvers)
    workflow.register(app, store, intake)
    home.register(app, store, BalanceCache(esms, lookups), allowed_users)
    pickers.register(app, store, sms)
    failures.register(app, store)
    return app
