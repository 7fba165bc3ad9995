"""The Bolt app: Slack's requests in, listeners registered, errors turned into words."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.config import Settings
from bot.config.logs import ContextExecutor
from bot.core.images import can_host
from bot.esms.client import EsmsClient
from bot.intake import Intake
from bot.slack import (
    access,
    approvals,
    campaigns,
    commands,
    compose,
    erasure,
    failures,
    home,
    optouts,
    pickers,
    scheduling,
    workflow,
)
from bot.slack.access import AccessNeeds
from bot.slack.approvals import ApprovalNeeds
from bot.slack.campaigns import CampaignNeeds
from bot.slack.charts import ChartNeeds
from bot.slack.commands import CommandNeeds
from bot.slack.compose import ComposeNeeds
from bot.slack.consents import ConsentNeeds
from bot.slack.dashboard import BalanceCache
from bot.slack.erasure import ErasureNeeds
from bot.slack.exports import ExportNeeds
from bot.slack.failures import FailureNeeds
from bot.slack.home import HomeNeeds
from bot.slack.lookup import LookupNeeds
from bot.slack.optouts import OptOutNeeds
from bot.slack.people import People, PeopleList
from bot.slack.pickers import PickerNeeds
from bot.slack.privacy import PrivacyNeeds
from bot.slack.quick_send import QuickSendNeeds
from bot.slack.scheduling import SchedulingNeeds
from bot.slack.sms_choice import SmsFallback, SmsTemplates
from bot.slack.templates import TemplateNeeds
from bot.slack.workflow import StepNeeds
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
    """Every listener module registered with its dependencies (`listener_needs`). `esms`
    answers the balance look-up, which runs on `lookups`, never on a listener thread; `people`
    holds the configured lists (APPROVERS, ALLOWED_USERS, TEMPLATE_ADMINS …)."""
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
    sms_templates = SmsTemplates(esms, settings.outreach.sms_brandname)
    sms_templates.warm(SMS_TEMPLATES_WAIT_SECONDS)
    needs = listener_needs(
        settings,
        store=store,
        people=people,
        esms=esms,
        lookups=lookups,
        sms_templates=sms_templates,
    )
    access.register(app, needs.access)  # first: a refused request reaches no listener
    commands.register(app, needs.commands)
    compose.register(app, needs.compose)
    approvals.register(app, needs.approvals)
    scheduling.register(app, needs.scheduling)
    optouts.register(app, needs.optouts)
    erasure.register(app, needs.erasure)
    campaigns.register(app, needs.campaigns)
    workflow.register(app, needs.workflow)
    home.register(app, needs.home)
    pickers.register(app, needs.pickers)
    failures.register(app, needs.failures)
    return app


@dataclass(frozen=True)
class ListenerNeeds:
    """Each listener module's dependencies, as `register` takes them."""

    access: AccessNeeds
    commands: CommandNeeds
    compose: ComposeNeeds
    approvals: ApprovalNeeds
    scheduling: SchedulingNeeds
    optouts: OptOutNeeds
    erasure: ErasureNeeds
    campaigns: CampaignNeeds
    workflow: StepNeeds
    home: HomeNeeds
    pickers: PickerNeeds
    failures: FailureNeeds


def listener_needs(
    settings: Settings,
    *,
    store: Store,
    people: People,
    esms: EsmsClient,
    lookups: Executor,
    sms_templates: SmsTemplates,
) -> ListenerNeeds:
    """The one place that reads Settings for the listeners: each module gets the few values it
    reads and the collaborators it uses, shared where two read the same (one intake, one list
    per configured setting: APPROVERS for approvals, cancels, campaigns and look-ups alike).
    `sms_templates` comes built: warming it up calls eSMS, which is the caller's to decide."""

    def listed(ids: tuple[str, ...]) -> PeopleList | None:
        """The configured list; None when the setting is unset (which means "everyone" for
        ALLOWED_USERS and MARKETING_SENDERS, "no one" for the admins)."""
        return people.list_of(ids) if ids else None

    outreach = settings.outreach
    approvers = people.list_of(settings.approvers)
    allowed_users = listed(settings.allowed_users)
    report_admins = listed(settings.report_admins)
    intake = Intake(
        settings,
        store,
        allowed_users=allowed_users,
        marketing_senders=listed(outreach.marketing_senders),
    )
    sms = SmsFallback(outreach.sms_brandname, outreach.sms_fallback, outreach.sms_ascii)
    composer = ComposeNeeds(
        store=store,
        intake=intake,
        sms_templates=sms_templates,
        sms=sms,
        brandnames=settings.esms_brandnames,
        test_mode=settings.esms_sandbox,
        allow_test_sends=settings.esms_allow_test_sends,
        image_upload=can_host(settings.public_url),
        image_max_side=settings.image_max_side,
    )
    optout = OptOutNeeds(store, senders=allowed_users, admins=listed(outreach.optout_admins))
    campaign = CampaignNeeds(
        store=store,
        intake=intake,
        approvers=approvers,
        sms_brandname=outreach.sms_brandname,
        approval_required=settings.approval_required,
        approval_ttl_hours=settings.approval_ttl_hours,
        approval_channel=settings.approval_channel,
        max_per_second=settings.esms_max_per_second,
        image_upload=can_host(settings.public_url),
        image_max_side=settings.image_max_side,
    )
    privacy_admins = listed(settings.privacy_admins)
    erasure_needs = ErasureNeeds(store, settings.data_key, privacy_admins)
    command = CommandNeeds(
        composer=composer,
        quick_send=QuickSendNeeds(
            intake,
            sms_templates,
            sms,
            test_mode=settings.esms_sandbox,
            approval_required=settings.approval_required,
        ),
        lookup=LookupNeeds(store, approvers, esms, lookups, low_balance=settings.esms_low_balance),
        templates=TemplateNeeds(store, admins=listed(settings.template_admins)),
        optouts=optout,
        consents=ConsentNeeds(store),
        privacy=PrivacyNeeds(store, settings.data_key, privacy_admins, erasure_needs),
        campaigns=campaign,
        exports=ExportNeeds(store, report_admins, lookups),
        charts=ChartNeeds(store, report_admins, lookups),
    )
    return ListenerNeeds(
        access=AccessNeeds(
            team_id=settings.slack_team_id,
            app_id=settings.slack_app_id,
            allowed_channels=settings.allowed_channels,
            allowed_users=allowed_users,
        ),
        commands=command,
        compose=composer,
        approvals=ApprovalNeeds(store, approvers),
        scheduling=SchedulingNeeds(store, approvers),
        optouts=optout,
        erasure=erasure_needs,
        campaigns=campaign,
        workflow=StepNeeds(store, intake),
        home=HomeNeeds(store, BalanceCache(esms, lookups), allowed_users),
        pickers=PickerNeeds(store, sms_templates),
        failures=FailureNeeds(store),
    )
