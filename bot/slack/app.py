"""The Bolt app: Slack's requests in, listeners registered, errors turned into words."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltResponse

from bot.runtime import Services
from bot.slack import approvals, commands, compose

log = logging.getLogger(__name__)

# Listeners only validate, store and acknowledge (slow work runs on the job workers), so this
# pool just needs to keep acknowledgements flowing when Slack sends a burst.
LISTENER_THREADS = 16


class _DropTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment and warns that our client overrides it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_bolt_app(services: Services) -> App:
    bolt_log = logging.getLogger("bot.slack.bolt")
    bolt_log.addFilter(_DropTokenNotice())
    app = App(
        client=services.slack,
        signing_secret=services.settings.slack_signing_secret,
        token_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="listener"),
        logger=bolt_log,
    )
    commands.register(app, services)
    compose.register(app, services)
    approvals.register(app, services)

    @app.error
    def on_error(error: Exception) -> BoltResponse:
        log.error("listener failed: %s", type(error).__name__, exc_info=error)
        return BoltResponse(status=200, body="Sorry, something went wrong on our side. Try again.")

    return app
