import pytest

from bot.config import ConfigError, load_settings

BASE = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "signing-secret-value",
    "ESMS_API_KEY": "KEY",
    "ESMS_SECRET_KEY": "SECRET-KEY-VALUE",
    "ESMS_BRANDNAME": "BRAND",
}


def test_minimal_configuration_has_sensible_defaults():
    settings = load_settings(BASE)
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.esms_api_url == "https://rest.esms.vn/MainService.svc/json/"
    assert settings.database_url == "sqlite:///viber-bot.db"
    assert settings.port == 3000 and settings.status_poll_seconds == 60
    assert settings.esms_sandbox is False and settings.callback_url is None


def test_every_problem_is_named_at_once():
    env = {
        "SLACK_BOT_TOKEN": "xoxp-user-token",
        "ESMS_SANDBOX": "maybe",
        "PORT": "eighty",
        "APPROVERS": "U123ABC, bob",
        "PUBLIC_URL": "bot.example.com",
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    report = caught.value.report()
    for name in (
        "SLACK_BOT_TOKEN must be a bot token",
        "SLACK_SIGNING_SECRET is missing",
        "ESMS_API_KEY is missing",
        "ESMS_SECRET_KEY is missing",
        "ESMS_BRANDNAME is missing",
        "ESMS_SANDBOX must be true or false",
        "PORT must be a whole number",
        "'bob'",
        "PUBLIC_URL must be an http(s) URL",
    ):
        assert name in report


def test_empty_values_count_as_missing():
    with pytest.raises(ConfigError, match="ESMS_BRANDNAME is missing"):
        load_settings({**BASE, "ESMS_BRANDNAME": "  "})


def test_callback_url_carries_a_secret_in_the_path():
    settings = load_settings({**BASE, "PUBLIC_URL": "https://bot.example.com/"})
    url = settings.callback_url
    assert url.startswith("https://bot.example.com/esms/callback/")
    secret = url.rsplit("/", 1)[1]
    assert len(secret) >= 32 and "SECRET-KEY-VALUE" not in url


def test_rotation_accepts_several_callback_secrets_and_sends_the_first():
    settings = load_settings(
        {
            **BASE,
            "PUBLIC_URL": "https://b.example",
            "ESMS_CALLBACK_SECRET": "new-secret-0000000,old-secret-0000000",
        }
    )
    assert settings.callback_secrets == ("new-secret-0000000", "old-secret-0000000")
    assert settings.callback_url.endswith("/new-secret-0000000")


def test_repr_never_shows_secrets():
    text = repr(load_settings(BASE))
    for secret in ("xoxb-1-2-abc", "signing-secret-value", "SECRET-KEY-VALUE"):
        assert secret not in text


def test_approval_without_approvers_is_a_configuration_error():
    with pytest.raises(ConfigError, match="APPROVERS is empty"):
        load_settings({**BASE, "APPROVAL_REQUIRED": "true"})


def test_approval_settings():
    settings = load_settings(
        {
            **BASE,
            "APPROVAL_REQUIRED": "yes",
            "APPROVERS": "U01ABC S02DEF",
            "APPROVAL_CHANNEL": "C0APPROVE",
            "APPROVAL_TTL_HOURS": "2.5",
        }
    )
    assert settings.approvers == ("U01ABC", "S02DEF")
    assert settings.approval_channel == "C0APPROVE" and settings.approval_ttl_hours == 2.5
    with pytest.raises(ConfigError, match="APPROVAL_CHANNEL must be a channel ID"):
        load_settings({**BASE, "APPROVAL_CHANNEL": "#approvals"})


def test_access_lists_are_validated():
    settings = load_settings(
        {
            **BASE,
            "ALLOWED_USERS": "U1AB, S2CD",
            "ALLOWED_CHANNELS": "C1AB G2CD",
            "SLACK_TEAM_ID": "T1AB",
        }
    )
    assert settings.allowed_users == ("U1AB", "S2CD") and settings.allowed_channels == (
        "C1AB",
        "G2CD",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, "ALLOWED_CHANNELS": "#general", "SLACK_TEAM_ID": "acme"})
    assert "ALLOWED_CHANNELS must list channel IDs" in str(caught.value)
    assert "SLACK_TEAM_ID must be a workspace ID" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgres://viber:pw-123456@db.example.com:5432/viber",
        "postgresql://postgres@127.0.0.1/test",
    ],
)
def test_postgres_urls_as_heroku_sets_them_are_accepted(url):
    settings = load_settings({**BASE, "DATABASE_URL": url, "DATABASE_POOL_SIZE": "3"})
    assert settings.shared_database and settings.database_pool_size == 3


def test_the_database_password_never_shows():
    settings = load_settings(
        {**BASE, "DATABASE_URL": "postgres://viber:hunter2-secret@db.example.com:5432/viber"}
    )
    assert "hunter2" not in repr(settings) and "hunter2" not in settings.database_label
    assert settings.database_label == "postgres://viber:***@db.example.com:5432/viber"
    assert "hunter2-secret" in settings.secret_values()  # masked in every log line


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://root@localhost/viber", "must be sqlite:///path/to/file.db or postgres://"),
        ("sqlite:///", "needs a file path"),
        ("postgres://", "needs a host and a database"),
        ("postgres://u:hunter2-secret@h:bad/x", "port in DATABASE_URL must be a number"),
    ],
)
def test_an_unusable_database_url_is_named_without_its_password(url, says):
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, "DATABASE_URL": url})
    assert says in caught.value.report() and "hunter2" not in caught.value.report()


