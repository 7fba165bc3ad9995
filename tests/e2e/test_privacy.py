"""What the real server writes to its log: never a secret, never a full phone number."""

import re
import time

import pytest
import requests

from tests.e2e.harness import AppProcess, app_environment, free_port, wait_for

PHONE = "0901234567"
CALLBACK_SECRET = "callback-secret_for-tests-0001"
ROTATED_OUT = "rotated-out-secret-0000000"


@pytest.fixture
def start_app(slack_api, esms, tmp_path):
    started: list[AppProcess] = []

    def start(*args: str, **extra_env: str) -> AppProcess:
        port = free_port()
        extra_env.setdefault("ESMS_CALLBACK_SECRET", CALLBACK_SECRET)
        env = app_environment(slack_api.url, esms.url, port, tmp_path / "app.db", **extra_env)
        app = AppProcess(env, port, tmp_path / f"app-{port}.log", args=args).start()
        started.append(app)
        return app

    yield start
    for app in started:
        app.stop()


def send_and_deliver(app, esms, phone=PHONE):
    app.command(f"{phone} Xin chào")
    accepted = wait_for(lambda: [s for s in esms.accepted_for(phone) if s.sms_id])[-1]
    assert esms.callback(accepted, 5, success=1).status_code == 200
    return accepted


def assert_nothing_leaks(log):
    for leak in (CALLBACK_SECRET, ROTATED_OUT, PHONE, "84901234567"):
        assert leak not in log, f"{leak} appears in the log"


def test_the_access_log_shows_each_callback_without_its_secret_or_number(start_app, esms):
    app = start_app("--access-log")
    accepted = send_and_deliver(app, esms)
    # A secret rotated out (or guessed) is no less private than the current one.
    stale = requests.get(
        f"{app.base_url}/esms/callback/{ROTATED_OUT}?SMSID={accepted.sms_id}&phonenumber={PHONE}",
        timeout=10,
    )
    assert stale.status_code == 404
    log = wait_for(
        lambda: (text := app.log()).count('"GET /esms/callback/*** HTTP/1.1"') >= 2 and text
    )
    assert re.search(r'"GET /esms/callback/\*\*\* HTTP/1\.1" 200 ', log), log
    assert re.search(r'"GET /esms/callback/\*\*\* HTTP/1\.1" 404 ', log), log
    assert '"POST /slack/events HTTP/1.1" 200' in log  # every request has its line
    assert_nothing_leaks(log)


def test_without_access_log_no_request_line_is_written(start_app, esms):
    app = start_app()
    send_and_deliver(app, esms)
    requests.get(app.base_url + "/healthz", timeout=10)
    time.sleep(0.3)  # an access line would be written just after its response
    assert "HTTP/1.1" not in app.log()


def test_no_full_number_at_debug_level(start_app, slack_api, esms):
    app = start_app(LOG_LEVEL="DEBUG")
    send_and_deliver(app, esms)
    parent = wait_for(lambda: slack_api.parents())[0]
    wait_for(lambda: slack_api.replies(parent.ts))
    answer = app.command(f"status {PHONE}").json()
    assert PHONE in answer["text"]  # the asker sees it; the log must not
    assert PHONE in app.command("history").json()["text"]
    log = app.log()
    assert " DEBUG " in log and "•••••••567" in log
    assert_nothing_leaks(log)
