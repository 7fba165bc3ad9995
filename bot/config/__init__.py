"""Settings read from the environment, validated all at once (see `environment.py`)."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config.environment import Environment, is_http_url
from bot.config.outreach import Outreach, load_outreach
from bot.config.variables import BY_NAME, number_default, whole_default
from bot.core.database_url import is_shared, redact_url, url_password, url_problem
from bot.core.i18n import LANGUAGES

DEFAULT_SLACK_API_URL = str(BY_NAME["SLACK_API_URL"].default)
DEFAULT_ESMS_API_URL = str(BY_NAME["ESMS_API_URL"].default)
DEFAULT_DATABASE_URL = str(BY_NAME["DATABASE_URL"].default)

MAX_BRANDNAMES = 100  # Slack's static select holds at most 100 options
_PEOPLE = (r"[UWS][A-Z0-9]{2,}", "user IDs (U…, W…) or user-group IDs (S…)")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
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
    database_pool_size: int = whole_default("DATABASE_POOL_SIZE")
    port: int = whole_default("PORT")
    status_poll_seconds: int = whole_default("STATUS_POLL_SECONDS")
    status_grace_seconds: float = number_default("STATUS_GRACE_SECONDS")
    esms_low_balance: int | None = None
    approval_required: bool = False
    approvers: tuple[str, ...] = ()
    approval_channel: str | None = None
    approval_ttl_hours: float = number_default("APPROVAL_TTL_HOURS")
    user_group_cache_seconds: float = number_default("USER_GROUP_CACHE_SECONDS")
    slack_app_token: str | None = field(default=None, repr=False)
    slack_team_id: str | None = None
    slack_app_id: str | None = None
    allowed_users: tuple[str, ...] = ()
    allowed_channels: tuple[str, ...] = ()
    callback_secrets: tuple[str, ...] = field(default=(), repr=False)
    esms_timeout_seconds: float = number_default("ESMS_TIMEOUT_SECONDS")
    retry_base_seconds: float = number_default("RETRY_BASE_SECONDS")
    job_lease_seconds: float = number_default("JOB_LEASE_SECONDS")
    job_max_crashes: int = whole_default("JOB_MAX_CRASHES")
    job_retention_hours: float = number_default("JOB_RETENTION_HOURS")
    callback_retention_days: float = number_default("CALLBACK_RETENTION_DAYS")
    log_level: str = str(BY_NAME["LOG_LEVEL"].default)
    language: str = str(BY_NAME["LANGUAGE"].default)
    outreach: Outreach = field(default_factory=Outreach)
    esms_max_per_second: float = number_default("ESMS_MAX_PER_SECOND")
    campaign_max_rows: int = whole_default("CAMPAIGN_MAX_ROWS")
    campaign_preview_hours: float = number_default("CAMPAIGN_PREVIEW_HOURS")
    job_threads: int = whole_default("JOB_THREADS")
    image_max_side: int = whole_default("IMAGE_MAX_SIDE")
    report_admins: tuple[str, ...] = ()  # REPORT_ADMINS: who may chart every channel and export
    privacy_admins: tuple[str, ...] = ()  # PRIVACY_ADMINS: who may see and erase a number's data
    retention_days: int = whole_default("RETENTION_DAYS")  # 0: kept until purged by hand
    data_key: str | None = field(default=None, repr=False)  # None: erasure is refused
    metrics_token: str | None = field(default=None, repr=False)  # None: /metrics is off

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
        return is_shared(self.database_url)

    @property
    def callback_url(self) -> str | None:
        """Where eSMS calls back with delivery statuses; the secret sits in the path (eSMS
        appends a query)."""
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
            self.metrics_token or "",
        ]
        return [value for value in values if value]


def derive_callback_secret(esms_secret_key: str) -> str:
    """A stable, unguessable path secret that needs no extra variable to configure."""
    digest = hmac.new(esms_secret_key.encode(), b"viber-bot esms callback", hashlib.sha256)
    return digest.hexdigest()[:40]


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    require_signing_secret: bool = True,
    require_app_token: bool = False,
) -> Settings:
    """Build Settings from `environ` (default: os.environ), or raise ConfigError naming every
    fault."""
    env = Environment(os.environ if environ is None else environ)
    problems = env.problems

    bot_token = env.required(
        "SLACK_BOT_TOKEN", "the bot token (xoxb-…) from the Slack app's OAuth page"
    )
    if bot_token and not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    if require_signing_secret:
        signing_secret = env.required(
            "SLACK_SIGNING_SECRET", "the signing secret from the Slack app's Basic Information page"
        )
    else:
        signing_secret = env.text("SLACK_SIGNING_SECRET")
    api_key = env.required("ESMS_API_KEY", "the ApiKey from the eSMS dashboard")
    secret_key = env.required("ESMS_SECRET_KEY", "the SecretKey from the eSMS dashboard")
    env.required("ESMS_BRANDNAME", "the Viber brandname registered with eSMS")
    brandnames = env.items("ESMS_BRANDNAME")
    if len(brandnames) > MAX_BRANDNAMES:  # one static select offers them
        problems.append(
            f"ESMS_BRANDNAME lists {len(brandnames)} brandnames; the composer can offer at most "
            f"{MAX_BRANDNAMES}: keep the ones this team sends with"
        )
        brandnames = brandnames[:MAX_BRANDNAMES]

    public_url = env.text("PUBLIC_URL").rstrip("/") or None
    if public_url and not is_http_url(public_url):
        problems.append(
            f"PUBLIC_URL must be an http(s) URL such as https://bot.example.com, not {public_url!r}"
        )
    database_url = env.text("DATABASE_URL") or DEFAULT_DATABASE_URL
    if database_problem := url_problem(database_url):
        problems.append(database_problem)

    approval_required = env.boolean("APPROVAL_REQUIRED")
    approvers = env.id_list("APPROVERS", *_PEOPLE)
    if approval_required and not approvers:
        problems.append(
            "APPROVAL_REQUIRED is true but APPROVERS is empty: name at least one Slack user (U…) "
            "or user group (S…) who may approve sends"
        )
    app_token = env.text("SLACK_APP_TOKEN") or None
    if app_token and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    if require_app_token and not app_token:
        problems.append(
            "SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token (xapp-…) with "
            "connections:write, from the app's Basic Information page"
        )

    secrets = env.items("ESMS_CALLBACK_SECRET")
    if not all(_CALLBACK_SECRET.fullmatch(secret) for secret in secrets):
        problems.append(
            "ESMS_CALLBACK_SECRET values must be at least 16 characters long, each a letter "
            "(A-Z, a-z), digit, - or _ (the secret is part of the callback URL; ?, #, % and "
            "other characters break it)"
        )
    if not secrets and secret_key:
        secrets = (derive_callback_secret(secret_key),)

    template_admins = env.id_list("TEMPLATE_ADMINS", *_PEOPLE)
    report_admins = env.id_list("REPORT_ADMINS", *_PEOPLE) or template_admins
    settings = Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        esms_api_key=api_key,
        esms_secret_key=secret_key,
        esms_brandnames=brandnames,
        slack_api_url=env.url("SLACK_API_URL"),
        esms_api_url=env.url("ESMS_API_URL"),
        esms_sandbox=env.boolean("ESMS_SANDBOX"),
        esms_allow_test_sends=env.boolean("ESMS_ALLOW_TEST_SENDS"),
        template_admins=template_admins,
        public_url=public_url,
        database_url=database_url,
        database_pool_size=int(env.number("DATABASE_POOL_SIZE")),
        port=int(env.number("PORT")),
        status_poll_seconds=int(env.number("STATUS_POLL_SECONDS")),
        status_grace_seconds=env.number("STATUS_GRACE_SECONDS"),
        esms_low_balance=int(env.number("ESMS_LOW_BALANCE"))
        if env.text("ESMS_LOW_BALANCE")
        else None,
        approval_required=approval_required,
        approvers=approvers,
        approval_channel=env.identifier(
            "APPROVAL_CHANNEL", r"[CG][A-Z0-9]{2,}", "a channel ID such as C0123ABCD (not a #name)"
        ),
        slack_app_token=app_token,
        slack_team_id=env.identifier(
            "SLACK_TEAM_ID", r"[TE][A-Z0-9]{2,}", "a workspace ID such as T0123ABCD"
        ),
        slack_app_id=env.identifier(
            "SLACK_APP_ID", r"A[A-Z0-9]{2,}", "an app ID such as A0123ABCD"
        ),
        allowed_users=env.id_list("ALLOWED_USERS", *_PEOPLE),
        allowed_channels=env.id_list(
            "ALLOWED_CHANNELS", r"[CGD][A-Z0-9]{2,}", "channel IDs (C…, G…)"
        ),
        approval_ttl_hours=env.number("APPROVAL_TTL_HOURS"),
        user_group_cache_seconds=env.number("USER_GROUP_CACHE_SECONDS"),
        callback_secrets=secrets,
        esms_timeout_seconds=env.number("ESMS_TIMEOUT_SECONDS"),
        retry_base_seconds=env.number("RETRY_BASE_SECONDS"),
        job_lease_seconds=env.number("JOB_LEASE_SECONDS"),
        job_max_crashes=int(env.number("JOB_MAX_CRASHES")),
        job_retention_hours=env.number("JOB_RETENTION_HOURS"),
        callback_retention_days=env.number("CALLBACK_RETENTION_DAYS"),
        log_level=env.choice("LOG_LEVEL", _LOG_LEVELS, normalize=str.upper),
        language=env.choice("LANGUAGE", LANGUAGES, normalize=str.lower),
        outreach=load_outreach(env, _PEOPLE, template_admins),
        esms_max_per_second=env.number("ESMS_MAX_PER_SECOND"),
        campaign_max_rows=int(env.number("CAMPAIGN_MAX_ROWS")),
        campaign_preview_hours=env.number("CAMPAIGN_PREVIEW_HOURS"),
        job_threads=int(env.number("JOB_THREADS")),
        image_max_side=int(env.number("IMAGE_MAX_SIDE")),
        report_admins=report_admins,
        privacy_admins=env.id_list("PRIVACY_ADMINS", *_PEOPLE) or report_admins,
        retention_days=int(env.number("RETENTION_DAYS")),
        data_key=_data_key(env),
        metrics_token=env.text("METRICS_TOKEN") or None,
    )
    if problems:
        raise ConfigError(problems)
    return settings


def _data_key(env: Environment) -> str | None:
    key = env.text("DATA_KEY")
    if key and len(key) < 32:
        env.problems.append(
            f"DATA_KEY must be at least 32 characters, not {len(key)}: generate one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return key or None
