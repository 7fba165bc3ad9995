"""The log filter: secrets and phone numbers are masked in every record, and nothing else is."""

import datetime
import logging

import pytest
from gunicorn.config import Config

from bot.config.logs import (
    ACCESS_LOG_FORMAT,
    RedactSecrets,
    configure_logging,
    gunicorn_logger,
    mask_text,
)

SECRET = "callback-secret_0000000001"


def filtered(message, *args, exc_info=None):
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, message, args, exc_info)
    RedactSecrets([SECRET]).filter(record)
    return record


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("send 1a2b to 0901234567 accepted", "send 1a2b to •••••••567 accepted"),
        ("to +84901234567.", "to •••••••••567."),
        ("to 84901234567, 0912345678", "to ••••••••567, •••••••678"),
        ("SMSID=S1&phonenumber=0901234567&telcoid=2", "SMSID=S1&phonenumber=•••••••567&telcoid=2"),
        ('{"text": "→ 0901234567\\n"}', '{"text": "→ •••••••567\\n"}'),
        ("text=status%200901234567", "text=status%20•••••••567"),
        ("text=status%2B84901234567", "text=status%2B••••••••567"),
        ("text=status+0901234567", "text=status+•••••••567"),
        ("list 'a\\n0901234567'", "list 'a\\n•••••••567'"),
    ],
)
def test_phone_numbers_are_masked_wherever_they_appear(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "posted as thread 1700000001.000100",
        "at 1700000001 (unix), 1700000001234 ms",
        "SMSID 00000000000000000000000000000001250",
        "SMSID 4f1a0901234567b9c0d1e2f3a4b5c6d7e8f",
        "request 6f9619ff-8b86-d011-b42d-00c04fc964ff 12345678-0901-2345-6789-084123456789",
        "send 0f7c2ec656d34d1c, job-0901234567x",
        "took 0.0901234567 s; 09012345678 is not a mobile; 901234567 neither",
    ],
)
def test_timestamps_identifiers_and_other_numbers_are_left_alone(text):
    assert mask_text(text) == text


def test_a_record_is_masked_in_its_arguments_and_its_secrets():
    record = filtered("callback %s for %s", f"/esms/callback/{SECRET}?x=1", "+84901234567")
    assert record.getMessage() == "callback /esms/callback/***?x=1 for •••••••••567"


def test_any_callback_path_secret_is_masked_even_one_not_configured():
    text = mask_text('"GET /esms/callback/rotated-out-secret-0000 HTTP/1.1" 404')
    assert text == '"GET /esms/callback/*** HTTP/1.1" 404'


def test_an_exception_is_masked_too():
    try:
        raise ValueError(f"no send for 0901234567 at /esms/callback/{SECRET}")
    except ValueError as error:
        record = filtered("failed", exc_info=(type(error), error, error.__traceback__))
    assert "0901234567" not in record.exc_text and SECRET not in record.exc_text
    assert "•••••••567" in record.exc_text


class _Response:
    status = "200 OK"
    sent = 2
    headers = (("X-Request-Id", "abc123"),)


def test_the_gunicorn_access_log_shows_the_request_without_secret_or_number(capsys):
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", ACCESS_LOG_FORMAT)
    logger = gunicorn_logger([SECRET])(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/esms/callback/{SECRET}?SMSID=S1&phonenumber=0901234567",
        "PATH_INFO": f"/esms/callback/{SECRET}",
        "QUERY_STRING": "SMSID=S1&phonenumber=0901234567",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    try:
        logger.access(_Response(), [], environ, datetime.timedelta(milliseconds=3))
        logger.error_log.error("Error handling request %s", environ["RAW_URI"])
    finally:  # the handlers write to this test's captured streams
        for log in (logger.access_log, logger.error_log):
            log.handlers.clear()
    out = capsys.readouterr()
    assert '"GET /esms/callback/*** HTTP/1.1" 200 2 3ms' in out.out and "abc123" in out.out
    assert "Error handling request /esms/callback/***?SMSID=S1&phonenumber=•••••••567" in out.err
    for leak in (SECRET, "0901234567", "SMSID=S1&phone"):
        assert leak not in out.out
    assert SECRET not in out.err and "0901234567" not in out.err


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("bot.slack.bolt", "slack_bolt")}
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_at_debug_bolt_stays_at_info(restore_logging):
    configure_logging("DEBUG", [])
    assert logging.getLogger().isEnabledFor(logging.DEBUG)
    # Bolt logs each response body at DEBUG: look-up answers full of phone numbers.
    assert not logging.getLogger("bot.slack.bolt").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("slack_bolt").isEnabledFor(logging.DEBUG)


@pytest.mark.parametrize(
    "written",
    ["0912 345 678", "+84 912 345 678", "0912.345.678", "0912-345-678", "０９１２３４５６７８"],
)
def test_numbers_written_as_people_write_them_are_masked_too(written):
    masked = mask_text(f"refused {written} today")
    assert "345" not in masked and masked.startswith("refused •") and masked.endswith("678 today")
