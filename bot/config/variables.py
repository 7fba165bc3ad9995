"""Every environment variable the app reads, declared once: its default, range and meaning.

The settings take their defaults and ranges from here; `docs/configuration.md` is this table
printed (`python -m bot.config.variables`), and `app.json` is checked against it by the tests.
"""

from __future__ import annotations

from bot.config.people_variables import PEOPLE_AND_OUTREACH
from bot.config.variable import DAY, Variable, markdown_table, number

VARIABLES: tuple[Variable, ...] = (
    # Slack
    Variable("SLACK_BOT_TOKEN", "bot token `xoxb-…`", required="yes"),
    Variable("SLACK_SIGNING_SECRET", "verifies that requests come from Slack", required="yes"),
    Variable("SLACK_API_URL", "Slack Web API base", default="https://slack.com/api/"),
    Variable(
        "SLACK_APP_TOKEN",
        "app-level token `xapp-…` with `connections:write`, for Socket Mode",
        required="for `dev`",
    ),
    Variable("SLACK_TEAM_ID", "refuse requests from any other workspace (`T…`)"),
    Variable("SLACK_APP_ID", "refuse requests from any other app (`A…`)"),
    Variable(
        "LANGUAGE",
        "`en` or `vi`: the language of everything the app says in Slack",
        default="en",
    ),
    # eSMS
    Variable("ESMS_API_KEY", "the ApiKey from the eSMS dashboard", required="yes"),
    Variable("ESMS_SECRET_KEY", "the SecretKey from the eSMS dashboard", required="yes"),
    Variable(
        "ESMS_BRANDNAME",
        "the Viber brandname registered with eSMS; several, comma-separated, let the agent "
        "choose (the first is the default); at most 100 (a Slack select holds no more)",
        required="yes",
    ),
    Variable("ESMS_API_URL", "eSMS API base", default="https://rest.esms.vn/MainService.svc/json/"),
    Variable(
        "ESMS_SANDBOX",
        "`true`: sends go with `IsSandBox` 1 (accepted, never delivered, free); a new Heroku "
        "app starts with `true`",
        default="false",
        on_heroku="true",
    ),
    Variable(
        "ESMS_ALLOW_TEST_SENDS",
        "`true`: the composer offers a *test send* box (sandbox for that send only)",
        default="false",
    ),
    number(
        "ESMS_LOW_BALANCE",
        0,
        0,
        1_000_000_000,
        "`/viber balance` warns below this many VND; 0: never",
        whole=True,
    ),
    number("ESMS_TIMEOUT_SECONDS", 15.0, 0.1, 60, "how long one eSMS call may take"),
    number(
        "ESMS_MAX_PER_SECOND",
        10.0,
        0.1,
        1000,
        "eSMS calls that send (Viber, SMS fallback, campaigns) per second for the whole "
        "deployment, shared between processes through the database",
    ),
    Variable(
        "PUBLIC_URL",
        "the app's public base URL; when set, every send carries a `CallbackUrl` under it",
    ),
    Variable(
        "ESMS_CALLBACK_SECRET",
        "the secret in the callback path: 16+ characters, only letters, digits, `-` and `_` "
        "(it goes in the URL as it is); several, comma-separated, during a rotation. Unset: "
        "derived from `ESMS_SECRET_KEY`",
    ),
    number(
        "STATUS_POLL_SECONDS",
        60,
        1,
        DAY,
        "how often recipients without a final state are looked up at eSMS (whole seconds)",
        whole=True,
    ),
    number(
        "STATUS_GRACE_SECONDS",
        120.0,
        0,
        DAY,
        "how long a recipient stays quiet before it is looked up",
    ),
    # The database and the processes
    Variable(
        "DATABASE_URL",
        "`sqlite:///viber-bot.db` is a file in the working directory; "
        "`postgres://user:password@host:5432/name` (or `postgresql://…`, as Heroku sets it) for "
        "PostgreSQL, which several processes can share",
        default="sqlite:///viber-bot.db",
    ),
    # Listener and job threads share it: with fewer, a burst of acknowledgements waits for a
    # connection (benchmarks/ack_latency.py on PostgreSQL: p99 3.5 × the baseline at 5).
    number(
        "DATABASE_POOL_SIZE",
        10,
        1,
        100,
        "PostgreSQL connections one process keeps at most (see *Deploying on Heroku* in "
        "`docs/operations.md` for sizing); a new Heroku app starts with 5, for the first plans' "
        "20 connections",
        whole=True,
        on_heroku="5",
    ),
    number(
        "WEB_CONCURRENCY",
        1,
        1,
        32,
        "web processes `viber-bot serve` starts (Heroku sets it by dyno size); with SQLite "
        "always 1, and a value out of range runs 1 with a warning",
        whole=True,
    ),
    Variable(
        "RUN_JOBS",
        "`both`: the web processes run the jobs too; `web`: they leave them to `viber-bot "
        "worker` processes, so Slack's acknowledgements stay fast while a campaign runs (needs "
        "PostgreSQL; see *Deploying on Heroku* in `docs/operations.md`)",
        default="both",
    ),
    number("PORT", 3000, 1, 65535, "HTTP port for `viber-bot serve`", whole=True),
    number(
        "JOB_THREADS",
        8,
        1,
        64,
        "job threads per process (eSMS calls in flight); for a campaign at rate R with eSMS "
        "answering in T seconds, at least R × T + 2",
        whole=True,
    ),
    number(
        "RETRY_BASE_SECONDS",
        2.0,
        0,
        300,
        "first retry delay of a failed job (doubles each attempt, with jitter)",
    ),
    # Since the last heartbeat of a job's holder: a running call keeps its lease alive.
    number(
        "JOB_LEASE_SECONDS",
        8.0,
        1,
        600,
        "a running job's worker renews its lease every 2 s (a heartbeat); a job whose process "
        "stopped renewing is taken over this long after its last heartbeat",
    ),
    number(
        "JOB_MAX_CRASHES",
        3,
        1,
        100,
        "a job whose process died while running it (killed, out of memory) this many times "
        "gives up through its kind's usual way, with a sentence in the thread, so no input can "
        "keep the app restarting; a graceful stop is not a crash",
        whole=True,
    ),
    number(
        "JOB_RETENTION_HOURS",
        24.0,
        1,
        720,
        "finished jobs and leases expired this long ago are deleted (every 10 minutes, in "
        "batches, by one process); `/metrics` keeps their retries and give-ups in counters first",
    ),
    number(
        "CALLBACK_RETENTION_DAYS",
        14.0,
        1,
        365,
        "eSMS callbacks received this long ago are deleted the same way (the latest one always "
        "stays, for `/healthz?deep=1`), their counts kept for `/metrics`; an unmatched callback "
        "older than this can no longer be matched to a send",
    ),
    number(
        "RETENTION_DAYS",
        0,
        0,
        3650,
        "content and numbers of sends older than this are purged by themselves, once a Vietnam "
        "day, by the one process that prunes (as `viber-bot purge --older-than DAYS`); the "
        "first run after it is set or changed only reports what it would remove (the log and "
        "`/metrics`), removing from the next day on; 0 or unset: kept until purged by hand "
        "(`viber-bot check` recommends 365: docs/privacy.md)",
        whole=True,
    ),
    Variable(
        "DATA_KEY",
        "the secret key of the keyed digest (HMAC-SHA256) that stands for an erased number, so "
        "that its opt-out and the daily marketing cap still hold; at least 32 characters, never "
        "changed once numbers are erased (Heroku generates one at creation, `app.json`); unset: "
        "erasure is refused, saying so",
    ),
    *PEOPLE_AND_OUTREACH,
    # Campaigns
    number(
        "CAMPAIGN_MAX_ROWS",
        10_000,
        1,
        100_000,
        "rows one campaign file may have; further rows are listed as not sent",
        whole=True,
    ),
    number(
        "CAMPAIGN_PREVIEW_HOURS",
        72.0,
        1,
        720,
        "how long a campaign may wait in preview for *Start*; then it is cancelled, its thread "
        "says so, nothing is sent and its rows (names, addresses …) are erased by the next "
        "`viber-bot purge`",
    ),
    # Logs and metrics
    Variable(
        "LOG_LEVEL",
        "`DEBUG`, `INFO`, `WARNING` or `ERROR`; one line per event with the request id, send id "
        "and a masked number; at every level numbers are masked and secrets hidden",
        default="INFO",
    ),
    Variable(
        "METRICS_TOKEN",
        "the bearer token `/metrics` requires (Prometheus' `bearer_token`); unset: `/metrics` "
        "answers 404",
    ),
)
BY_NAME: dict[str, Variable] = {variable.name: variable for variable in VARIABLES}


def whole_default(name: str) -> int:
    return int(_number_default(name))


def number_default(name: str) -> float:
    return float(_number_default(name))


def _number_default(name: str) -> float:
    default = BY_NAME[name].default
    assert isinstance(default, int | float), name
    return default


if __name__ == "__main__":  # the table for docs/configuration.md
    print(markdown_table(VARIABLES), end="")
