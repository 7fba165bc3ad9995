"""The Bolt app: Slack's requests in, listeners registered, errors turned into words."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot.logs import ContextExecutor
from bot.runtime import Services
from bot.slack import access, approvals, commands, compose, failures, home, scheduling

log = logging.getLogger(__name__)

# Listeners only validate, store and acknowledge (slow work runs on the job workers), so this
# pool just needs to keep acknowledgements flowing when Slack sends a burst.
LISTENER_THREADS = 16


class _DropTokenNotices(logging.Filter):
    """Bolt warns that `authorize` replaces the token it also read from the environment."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "`token` will be unused" not in message and "will be ignored" not in message


def build_bolt_app(services: Services) -> App:
    bolt_log = logging.getLogger("bot.slack.bolt")
    bolt_log.addFilter(_DropTokenNotices())
    token = services.settings.slack_bot_token

    # Bolt's single-workspace mode calls auth.test before the first request it serves; with
    # the token known, no request should wait on (or fail with) a Slack API call.
    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

    app = App(
        client=services.slack,
        authorize=authorize,
        signing_secret=services.settings.slack_signing_secret,
        listener_executor=ContextExecutor(LISTENER_THREADS, thread_name_prefix="listener"),
        logger=bolt_log,
    )
    access.register(app, services)  # first: a refused request reaches no listener
    commands.register(app, services)
    compose.register(app, services)
    approvals.register(app, services)
    scheduling.register(app, services)
    home.register(app, services)
    failures.register(app, services.store)
    return app
