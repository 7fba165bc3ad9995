"""The eSMS client against the loopback eSMS stand-in: typed results, typed errors, no secrets."""

import pytest

from bot.core.message import ViberMessage
from bot.esms.client import EsmsClient, EsmsRefused, EsmsUnavailable
from tests.stand_ins.esms import API_KEY, BRANDNAME, SECRET_KEY


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
