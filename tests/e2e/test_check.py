"""`viber-bot check` against healthy stand-ins and stand-ins that fail in each way."""

import pytest

from bot.db import SCHEMA_VERSION
from tests.e2e.harness import app_environment, free_port, run_cli


@pytest.fixture
def env(slack_api, esms, tmp_path):
    return app_environment(slack_api.url, esms.url, free_port(), tmp_path / "check.db")


def check(env, tmp_path):
    result = run_cli(env, "check", cwd=tmp_path)
    return result.returncode, result.stdout


def test_everything_healthy(env, tmp_path):
    code, out = check(env, tmp_path)
    assert code == 0, out
    assert out.count("✓") == 14 and "✗" not in out
    assert "balance 36.693 ₫" in out and "TESTBRAND: registered as a Viber brandname" in out
    assert "SMS fallback: off" in out and "marketing hours 07:00–22:00, at most 3" in out
    assert (
        "✓ Job runner: jobs run inside the web process (RUN_JOBS=both); a separate worker "
        "needs PostgreSQL" in out
    )
    assert "14 of 14 checks passed." in out
    assert "✓ Erasure: warning: DATA_KEY is not set and no one is a privacy admin" in out
    assert "✓ Marketing consent: required" in out
    assert "✓ Stop links: warning: http://127.0.0.1:" in out
    assert "✓ Uploaded pictures: warning: http://127.0.0.1:" in out  # the tests' loopback
    assert (
        "✓ Retention: warning: unset: content and numbers are kept until `viber-bot purge`; "
        "recommended: RETENTION_DAYS=365" in out
    )


def test_retention_set_is_named(env, tmp_path):
    env["RETENTION_DAYS"] = "365"
    code, out = check(env, tmp_path)
    assert code == 0, out
    assert (
        "✓ Retention: sends older than 365 days are purged once a day (first run: a dry run)" in out
    )
    assert "14 of 14 checks passed." in out


def test_pictures_need_an_https_public_url(env, tmp_path):
    env["PUBLIC_URL"] = "http://bot.example.com"
    code, out = check(env, tmp_path)
    assert code == 1
    assert "✗ Uploaded pictures: PUBLIC_URL http://bot.example.com is http" in out
    assert "Fix: set PUBLIC_URL to the app's https address" in out
    env["PUBLIC_URL"] = "https://bot.example.com"
    code, out = check(env, tmp_path)
    assert "✓ Uploaded pictures: hosted under https://bot.example.com/media/" in out


def test_marketing_without_consent_or_stop_links_is_named(env, tmp_path):
    env.update(MARKETING_CONSENT_REQUIRED="false", PUBLIC_URL="")
    code, out = check(env, tmp_path)
    assert code == 1
    assert "✗ Marketing consent: not required (MARKETING_CONSENT_REQUIRED=false)" in out
    assert "Fix: Decree 91/2020/ND-CP asks for the customer's prior consent" in out
    assert "✓ Stop links: warning: PUBLIC_URL is not set, so marketing sends are refused" in out
    env.update(MARKETING_CONSENT_REQUIRED="true", PUBLIC_URL="https://bot.example.com")
    code, out = check(env, tmp_path)
    assert "✓ Stop links: each advertisement ends with https://bot.example.com/stop/" in out


def test_erasure_needs_data_key_once_someone_answers_privacy_requests(env, tmp_path):
    env.update(PRIVACY_ADMINS="U0ADMIN")
    code, out = check(env, tmp_path)
    assert code == 1
    assert "✗ Erasure: DATA_KEY is not set: `/viber privacy erase` is refused" in out
    assert "secrets.token_urlsafe(32)" in out
    env.update(DATA_KEY="k" * 43)
    code, out = check(env, tmp_path)
    assert code == 0 and "✓ Erasure: DATA_KEY is set" in out


def test_the_sms_templates_are_listed(env, tmp_path):
    env.update(ESMS_SMS_BRANDNAME="TESTCSKH", SMS_FALLBACK="true")
    code, out = check(env, tmp_path)
    assert code == 0, out
    assert "SMS templates of TESTCSKH: 3 registered" in out
    assert "12640: Don hang {P1,20} da san sang. Chi tiet: {P2,100}" in out


def test_fallback_on_without_a_registered_template_is_a_failure(env, tmp_path, esms):
    esms.sms_templates["TESTCSKH"] = []
    env.update(ESMS_SMS_BRANDNAME="TESTCSKH", SMS_FALLBACK="true")
    code, out = check(env, tmp_path)
    assert code == 1
    assert "✗ SMS templates of TESTCSKH: none registered" in out and "146" in out


def test_a_cap_above_the_decree_is_flagged(env, tmp_path):
    env["MARKETING_DAILY_CAP"] = "5"
    code, out = check(env, tmp_path)
    assert code == 1 and "✗ Marketing rules" in out and "at most 3 per number a day" in out


def test_missing_configuration_is_listed(env, tmp_path):
    del env["ESMS_API_KEY"]
    env["PORT"] = "abc"
    code, out = check(env, tmp_path)
    assert code == 1
    assert (
        "✗ Configuration: ESMS_API_KEY is missing" in out and "PORT must be a whole number" in out
    )
    assert "Fix:" in out


def test_bad_slack_token(env, tmp_path):
    env["SLACK_BOT_TOKEN"] = "xoxb-revoked"
    code, out = check(env, tmp_path)
    assert code == 1 and "✗ Slack token: Slack refused it (invalid_auth)" in out
    assert "xoxb-revoked" not in out