# Each number setting's documented range (README, Configuration).
RANGES = {
    "DATABASE_POOL_SIZE": ("1", "100"),
    "PORT": ("1", "65535"),
    "STATUS_POLL_SECONDS": ("1", "86400"),
    "STATUS_GRACE_SECONDS": ("0", "86400"),
    "ESMS_LOW_BALANCE": ("0", "1000000000"),
    "APPROVAL_TTL_HOURS": ("0.0001", "720"),
    "USER_GROUP_CACHE_SECONDS": ("0", "86400"),
    "ESMS_TIMEOUT_SECONDS": ("0.1", "60"),
    "RETRY_BASE_SECONDS": ("0", "300"),
    "JOB_LEASE_SECONDS": ("1", "600"),
}


@pytest.mark.parametrize("name", sorted(RANGES))
@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
def test_a_number_setting_must_be_finite(name, value):
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, name: value})
    assert name in caught.value.report()


@pytest.mark.parametrize("name", sorted(RANGES))
def test_a_number_setting_accepts_its_bounds_and_nothing_above(name):
    low, high = RANGES[name]
    for value in (low, high):
        load_settings({**BASE, name: value})
    above = str(int(high) + 1)
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, name: above})
    assert f"number from {low} to {high}, not {above}" in str(caught.value)


@pytest.mark.parametrize(
    "name",
    ["RETRY_BASE_SECONDS", "STATUS_GRACE_SECONDS", "USER_GROUP_CACHE_SECONDS", "ESMS_LOW_BALANCE"],
)
def test_zero_stays_valid_where_it_means_at_once_or_never(name):
    settings = load_settings({**BASE, name: "0"})
    assert getattr(settings, name.lower()) == 0


def test_approvals_cannot_be_made_to_never_expire():
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, "APPROVAL_TTL_HOURS": "nan"})
    assert "APPROVAL_TTL_HOURS must be a number from 0.0001 to 720, not nan" in str(caught.value)


def test_the_job_lease_is_a_heartbeat_timeout_of_a_few_seconds():
    from bot.config import Settings

    assert load_settings(BASE).job_lease_seconds == 8
    assert Settings("xoxb-1", "s", "k", "s", ("B",)).job_lease_seconds == 8
    # A running call renews its lease, so the lease no longer has to outlast a slow eSMS call.
    settings = load_settings({**BASE, "JOB_LEASE_SECONDS": "2", "ESMS_TIMEOUT_SECONDS": "30"})
    assert settings.job_lease_seconds == 2 and settings.esms_timeout_seconds == 30
    for wrong in ("0.5", "601"):
        with pytest.raises(ConfigError, match="JOB_LEASE_SECONDS must be a number from 1 to 600"):
            load_settings({**BASE, "JOB_LEASE_SECONDS": wrong})


@pytest.mark.parametrize(
    "secret",
    [
        "abcdefgh?ijklmnop",
        "abcdefgh#ijklmnop",
        "abcdefgh%2Fijklmnop",
        "abcdefgh/ijklmnop",
        "abcdefgh.ijklmnop",
        "mật-khẩu-bí-mật-0000",
        "short-secret",
    ],
)
def test_a_callback_secret_must_be_url_safe_and_long(secret):
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, "ESMS_CALLBACK_SECRET": f"good-secret_00000000,{secret}"})
    report = caught.value.report()
    assert "ESMS_CALLBACK_SECRET" in report and "16 characters" in report
    assert "digit, - or _" in report
    assert secret not in report  # a secret never reaches a log line, not even a wrong one


def test_a_url_safe_callback_secret_makes_a_url_that_keeps_it_whole():
    secret = "Rotated_secret-2024_abcXYZ"
    settings = load_settings(
        {**BASE, "PUBLIC_URL": "https://b.example", "ESMS_CALLBACK_SECRET": secret}
    )
    assert settings.callback_url == f"https://b.example/esms/callback/{secret}"


def test_more_brandnames_than_a_select_holds_are_refused_at_start():
    from bot.config import MAX_BRANDNAMES, ConfigError, load_settings

    names = ",".join(f"BRAND{i}" for i in range(MAX_BRANDNAMES + 1))
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s" * 20,
        "ESMS_API_KEY": "K",
        "ESMS_SECRET_KEY": "S",
        "ESMS_BRANDNAME": names,
    }
    try:
        load_settings(env)
    except ConfigError as error:
        assert f"{MAX_BRANDNAMES + 1} brandnames" in str(error)
    else:
        raise AssertionError("101 brandnames were taken")
    env["ESMS_BRANDNAME"] = ",".join(names.split(",")[:MAX_BRANDNAMES])
    assert len(load_settings(env).esms_brandnames) == MAX_BRANDNAMES
