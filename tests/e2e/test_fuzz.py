"""Hostile input over HTTP: malformed bodies, headers, encodings and sizes never break the app.

One app serves the whole module; after every request it must answer below 500, without a stack
trace, and with the stored sends, recipients and jobs exactly as they were.
"""

import json
import socket
import sqlite3
import time
from urllib.parse import quote, urlencode

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sandbox.standins.esms import EsmsStandIn
from sandbox.standins.slack_api import SlackApiStandIn
from tests.e2e.harness import AppProcess, app_environment, free_port

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz")
    slack_api, esms = SlackApiStandIn().start(), EsmsStandIn().start()
    port = free_port()
    app = AppProcess(
        app_environment(slack_api.url, esms.url, port, path / "app.db"), port, path / "app.log"
    ).start()
    app.command("0901234567 a real send, so there is state to protect")
    deadline = time.monotonic() + 10
    while not esms.accepted and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    yield app, path / "app.db", esms
    app.stop()
    slack_api.stop()
    esms.stop()


def snapshot(database):
    with sqlite3.connect(database) as conn:
        return [
            conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("sends", "recipients", "approval_events")
        ] + [conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]]


def check(response, app):
    assert response.status_code < 500, (response.status_code, response.text[:200])
    assert "Traceback" not in response.text and 'File "' not in response.text


field_text = st.text(max_size=120)


def header_text(size):
    """What an HTTP client can put in a header value: visible Latin-1, no leading space."""
    visible = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
    return st.text(visible, max_size=size).map(str.strip)


form_fields = st.dictionaries(
    st.sampled_from(
        [
            "command",
            "text",
            "payload",
            "channel_id",
            "user_id",
            "team_id",
            "trigger_id",
            "type",
            "x",
        ]
    ),
    field_text,
    max_size=6,
)
payloads = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
slack_shapes = st.fixed_dictionaries(
    {"type": st.sampled_from(["view_submission", "block_actions", "shortcut", "view_closed", "x"])},
    optional={
        "view": payloads
        | st.fixed_dictionaries(
            {
                "type": st.just("modal"),
                "callback_id": st.sampled_from(["viber_compose", "viber_reject", "x"]),
                "private_metadata": st.text(max_size=40),
                "state": payloads,
            }
        ),
        "actions": payloads,
        "user": payloads | st.fixed_dictionaries({"id": st.text(max_size=12)}),
        "team": payloads,
    },
)


@FUZZ
@given(
    body=st.one_of(
        form_fields.map(urlencode), slack_shapes.map(lambda p: "payload=" + quote(json.dumps(p)))
    )
)
# A composer submission whose state is a list once broke the handler that reports failures.
@example(
    body="payload="
    + quote(
        json.dumps(
            {
                "type": "view_submission",
                "view": {"type": "modal", "callback_id": "viber_compose", "state": [None]},
            }
        )
    )
)
def test_signed_but_malformed_slack_requests(world, body):
    app, database, _ = world
    before = snapshot(database)
    check(app.post_signed(body), app)
    assert snapshot(database) == before or "command" in body  # a well-formed quick send may store


@FUZZ
@given(
    raw=st.binary(max_size=600),
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "application/json", "text/plain", "", "x/y"]
    ),
    timestamp=st.one_of(st.none(), header_text(12), st.integers(-(2**40), 2**40).map(str)),
    signature=st.one_of(st.none(), header_text(80), st.just("v0=" + "f" * 64)),
)
def test_garbage_bodies_and_headers(world, raw, content_type, timestamp, signature):
    app, database, _ = world
    before = snapshot(database)
    headers = {"Content-Type": content_type}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp.encode("utf-8", "replace").decode(
            "latin-1"
        )
    if signature is not None:
        headers["X-Slack-Signature"] = signature.encode("utf-8", "replace").decode("latin-1")
    response = requests.post(app.base_url + "/slack/events", data=raw, headers=headers, timeout=10)
    check(response, app)
    assert response.status_code in (400, 401)
    assert snapshot(database) == before


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(
            [
                "SMSID",
                "SendStatus",
                "SendSuccess",
                "SendFailed",
                "RequestId",
                "phonenumber",
                "TotalPrice",
                "telcoid",
            ]
        ),
        st.text(max_size=40),
    )
)
def test_hostile_callbacks(world, query):
    app, database, esms = world
    (accepted,) = esms.accepted.values()
    before = snapshot(database)
    url = accepted.body["CallbackUrl"]
    response = requests.get(url + "?" + urlencode(query), timeout=10)
    check(response, app)
    if response.status_code != 200:
        assert snapshot(database) == before
    forged = requests.get(url.rsplit("/", 1)[0] + "/not-the-secret?" + urlencode(query), timeout=10)
    assert forged.status_code == 404


def test_invalid_utf8_oversized_and_lying_requests(world):
    app, database, esms = world
    before = snapshot(database)
    check(app.post_signed("text=ok"), app)
    invalid = app.base_url + "/slack/events"
    assert requests.post(invalid, data=b"\xff\xfe\xfa", timeout=5).status_code in (400, 401)
    huge = requests.post(invalid, data=b"x" * (2 * 1024 * 1024), timeout=30)
    assert huge.status_code == 413
    (accepted,) = esms.accepted.values()
    long_query = requests.get(
        accepted.body["CallbackUrl"] + "?SMSID=" + "a" * 6000 + "&SendStatus=5", timeout=5
    )
    assert long_query.status_code in (400, 414)
    # A Content-Length that promises more than arrives: the server must give up, not hang forever.
    with socket.create_connection(("127.0.0.1", app.port), timeout=60) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort")
        sock.shutdown(socket.SHUT_WR)
        answer = sock.recv(200)
    assert not answer.startswith(b"HTTP/1.1 5")
    assert snapshot(database) == before
    assert requests.get(app.base_url + "/healthz", timeout=5).status_code == 200
