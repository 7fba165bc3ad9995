"""`viber-bot check`: is everything an install needs in place? One line per check, a fix per ✗."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.check.line import Check
from bot.check.outreach import marketing_rules, sms_fallback
from bot.config import ConfigError, Settings, load_settings
from bot.core.formatting import format_vnd, vietnam_day
from bot.db import SCHEMA_VERSION
from bot.esms.client import EsmsClient, EsmsError, EsmsRefused
from bot.store import Store
from bot.store.metrics import OLD_STEP_SEEN_AT, counter

# Every bot scope a call of the app needs, with the call: one list, which `check` verifies and
# both manifests must carry (tests/unit/test_manifest.py). usergroups:read (user groups in the
# people lists) is asked for only when a list names a group.
BASE_SCOPES = (
    "commands",  # /viber
    "chat:write",  # threads, replies, notes (chat.postMessage, chat.update, chat.postEphemeral)
    "chat:write.public",  # threads in public channels the app was not invited to
    "users:read",  # names for the message shortcut's mentions and the reports (users.info)
    "files:read",  # a campaign's spreadsheet (files.info, url_private_download)
    "files:write",  # campaign reports, exports and report charts (files.upload v2)
    "channels:join",  # sharing a file in a public channel the app is not in
    "im:write",  # exports and reports by direct message (conversations.open)
    "channels:read",  # public channels named in a report's chart (conversations.info)
    "groups:read",  # private channels named there too
)
GROUP_SCOPE = "usergroups:read"
RUN_JOBS_CHOICES = ("both", "web")


def run_checks(environ: Mapping[str, str] | None = None) -> list[Check]:
    env = os.environ if environ is None else environ
    # Socket Mode (viber-bot dev) needs no signing secret; HTTP (serve) does.
    socket_mode = bool(env.get("SLACK_APP_TOKEN", "").strip())
    try:
        settings = load_settings(env, require_signing_secret=not socket_mode)
    except ConfigError as error:
        _, run_jobs_problem = run_jobs_choice(env, shared_database=None)
        return [
            Check(
                "Configuration",
                False,
                problem,
                "set it in the environment or in .env (see .env.example)",
            )
            for problem in [*error.problems, *filter(None, [run_jobs_problem])]
        ]
    return [
        Check("Configuration", True, "every required variable is set and valid"),
        *_service_checks(settings, env),
    ]


def run_jobs_choice(
    environ: Mapping[str, str], *, shared_database: bool | None
) -> tuple[str, str | None]:
    """RUN_JOBS, `both` unless set, and what is wrong with it, if anything. `both`: the web
    processes run the jobs too; `web`: they leave them to `viber-bot worker` processes, which
    only a shared database (PostgreSQL) makes possible. `shared_database` None: not known, so
    only the value is checked. `viber-bot serve`, `dev` and `worker` refuse what this refuses."""
    raw = (environ.get("RUN_JOBS") or "").strip()
    choice = raw.lower() or "both"
    if choice not in RUN_JOBS_CHOICES:
        return choice, (
            f"RUN_JOBS must be both (the web processes run the jobs too; the default) or web "
            f"(they leave them to viber-bot worker processes), not {raw[:20]!r}"
        )
    if choice == "web" and shared_database is False:
        return choice, (
            "RUN_JOBS=web needs PostgreSQL (DATABASE_URL): with SQLite no viber-bot worker can "
            "run beside the web process, so nothing would ever run the jobs; unset RUN_JOBS "
            "(or set it to both)"
        )
    return choice, None


def _service_checks(settings: Settings, env: Mapping[str, str]) -> Iterator[Check]:
    on_heroku = bool(env.get("DYNO"))
    yield _slack(settings)
    esms = EsmsClient(
        settings.esms_api_url, settings.esms_api_key, settings.esms_secret_key, timeout_seconds=10
    )
    yield _balance(esms)
    yield from _brandnames(esms, settings)
    yield from sms_fallback(esms, settings)
    yield from marketing_rules(settings)
    database = _database(settings, on_heroku=on_heroku)
    yield database
    yield _job_runner(settings, env)
    yield _callbacks(settings)
    if database.ok and (old := _old_workflow_step(settings)):
        yield old


OLD_STEP_WEEKS = 1  # how long a run with the old input keeps this line failing


def _old_workflow_step(settings: Settings) -> Check | None:
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
        're-add the step "Send a Viber message" in each workflow that uses it (README, A step '
        "in Workflow Builder)",
    )


def _slack(settings: Settings) -> Check:
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


def _balance(esms: EsmsClient) -> Check:
    try:
        balance = esms.balance()
    except EsmsRefused as refusal:
        return Check(
            "eSMS credentials",
            False,
            str(refusal),
            "copy ApiKey and SecretKey from the eSMS dashboard into ESMS_API_KEY and "
            "ESMS_SECRET_KEY; if eSMS whitelists IPs, add this server's",
        )
    except EsmsError as error:
        return Check("eSMS credentials", False, str(error), "check the network and ESMS_API_URL")
    return Check("eSMS credentials", True, f"accepted; balance {format_vnd(balance)}")


def _brandnames(esms: EsmsClient, settings: Settings) -> Iterator[Check]:
    try:
        registered = {(b.name, b.type) for b in esms.brandnames()}
    except EsmsError as error:
        yield Check(
            "Brandnames", False, f"could not list them: {error}", "fix the eSMS credentials first"
        )
        return
    for name in settings.esms_brandnames:
        if (name, 23) in registered:
            yield Check(f"Brandname {name}", True, "registered as a Viber brandname (type 23)")
        elif any(registered_name == name for registered_name, _ in registered):
            yield Check(
                f"Brandname {name}",
                False,
                "registered, but not for Viber",
                "ask eSMS to register it as a Viber brandname (type 23)",
            )
        else:
            known = ", ".join(sorted(n for n, t in registered if t == 23)) or "none"
            yield Check(
                f"Brandname {name}",
                False,
                f"not in this eSMS account (Viber brandnames: {known})",
                "set ESMS_BRANDNAME to a registered Viber brandname",
            )


def _database(settings: Settings, *, on_heroku: bool) -> Check:
    if on_heroku and not settings.shared_database:
        # Heroku sets DYNO; a dyno's disk is wiped at every restart, threads and all.
        return Check(
            "Database",
            False,
            f"{settings.database_label} is a file on a Heroku dyno, wiped at every restart",
            "heroku addons:create heroku-postgresql:essential-0 (sets DATABASE_URL), "
            "then viber-bot migrate-db to bring the old file over (README)",
        )
    try:
        store = Store.open(settings.database_url)
        try:
            version = store.migrate()
        finally:
            store.close()
    except Exception as error:
        reason = str(error).removeprefix(f"{settings.database_label} cannot be used: ")
        return Check(
            "Database",
            False,
            f"{settings.database_label} cannot be used ({reason})",
            "point DATABASE_URL at a writable file or a reachable PostgreSQL database",
        )
    if version != SCHEMA_VERSION:
        return Check(
            "Database",
            False,
            f"schema version {version}, expected {SCHEMA_VERSION}",
            "run viber-bot migrate",
        )
    return Check("Database", True, f"{settings.database_label} reachable, schema version {version}")


def _job_runner(settings: Settings, env: Mapping[str, str]) -> Check:
    name = "Job runner"
    choice, problem = run_jobs_choice(env, shared_database=settings.shared_database)
    if problem:
        fix = (
            "set RUN_JOBS to both or web, or unset it"
            if choice not in RUN_JOBS_CHOICES
            else "heroku config:unset RUN_JOBS, or move to PostgreSQL first (README, Deploying "
            "on Heroku) and run a worker"
        )
        return Check(name, False, problem, fix)
    if not settings.shared_database:
        return Check(
            name,
            True,
            "jobs run inside the web process (RUN_JOBS=both); a separate worker needs PostgreSQL",
        )
    if choice == "both":
        return Check(
            name,
            True,
            "RUN_JOBS=both: every web process runs jobs, and viber-bot worker processes, if any, "
            "share them through the database",
        )
    return Check(
        name,
        True,
        "RUN_JOBS=web: the web processes leave the jobs to viber-bot worker processes; keep one "
        "running (heroku ps:scale worker=1), or nothing is sent",
    )


def _callbacks(settings: Settings) -> Check:
    if settings.public_url:
        return Check(
            "Delivery reports",
            True,
            f"eSMS calls back under {settings.public_url}/esms/callback/… (secret hidden)",
        )
    return Check(
        "Delivery reports",
        True,
        f"PUBLIC_URL is not set: no callbacks; statuses are polled every {settings.status_poll_seconds} s "
        "(set PUBLIC_URL to the app's public address for instant updates)",
    )
