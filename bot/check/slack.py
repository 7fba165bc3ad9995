"""The Slack lines of the checklist: the token and its scopes (one list of every scope the
app's calls need, which both manifests must carry), and a workflow built before the step's
person became "Sent by"."""

from __future__ import annotations

import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.check.line import Check
from bot.config import Settings
from bot.core.formatting import vietnam_day
from bot.store import Store
from bot.store.metrics import OLD_STEP_SEEN_AT, counter

# Every bot scope a call of the app needs, with the call: one list, which `check` verifies and
# both manifests must carry (tests/unit/test_manifest.py). usergroups:read (user groups in the
# people lists) is asked for only when a list names a group.
BASE_SCOPES = (
    "commands",  # /viber
    "chat:write",  # threads, replies, notes (chat.postMessage, chat.update, chat.postEphemeral)
    "chat:write.public",  # threads in public channels the app was not invited to
    "users:read",  # names for the message shortcut's mentions and the charts (users.info)
    "files:read",  # a campaign's spreadsheet (files.info, url_private_download)
    # Campaigns' results files, exports, charts and access requests' files (files.upload v2 and
    # the external upload flow), and the removal of access files a day later and of an erased
    # number's sends' files (files.delete).
    "files:write",
    "channels:join",  # sharing a file in a public channel the app is not in
    "im:write",  # exports, charts and access files by direct message (conversations.open)
    "channels:read",  # public channels named in a chart (conversations.info)
    "groups:read",  # private channels named there too
)
GROUP_SCOPE = "usergroups:read"

OLD_STEP_WEEKS = 1  # how long a run with the old input keeps this line failing


def old_workflow_step(settings: Settings) -> Check | None:
    """A workflow ran the step with the old manifest's "Send as" input lately: the step's
    person is now "Sent by", who ran the workflow, and the workflow must be updated."""
    try:
        store = Store.open(settings.database_url)
        try:
            seen_at = counter(store.db, OLD_STEP_SEEN_AT)
        finally:
            store.close()
    except Exception:  # the database line says what is wrong with it
        return None
    if not seen_at or time.time() - seen_at > OLD_STEP_WEEKS * 7 * 86400:
        return None
    return Check(
        "Workflow step",
        False,
        f'a workflow ran the step with its old input "Send as" on {vietnam_day(seen_at)}: '
        'the manifest changed (the step now sends as "Sent by", the person who ran it)',
        "update the app from manifest.workflow.yml (api.slack.com/apps → App Manifest), then "
        're-add the step "Send a Viber message" in each workflow that uses it '
        "(docs/workflow-step.md)",
    )


def slack_token(settings: Settings) -> Check:
    """The bot token works and carries every scope the app's calls need."""
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
    try:
        answer = client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        return Check(
            "Slack token",
            False,
            f"Slack refused it ({code or error.response.status_code})",
            "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page "
            "into SLACK_BOT_TOKEN, and reinstall the app if it was revoked",
        )
    except Exception as error:
        return Check(
            "Slack token",
            False,
            f"Slack could not be reached ({type(error).__name__})",
            f"check the network and SLACK_API_URL ({settings.slack_api_url})",
        )
    granted = {
        scope.strip()
        for scope in (answer.headers.get("x-oauth-scopes") or "").split(",")
        if scope.strip()
    }
    needed = list(BASE_SCOPES)
    lists = (
        *settings.approvers,
        *settings.allowed_users,
        *settings.template_admins,
        *settings.outreach.optout_admins,
        *settings.outreach.marketing_senders,
    )
    if any(item.startswith("S") for item in lists):
        needed.append(GROUP_SCOPE)
    missing = [scope for scope in needed if scope not in granted]
    team = answer.get("team") or answer.get("team_id")
    if missing:
        return Check(
            "Slack token",
            False,
            f"valid for {team}, but missing scopes: {', '.join(missing)}",
            "add them under OAuth & Permissions → Bot Token Scopes (or re-create the app from "
            "manifest.yml) and reinstall the app",
        )
    return Check("Slack token", True, f"valid for {team}, scopes present")
