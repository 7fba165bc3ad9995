"""`viber-bot check`: is everything an install needs in place? One line per check, a fix per ✗."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from bot.check.line import Check
from bot.check.outreach import marketing_consent, marketing_rules, sms_fallback
from bot.check.privacy import data_key
from bot.check.retention import retention
from bot.check.slack import old_workflow_step, slack_token
from bot.config import ConfigError, Settings, load_settings
from bot.config.processes import RUN_JOBS_CHOICES, on_heroku, run_jobs_choice
from bot.core.formatting import format_vnd
from bot.core.images import can_host
from bot.db import SCHEMA_VERSION
from bot.esms.client import EsmsClient, EsmsError, EsmsRefused
from bot.store import Store


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


def _service_checks(settings: Settings, env: Mapping[str, str]) -> Iterator[Check]:
    heroku = on_heroku(env)
    yield slack_token(settings)
    esms = EsmsClient(
        settings.esms_api_url, settings.esms_api_key, settings.esms_secret_key, timeout_seconds=10
    )
    yield _balance(esms)
    yield from _brandnames(esms, settings)
    yield from sms_fallback(esms, settings)
    yield from marketing_rules(settings)
    yield from marketing_consent(settings)
    yield retention(settings)
    yield data_key(settings)
    database = _database(settings, on_heroku=heroku)
    yield database
    yield _job_runner(settings, env)
    yield _callbacks(settings)
    yield _pictures(settings.public_url)
    if database.ok and (old := old_workflow_step(settings)):
        yield old


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
            else "heroku config:unset RUN_JOBS, or move to PostgreSQL first (docs/operations.md, Deploying "
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
            "Delivery statuses",
            True,
            f"eSMS calls back under {settings.public_url}/esms/callback/… (secret hidden)",
        )
    return Check(
        "Delivery statuses",
        True,
        f"PUBLIC_URL is not set: no callbacks; statuses are polled every {settings.status_poll_seconds} s "
        "(set PUBLIC_URL to the app's public address for instant updates)",
    )


def _pictures(public_url: str | None) -> Check:
    """eSMS fetches an uploaded picture from the app: Viber wants it over https."""
    name = "Uploaded pictures"
    if not public_url:
        return Check(name, True, "off: PUBLIC_URL is not set (the composer takes image links)")
    if urlsplit(public_url).scheme == "https":
        return Check(name, True, f"hosted under {public_url}/media/… for eSMS to fetch")
    if can_host(public_url):
        return Check(
            name,
            True,
            f"warning: {public_url} is http on this machine: fine for the demo and tests, but "
            "eSMS cannot fetch pictures from here",
        )
    return Check(
        name,
        False,
        f"PUBLIC_URL {public_url} is http: Viber needs its pictures over https, so the "
        "composer hides the upload",
        "set PUBLIC_URL to the app's https address (Heroku: https://<app>.herokuapp.com)",
    )
