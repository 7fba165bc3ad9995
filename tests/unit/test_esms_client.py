"""The eSMS client against the loopback eSMS stand-in: typed results, typed errors, no secrets."""

import logging
import time
from datetime import UTC, datetime

import pytest

from bot.core.message import ViberMessage
from bot.esms.client import (
    SENT_DATA_MAX_PAGES,
    EsmsClient,
    EsmsRefused,
    EsmsUnavailable,
    _dotnet_time,
)
from sandbox.standins.esms import API_KEY, BRANDNAME, SECRET_KEY


@pytest.fixture
def client(esms):
    return EsmsClient(esms.url, API_KEY, SECRET_KEY, timeout_seconds=1)


def send(client, request_id="req-1", phone="0901234567", **message):
    return client.send_viber(
        ViberMessage(**(message or {"text": "Hi"})),
        phone,
        brandname=BRANDNAME,
        request_id=request_id,
    )


def test_send_returns_the_sms_id_and_a_repeat_is_a_duplicate_not_a_failure(client, esms):
    first = send(client)
    again = send(client)
    assert first.sms_id and not first.duplicate
    assert again.duplicate and again.sms_id is None
    assert len(esms.accepted) == 1


def test_image_only_message_sends_no_content(client, esms):
    send(client, image_url="https://x.example/a.png")
    body = esms.submissions[0].body
    assert "Content" not in body and body["OttImgUrl"] == "https://x.example/a.png"
    assert "OttLabel" not in body and "CallbackUrl" not in body


def test_refusals_carry_code_and_words(client, esms):
    esms.balance = 0
    with pytest.raises(EsmsRefused) as caught:
        send(client)
    assert caught.value.code == 103
    assert "insufficient balance (103)" in str(caught.value)


def test_wrong_keys_are_refused_without_quoting_them(esms):
    client = EsmsClient(esms.url, "WRONG-KEY-123", "WRONG-SECRET-456", timeout_seconds=1)
    with pytest.raises(EsmsRefused) as caught:
        client.balance()
    assert caught.value.code == 101
    assert "WRONG" not in str(caught.value)


@pytest.mark.parametrize(
    ("failure", "words"), [("http500", "HTTP 500"), ("html", "not JSON"), ("timeout", "within 1 s")]
)
def test_unusable_answers_are_unavailable_errors(client, esms, failure, words):
    esms.next_failures = [failure]
    with pytest.raises(EsmsUnavailable, match=words) as caught:
        send(client)
    assert SECRET_KEY not in str(caught.value) and API_KEY not in str(caught.value)


def test_connection_refused_is_unavailable_and_names_no_secret():
    client = EsmsClient("http://127.0.0.1:9/", API_KEY, SECRET_KEY, timeout_seconds=1)
    with pytest.raises(EsmsUnavailable) as caught:
        client.send_status("abc")
    assert SECRET_KEY not in repr(caught.value) and caught.value.__cause__ is None


def test_status_queries(client, esms):
    accepted = send(client)
    status = client.send_status(accepted.sms_id)
    assert status.send_status == 2 and status.success == 0
    with pytest.raises(EsmsRefused) as caught:
        client.send_status("unknown")
    assert caught.value.code == 105


def test_receiver_status(client, esms):
    accepted = send(client)
    (receiver,) = client.receiver_status(accepted.sms_id)
    assert receiver.phone == "0901234567" and receiver.network == "Viettel" and not receiver.is_sent


def test_balance_and_brandnames(client):
    assert client.balance() == 36693
    assert [(b.name, b.type) for b in client.brandnames()] == [(BRANDNAME, 23)]


def sent_data(client, *, since=-600.0, until=60.0):
    now = time.time()
    return client.sent_data(
        datetime.fromtimestamp(now + since, UTC), datetime.fromtimestamp(now + until, UTC)
    )


def test_sent_data_describes_each_send(client, esms):
    text = send(client, "req-1", text="Xin chào\nDòng hai")
    image = send(client, "req-2", phone="0912345678", image_url="https://x.example/a.png")
    failed = send(client, "req-3", phone="0987654321")
    esms.settle(esms.submissions[0], 5, success=1)
    esms.settle(esms.submissions[1], 5)  # finished, no count yet
    esms.settle(esms.submissions[2], 5, failed=1)
    records = sent_data(client)
    assert [r.sms_id for r in records] == [failed.sms_id, image.sms_id, text.sms_id]
    assert [r.send_result for r in records] == [0, 2, 1]
    assert [r.content for r in records] == ["Hi", None, "Xin chào\r\nDòng hai"]
    assert [r.phone for r in records] == ["0987654321", "0912345678", "0901234567"]
    for record, submission in zip(records, reversed(esms.submissions), strict=True):
        assert record.sent_at == pytest.approx(submission.at, abs=0.001)


def test_sent_data_keeps_to_the_asked_window(client, esms):
    send(client)
    assert sent_data(client, since=60, until=120) == []
    assert sent_data(client, since=-7200, until=-3600) == []
    assert len(sent_data(client)) == 1
    wrong = EsmsClient(esms.url, "WRONG-KEY-123", SECRET_KEY, timeout_seconds=1)
    with pytest.raises(EsmsRefused) as caught:
        sent_data(wrong)
    assert caught.value.code == 101


def test_sent_data_reads_every_page(client, esms):
    esms.sent_data_page_limit = 2
    for index in range(5):
        send(client, f"req-{index}", phone=f"090123456{index}")
    records = sent_data(client)
    assert [r.phone for r in records] == [f"090123456{index}" for index in reversed(range(5))]
    assert [query["Page"] for query in esms.sent_data_queries] == [1, 2, 3]
    assert all(query["PageSize"] == 500 for query in esms.sent_data_queries)


def test_sent_data_reads_a_bounded_number_of_pages(client, esms, caplog):
    esms.sent_data_page_limit = 1
    for index in range(SENT_DATA_MAX_PAGES + 2):
        send(client, f"req-{index}", phone=f"0901234{index:03d}")
    with caplog.at_level(logging.WARNING, logger="bot.esms.client"):
        records = sent_data(client)
    assert len(records) == len(esms.sent_data_queries) == SENT_DATA_MAX_PAGES
    assert "gave up after 20 pages" in caplog.text and "0901234" not in caplog.text


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("/Date(1705484048995+0700)/", 1705484048.995),
        ("/Date(1705484048995)/", 1705484048.995),
        (None, None),
        ("", None),
        ("2024-01-17 16:34:08", None),
        ("/Date(soon+0700)/", None),
        (1705484048995, None),
    ],
)
def test_sent_time_is_read_or_left_unknown(raw, seconds):
    assert _dotnet_time(raw) == seconds
