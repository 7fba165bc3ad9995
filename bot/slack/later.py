"""Work a listener acknowledged and left to the look-ups executor (an export, a chart): its
outcome goes back to the asker through the response URL, whatever happens."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from slack_bolt import Respond
from slack_sdk.errors import SlackApiError

from bot.core.i18n import _
from bot.posts.common import escape
from bot.posts.errors import slack_error

log = logging.getLogger(__name__)


def answer_later(
    respond: Respond,
    user: str,
    what: str,
    work: Callable[[], str],
    *,
    slack_failed: str,
    failed: str,
) -> None:
    """Run `work` and tell `user` the sentence it returns, replacing the "preparing…" note; a
    Slack refusal is told with Slack's code (catalog key `slack_failed`), anything else with a
    reference to the log line (`failed`)."""
    try:
        text = work()
    except SlackApiError as error:
        code = slack_error(error)
        log.warning("%s for %s not sent: %s", what, user, code)
        text = _(slack_failed, code=escape(code))
    except Exception as error:
        reference = uuid.uuid4().hex[:8]
        log.error(
            "%s failed (reference %s): %s", what, reference, type(error).__name__, exc_info=error
        )
        text = _(failed, reference=reference)
    try:
        respond(text=text, response_type="ephemeral", replace_original=True)
    except Exception as error:  # the response URL expired (30 minutes) or Slack is away
        log.warning("could not tell %s how the %s went: %s", user, what, type(error).__name__)