@pytest.mark.parametrize(
    "lists",
    [{"APPROVAL_REQUIRED": "true", "APPROVERS": "S0LEADS"}, {"MARKETING_SENDERS": "S0MARKETING"}],
)
def test_missing_scope_for_user_groups(env, tmp_path, slack_api, lists):
    env.update(lists)
    slack_api.scopes = (
        "commands,chat:write,chat:write.public,users:read,files:read,files:write,"
        "channels:join,im:write,channels:read,groups:read"
    )
    code, out = check(env, tmp_path)
    assert code == 1 and "missing scopes: usergroups:read" in out


def test_missing_scopes_for_campaigns(env, tmp_path, slack_api):
    slack_api.scopes = "commands,chat:write,chat:write.public,users:read"
    code, out = check(env, tmp_path)
    missing = "files:read, files:write, channels:join, im:write, channels:read, groups:read"
    assert code == 1 and f"missing scopes: {missing}" in out


def test_slack_unreachable(env, tmp_path):
    env["SLACK_API_URL"] = f"http://127.0.0.1:{free_port()}/api/"
    code, out = check(env, tmp_path)
    assert code == 1 and "Slack could not be reached" in out


def test_wrong_esms_keys_and_unknown_brandname(env, tmp_path, esms):
    env["ESMS_SECRET_KEY"] = "WRONG-SECRET"
    code, out = check(env, tmp_path)
    assert code == 1 and "wrong eSMS ApiKey or SecretKey (101)" in out and "WRONG-SECRET" not in out
    env["ESMS_SECRET_KEY"] = "TEST-SECRET-KEY-0000"
    env["ESMS_BRANDNAME"] = "TESTBRAND,OTHERBRAND"
    esms.brandnames.append(("SMSONLY", 2))
    env["ESMS_BRANDNAME"] = "TESTBRAND,OTHERBRAND,SMSONLY"
    code, out = check(env, tmp_path)
    assert code == 1
    assert "✗ Brandname OTHERBRAND: not in this eSMS account" in out
    assert "✗ Brandname SMSONLY: registered, but not for Viber" in out


def test_database_not_writable(env, tmp_path):
    env["DATABASE_URL"] = "sqlite:////nonexistent-dir/x/app.db"
    code, out = check(env, tmp_path)
    assert code == 1 and "✗ Database" in out


def test_postgres_reachable_and_unreachable(env, tmp_path, shared_url):
    env["DATABASE_URL"] = shared_url
    code, out = check(env, tmp_path)
    assert (
        code == 0
        and "✓ Database: postgresql://" in out
        and f"schema version {SCHEMA_VERSION}" in out
    )
    env["DATABASE_URL"] = "postgres://viber:hunter2-secret@127.0.0.1:1/viber"
    code, out = check(env, tmp_path)
    assert code == 1 and "✗ Database: postgres://viber:***@127.0.0.1:1/viber cannot be used" in out
    assert "Connection refused" in out and "hunter2" not in out


def test_sqlite_on_a_heroku_dyno_is_flagged_with_the_fix(env, tmp_path):
    env["DYNO"] = "web.1"
    code, out = check(env, tmp_path)
    assert code == 1 and "is a file on a Heroku dyno, wiped at every restart" in out
    assert "heroku addons:create heroku-postgresql" in out


def test_polling_mode_is_explained(env, tmp_path):
    env["PUBLIC_URL"] = ""
    code, out = check(env, tmp_path)
    assert code == 0 and "PUBLIC_URL is not set" in out and "polled every 60 s" in out


def test_socket_mode_needs_no_signing_secret(env, tmp_path, slack_api):
    env["SLACK_SIGNING_SECRET"] = ""
    env["SLACK_APP_TOKEN"] = slack_api.app_token
    code, out = check(env, tmp_path)
    assert code == 0 and "SLACK_SIGNING_SECRET" not in out


def test_run_jobs_web_on_sqlite_is_flagged_with_the_fix(env, tmp_path):
    env["RUN_JOBS"] = "web"
    code, out = check(env, tmp_path)
    assert code == 1 and "✗ Job runner: RUN_JOBS=web needs PostgreSQL (DATABASE_URL)" in out
    assert "nothing would ever run the jobs" in out and "heroku config:unset RUN_JOBS" in out


def test_an_invalid_run_jobs_value_is_flagged(env, tmp_path):
    env["RUN_JOBS"] = "workers"
    code, out = check(env, tmp_path)
    assert code == 1 and "✗ Job runner: RUN_JOBS must be both" in out and "not 'workers'" in out
    assert "set RUN_JOBS to both or web, or unset it" in out


def test_an_invalid_run_jobs_value_is_listed_with_the_configuration(env, tmp_path):
    env.update(RUN_JOBS="workers", ESMS_API_KEY="")
    code, out = check(env, tmp_path)
    assert code == 1 and "✗ Configuration: ESMS_API_KEY is missing" in out
    assert "✗ Configuration: RUN_JOBS must be both" in out


def test_the_job_runner_on_postgres(env, tmp_path, shared_url):
    env["DATABASE_URL"] = shared_url
    code, out = check(env, tmp_path)
    assert code == 0 and "✓ Job runner: RUN_JOBS=both: every web process runs jobs" in out
    env["RUN_JOBS"] = "web"
    code, out = check(env, tmp_path)
    assert code == 0, out
    assert "✓ Job runner: RUN_JOBS=web: the web processes leave the jobs to viber-bot worker" in out
    assert "heroku ps:scale worker=1" in out
