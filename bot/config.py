"""Settings read from the environment, validated all at once.

Every problem is collected before anything fails, so an admin fixes the configuration in one go
instead of discovering the next missing variable at the next start.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.core.i18n import LANGUAGES
from bot.db import POSTGRES_SCHEMES, redact_url, url_password, url_problem

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_ESMS_API_URL = "https://rest.esms.vn/MainService.svc/json/"
DEFAULT_DATABASE_URL = "sqlite:///viber-bot.db"

DAY = 86400
# Every number setting: default, minimum, maximum, whole number or not. Zero stays valid where
# it means "at once" or "never cache"; nan and inf are refused (they would switch a timer off).
NUMBERS: dict[str, tuple[float, float, float, bool]] = {
    "DATABASE_POOL_SIZE": (5, 1, 100, True),
    "PORT": (3000, 1, 65535, True),
    "STATUS_POLL_SECONDS": (60, 1, DAY, True),
    "STATUS_GRACE_SECONDS": (120.0, 0, DAY, False),
    "ESMS_LOW_BALANCE": (0, 0, 1_000_000_000, True),
    "APPROVAL_TTL_HOURS": (24.0, 0.0001, 720, False),
    "USER_GROUP_CACHE_SECONDS": (60.0, 0, DAY, False),
    "ESMS_TIMEOUT_SECONDS": (15.0, 0.1, 60, False),
    "RETRY_BASE_SECONDS": (2.0, 0, 300, False),  # a first retry at most five minutes later
    # Since the last heartbeat of a job's holder: a running call keeps its lease alive.
    "JOB_LEASE_SECONDS": (8.0, 1, 600, False),
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_APPROVER_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}
# It goes in the callback URL's path as it is: anything else would need escaping that eSMS
# does not undo, and `?`, `#` or `%` would cut or change the path so every callback 404s.
_CALLBACK_SECRET = re.compile(r"[A-Za-z0-9_-]{16,}")


class ConfigError(Exception):
    """Raised with every configuration problem found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))

    def report(self) -> str:
        lines = ["The app cannot start; fix its configuration (environment or .env):"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str
    slack_signing_secret: str
    esms_api_key: str
    esms_secret_key: str
    esms_brandnames: tuple[str, ...]
    slack_api_url: str = DEFAULT_SLACK_API_URL
    esms_api_url: str = DEFAULT_ESMS_API_URL
    esms_sandbox: bool = False
    esms_allow_test_sends: bool = False
    template_admins: tuple[str, ...] = ()
    public_url: str | None = None
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    database_pool_size: int = 5
    port: int = 3000
    status_poll_seconds: int = 60
    status_grace_seconds: float = 120.0
    esms_low_balance: int | None = None
    approval_required: bool = False
    approvers: tuple[str, ...] = ()
    approval_channel: str | None = None
    approval_ttl_hours: float = 24.0
    user_group_cache_seconds: float = 60.0
    slack_app_token: str | None = field(default=None, repr=False)
    slack_team_id: str | None = None
    slack_app_id: str | None = None
    allowed_users: tuple[str, ...] = ()
    allowed_channels: tuple[str, ...] = ()
    callback_secrets: tuple[str, ...] = field(default=(), repr=False)
    esms_timeout_seconds: float = 15.0
    retry_base_seconds: float = 2.0
    job_lease_seconds: float = 8.0
    log_level: str = "INFO"
    language: str = "en"

    def __repr__(self) -> str:  # secrets must never reach a log line through a repr
        return f"Settings(database_url={self.database_label!r}, public_url={self.public_url!r})"

    @property
    def esms_brandname(self) -> str:
        """The default brandname: the first one listed."""
        return self.esms_brandnames[0] if self.esms_brandnames else ""

    @property
    def database_label(self) -> str:
        """DATABASE_URL with its password masked, for logs and messages."""
        return redact_url(self.database_url)

    @property
    def shared_database(self) -> bool:
        """True for a database server that several processes can share (PostgreSQL)."""
        return self.database_url.split(":", 1)[0] in POSTGRES_SCHEMES

    @property
    def callback_url(self) -> str | None:
        """Where eSMS reports deliveries; the secret sits in the path (eSMS appends a query)."""
        if not self.public_url:
            return None
        return f"{self.public_url}/esms/callback/{self.callback_secrets[0]}"

    def secret_values(self) -> list[str]:
        """Values that must be masked wherever text leaves the process."""
        values = [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.esms_api_key,
            self.esms_secret_key,
            self.slack_app_token or "",
            url_password(self.database_url) or "",
            *self.callback_secrets,
        ]
        return [value for value in values if value]


def derive_callback_secret(esms_secret_key: str) -> str:
    """A stable, unguessable path secret that needs no extra variable to configure."""
    digest = hmac.new(esms_secret_key.encode(), b"viber-bot esms callback", hashlib.sha256)
    return digest.hexdigest()[:40]


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    require_signing_secret: bool = True,
    require_app_token: bool = False,
) -> Settings:
    """Build Settings from `environ` (default: os.environ), or raise ConfigError naming every fault."""
    env = os.environ if environ is None else environ
    problems: list[str] = []

    def text(name: str) -> str:
        return env.get(name, "").strip()

    def required(name: str, meaning: str) -> str:
        value = text(name)
        if not value:
            problems.append(f"{name} is missing: {meaning}")
        return value

    def boolean(name: str, default: bool) -> bool:
        raw = text(name).lower()
        if not raw:
            return default
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        problems.append(f"{name} must be true or false, not {text(name)!r}")
        return default

    def number(name: str) -> float:
        default, minimum, maximum, integer = NUMBERS[name]
        raw = text(name)
        if not raw:
            return default
        kind = "a whole number" if integer else "a number"
        try:
            value = int(raw) if integer else float(raw)
        except ValueError:
            problems.append(f"{name} must be {kind}, not {raw[:32]!r}")
            return default
        if not minimum <= value <= maximum:  # false for nan; inf is above every maximum
            problems.append(f"{name} must be {kind} from {minimum} to {maximum}, not {raw[:32]}")
            return default
        return value

    def url(name: str, default: str) -> str:
        value = text(name) or default
        if not _is_http_url(value):
            problems.append(f"{name} must be an http(s) URL, not {value!r}")
        return value if value.endswith("/") else value + "/"

    bot_token = required(
        "SLACK_BOT_TOKEN", "the bot token (xoxb-…) from the Slack app's OAuth page"
    )
    if bot_token and not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    if require_signing_secret:
        signing_secret = required(
            "SLACK_SIGNING_SECRET", "the signing secret from the Slack app's Basic Information page"
        )
    else:
        signing_secret = text("SLACK_SIGNING_SECRET")
    api_key = required("ESMS_API_KEY", "the ApiKey from the eSMS dashboard")
    secret_key = required("ESMS_SECRET_KEY", "the SecretKey from the eSMS dashboard")
    brandnames = tuple(
        item
        for item in re.split(
            r"[\s,]+", required("ESMS_BRANDNAME", "the Viber brandname registered with eSMS")
        )
        if item
    )

    public_url = text("PUBLIC_URL").rstrip("/") or None
    if public_url and not _is_http_url(public_url):
        problems.append(
            f"PUBLIC_URL must be an http(s) URL such as https://bot.example.com, not {public_url!r}"
        )

    database_url = text("DATABASE_URL") or DEFAULT_DATABASE_URL
    database_problem = url_problem(database_url)
    if database_problem:
        problems.append(database_problem)

    approval_required = boolean("APPROVAL_REQUIRED", False)
    approvers = tuple(item for item in re.split(r"[\s,]+", text("APPROVERS")) if item)
    bad_approvers = [item for item in approvers if not _APPROVER_ID.match(item)]
    if bad_approvers:
        problems.append(
            "APPROVERS must list Slack user IDs (U…, W…) or user-group IDs (S…), not "
            + ", ".join(repr(item) for item in bad_approvers)
        )

    if approval_required and not approvers:
        problems.append(
            "APPROVAL_REQUIRED is true but APPROVERS is empty: name at least one Slack user (U…) "
            "or user group (S…) who may approve sends"
        )

    def id_list(name: str, pattern: str, meaning: str) -> tuple[str, ...]:
        items = tuple(item for item in re.split(r"[\s,]+", text(name)) if item)
        wrong = [item for item in items if not re.fullmatch(pattern, item)]
        if wrong:
            problems.append(
                f"{name} must list {meaning}, not " + ", ".join(repr(item) for item in wrong)
            )
        return items

    allowed_users = id_list(
        "ALLOWED_USERS", r"[UWS][A-Z0-9]{2,}", "user IDs (U…, W…) or user-group IDs (S…)"
    )
    allowed_channels = id_list("ALLOWED_CHANNELS", r"[CGD][A-Z0-9]{2,}", "channel IDs (C…, G…)")
    app_token = text("SLACK_APP_TOKEN") or None
    if app_token and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    if require_app_token and not app_token:
        problems.append(
            "SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token (xapp-…) with "
            "connections:write, from the app's Basic Information page"
        )
    team_id = text("SLACK_TEAM_ID") or None
    if team_id and not re.fullmatch(r"[TE][A-Z0-9]{2,}", team_id):
        problems.append(f"SLACK_TEAM_ID must be a workspace ID such as T0123ABCD, not {team_id!r}")
    app_id = text("SLACK_APP_ID") or None
    if app_id and not re.fullmatch(r"A[A-Z0-9]{2,}", app_id):
        problems.append(f"SLACK_APP_ID must be an app ID such as A0123ABCD, not {app_id!r}")
    approval_channel = text("APPROVAL_CHANNEL") or None
    if approval_channel and not re.fullmatch(r"[CG][A-Z0-9]{2,}", approval_channel):
        problems.append(
            f"APPROVAL_CHANNEL must be a channel ID such as C0123ABCD (not a #name), not {approval_channel!r}"
        )

    secrets = tuple(item for item in re.split(r"[\s,]+", text("ESMS_CALLBACK_SECRET")) if item)
    if not all(_CALLBACK_SECRET.fullmatch(secret) for secret in secrets):
        problems.append(
            "ESMS_CALLBACK_SECRET values must be at least 16 characters long, each a letter "
            "(A-Z, a-z), digit, - or _ (the secret is part of the callback URL; ?, #, % and "
            "other characters break it)"
        )
    if not secrets and secret_key:
        secrets = (derive_callback_secret(secret_key),)

    language = (text("LANGUAGE") or "en").lower()
    if language not in LANGUAGES:
        problems.append(f"LANGUAGE must be en or vi, not {language!r}")
    log_level = (text("LOG_LEVEL") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        problems.append(
            f"LOG_LEVEL must be one of {', '.join(sorted(_LOG_LEVELS))}, not {log_level!r}"
        )

    settings = Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        esms_api_key=api_key,
        esms_secret_key=secret_key,
        esms_brandnames=brandnames,
        slack_api_url=url("SLACK_API_URL", DEFAULT_SLACK_API_URL),
        esms_api_url=url("ESMS_API_URL", DEFAULT_ESMS_API_URL),
        esms_sandbox=boolean("ESMS_SANDBOX", False),
        esms_allow_test_sends=boolean("ESMS_ALLOW_TEST_SENDS", False),
        template_admins=id_list(
            "TEMPLATE_ADMINS", r"[UWS][A-Z0-9]{2,}", "user IDs (U…, W…) or user-group IDs (S…)"
        ),
        public_url=public_url,
        database_url=database_url,
        database_pool_size=int(number("DATABASE_POOL_SIZE")),
        port=int(number("PORT")),
        status_poll_seconds=int(number("STATUS_POLL_SECONDS")),
        status_grace_seconds=number("STATUS_GRACE_SECONDS"),
        esms_low_balance=(int(number("ESMS_LOW_BALANCE")) if text("ESMS_LOW_BALANCE") else None),
        approval_required=approval_required,
        approvers=approvers,
        approval_channel=approval_channel,
        slack_app_token=app_token,
        slack_team_id=team_id,
        slack_app_id=app_id,
        allowed_users=allowed_users,
        allowed_channels=allowed_channels,
        approval_ttl_hours=number("APPROVAL_TTL_HOURS"),
        user_group_cache_seconds=number("USER_GROUP_CACHE_SECONDS"),
        callback_secrets=secrets,
        esms_timeout_seconds=number("ESMS_TIMEOUT_SECONDS"),
        retry_base_seconds=number("RETRY_BASE_SECONDS"),
        job_lease_seconds=number("JOB_LEASE_SECONDS"),
        log_level=log_level,
        language=language if language in LANGUAGES else "en",
    )
    if problems:
        raise ConfigError(problems)
    return settings
