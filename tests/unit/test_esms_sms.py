"""Customer-care SMS (SmsType 2), the fallback channel: the client against the eSMS stand-in,
which checks brandname, phone format, templates and RequestId reuse as eSMS does."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from bot.core.message import ViberMessage
from bot.esms.answers import sms_templates
from bot.esms.client import (
    SMS_CARE_TYPE,
    EsmsClient,
    EsmsRefused,
    EsmsUnavailable,
    SendAccepted,
    SmsTemplate,
)
from sandbox.standins.esms import API_KEY, BRANDNAME, SECRET_KEY, SMS_BRANDNAME, EsmsStandIn
from sandbox.standins.esms_outcomes import refusal
from sandbox.standins.esms_sms import matches
from sandbox.standins.http import Reply, StandIn
from tests.e2e.harness import wait_for

PHONE = "0901234567"
OTHER = "0912345678"
ORDER_TEXT = "Don hang A123 da san sang. Chi tiet: https://shop.example/a123"
_request_ids = itertools.count(1)


class Receiver(StandIn):
    """The app's callback route: keeps each query string it is called with."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[dict[str, list[str]]] = []
        self.callback_url = self.url + "esms/callback/secret"

    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes, headers: dict[str, str]
    ) -> Reply:
        with self.lock:
            self.queries.append({key: [value] for key, value in query.items()})
        return Reply(200, {"ok": True})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    stand_in = Receiver().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def client(esms: EsmsStandIn) -> EsmsClient:
    return EsmsClient(esms.url, API_KEY, SECRET_KEY, timeout_seconds=1)


def send_sms(
    client: EsmsClient,
    phone: str = PHONE,
    content: str = ORDER_TEXT,
    *,
    request_id: str | None = None,
    brandname: str = SMS_BRANDNAME,
    **options: object,
) -> SendAccepted:
    return client.send_sms(
        phone,
        content,
        brandname=brandname,
        request_id=request_id or f"sms-{next(_request_ids)}",
        **options,  # type: ignore[arg-type]
    )


def refused_code(call: object) -> EsmsRefused:
    with pytest.raises(EsmsRefused) as caught:
        call()  # type: ignore[operator]
    return caught.value


# -- sending ------------------------------------------------------------------------------------


def test_an_sms_matching_a_template_is_accepted_and_kept_apart_from_viber(client, esms):
    accepted = send_sms(client)
    assert accepted.sms_id and not accepted.duplicate
    (submission,) = esms.submissions
    assert (submission.channel, submission.code, submission.sms_id) == ("sms", 100, accepted.sms_id)
    assert esms.sms_to(PHONE) == [submission] == esms.sends_to(PHONE) == esms.accepted_for(PHONE)
    assert esms.viber_to(PHONE) == []
    assert client.send_status(accepted.sms_id).send_status == 2
    (receiver,) = client.receiver_status(accepted.sms_id)
    assert receiver.phone == PHONE


def test_the_stand_in_gets_exactly_the_documented_members(client, esms):
    send_sms(client, request_id="sms-a")
    send_sms(client, OTHER, request_id="sms-b", callback_url="https://bot.example/cb/secret")
    first, second = (s.body for s in esms.submissions)
    members = {
        "ApiKey",
        "SecretKey",
        "Brandname",
        "SmsType",
        "Phone",
        "Content",
        "IsUnicode",
        "Sandbox",
        "RequestId",
    }
    assert set(first) == members
    assert set(second) == members | {"CallbackUrl"}
    assert first == {
        "ApiKey": API_KEY,
        "SecretKey": SECRET_KEY,
        "Brandname": SMS_BRANDNAME,
        "SmsType": "2",
        "Phone": PHONE,
        "Content": ORDER_TEXT,
        "IsUnicode": "0",
        "Sandbox": "0",
        "RequestId": "sms-a",
    }
    assert second["CallbackUrl"] == "https://bot.example/cb/secret" and second["Phone"] == OTHER


def test_unicode_and_sandbox_flags_are_sent_as_one(client, esms):
    send_sms(client, unicode=True)
    send_sms(client, test_send=True)
    flags = [(s.body["IsUnicode"], s.body["Sandbox"]) for s in esms.submissions]
    assert flags == [("1", "0"), ("0", "1")]


def test_a_retry_with_the_same_request_id_is_a_duplicate_not_a_failure(client, esms):
    first = send_sms(client, request_id="sms-retry")
    again = send_sms(client, request_id="sms-retry")
    assert first.sms_id and not first.duplicate
    assert again == SendAccepted(sms_id=None, duplicate=True)
    assert len(esms.accepted) == 1 and [s.code for s in esms.submissions] == [100, 124]


def test_a_text_matching_no_template_is_refused_with_146(client, esms):
    refused = refused_code(lambda: send_sms(client, content="Khuyen mai lon hom nay!"))
    assert (refused.code, refused.error_message) == (146, "Sai template Brandname CSKH")
    assert "template" in str(refused) and "(146)" in str(refused)
    # a slot longer than its template allows does not match either
    too_long = "Ma xac nhan cua ban la 12345678901"
    assert refused_code(lambda: send_sms(client, content=too_long)).code == 146
    assert send_sms(client, content="Ma xac nhan cua ban la 1234567890").sms_id


def test_a_network_not_registered_for_the_brandname_is_177_for_sms_only(client, esms):
    esms.sms_refuse_phone[OTHER] = (177, "Network not registered for brandname")
    refused = refused_code(lambda: send_sms(client, OTHER))
    assert (refused.code, refused.error_message) == (177, "Network not registered for brandname")
    viber = client.send_viber(
        ViberMessage(text="Hi"), OTHER, brandname=BRANDNAME, request_id="viber-1"
    )
    assert viber.sms_id and esms.viber_to(OTHER)[0].code == 100
    esms.refuse_phone[PHONE] = (99, "Phone blocked")
    assert refused_code(lambda: send_sms(client, PHONE)).code == 99


def test_unknown_or_viber_only_brandnames_are_104(client, esms):
    assert refused_code(lambda: send_sms(client, brandname="NOBRAND")).code == 104
    assert refused_code(lambda: send_sms(client, brandname=BRANDNAME)).code == 104


def test_wrong_keys_are_101_and_never_quoted(esms):
    wrong = EsmsClient(esms.url, "WRONG-KEY-123", "WRONG-SECRET-456", timeout_seconds=1)
    refused = refused_code(lambda: send_sms(wrong))
    assert refused.code == 101 and "WRONG" not in str(refused)
    refused = refused_code(lambda: wrong.sms_templates(SMS_BRANDNAME))
    assert refused.code == 101 and "WRONG" not in str(refused)


@pytest.mark.parametrize("phone", ["84901234567", "0901234567;0912345678", "", "090123456"])
def test_a_phone_in_the_wrong_form_is_108(client, phone):
    assert refused_code(lambda: send_sms(client, phone)).code == 108


def test_several_comma_separated_phones_make_one_submission(client, esms):
    accepted = send_sms(client, f"{PHONE},{OTHER}")
    assert esms.sms_to(OTHER)[0].sms_id == accepted.sms_id == esms.sms_to(PHONE)[0].sms_id
    assert [row.phone for row in esms.recent()] == [PHONE, OTHER]


def test_balance_is_checked_after_the_template(client, esms):
    esms.balance = 0
    assert refused_code(lambda: send_sms(client, content="no template")).code == 146
    assert refused_code(lambda: send_sms(client)).code == 103


def test_line_breaks_go_as_crlf_and_match_a_template_with_newlines(client, esms):
    esms.sms_templates[SMS_BRANDNAME].append(
        {"NetworkID": 1, "TempContent": "Xin chao {P1,20}\nHen gap lai", "TempId": 99}
    )
    assert send_sms(client, content="Xin chao An\nHen gap lai").sms_id
    assert esms.submissions[-1].body["Content"] == "Xin chao An\r\nHen gap lai"


@pytest.mark.parametrize(
    ("failure", "words"), [("http500", "HTTP 500"), ("html", "not JSON"), ("timeout", "within 1 s")]
)
def test_unusable_answers_are_unavailable_and_name_no_secret(client, esms, failure, words):
    esms.next_failures = [failure]
    with pytest.raises(EsmsUnavailable, match=words) as caught:
        send_sms(client)
    message = str(caught.value)
    assert SECRET_KEY not in message and API_KEY not in message and esms.url not in message
    assert "SendMultipleMessage_V4_post_json" in message


@pytest.mark.parametrize("endpoint", ["sms", "viber"])
def test_160_can_be_forced_on_either_endpoint_then_sends_go_through(client, esms, endpoint):
    def send() -> SendAccepted:
        if endpoint == "sms":
            return send_sms(client)
        message = ViberMessage(text="Hi")
        return client.send_viber(message, PHONE, brandname=BRANDNAME, request_id="v-160")

    esms.force_next(160)
    refused = refused_code(send)
    assert (refused.code, refused.error_message) == (160, refusal(160)["ErrorMessage"])
    assert "per second" in refused.error_message and "(160)" in str(refused)
    assert send().sms_id


# -- templates ----------------------------------------------------------------------------------


def test_get_template_lists_the_brandnames_templates(client, esms):
    templates = client.sms_templates(SMS_BRANDNAME)
    assert templates == [
        SmsTemplate(12640, "Don hang {P1,20} da san sang. Chi tiet: {P2,100}", 1),
        SmsTemplate(12641, "Ma xac nhan cua ban la {P1,10}", 2),
        SmsTemplate(12642, "Thong bao tu {P1,20}: {P2,160}", 3),
    ]
    assert esms.template_queries == [
        {"ApiKey": API_KEY, "SecretKey": SECRET_KEY, "SmsType": "2", "Brandname": SMS_BRANDNAME}
    ]
    assert refused_code(lambda: client.sms_templates("NOBRAND")).code == 104


def test_a_brandname_without_templates_lists_none_and_refuses_every_text(client, esms):
    esms.sms_brandnames.append("EMPTYCSKH")
    assert client.sms_templates("EMPTYCSKH") == []
    assert refused_code(lambda: send_sms(client, brandname="EMPTYCSKH")).code == 146


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"BrandnameTemplates": [{"NetworkID": 2, "TempContent": "A {P1,5}", "TempId": 7}]}, 1),
        ({"CodeResponse": "100", "BrandnameTemplates": []}, 0),
        ({"CodeResult": 100, "BrandnameTemplates": None}, 0),
        (
            {
                "CodeResult": "100",
                "BrandnameTemplates": [
                    "junk",
                    {"TempContent": "no id"},
                    {"TempId": 8},
                    {"TempId": "9", "TempContent": "B {P1,3}"},
                    {"TempId": True, "TempContent": "bool id"},
                ],
            },
            1,
        ),
    ],
)
def test_get_template_answers_are_read_leniently(answer, expected):
    templates = sms_templates(answer)
    assert len(templates) == expected
    assert all(isinstance(t.template_id, int) and t.content for t in templates)


def test_get_template_refusals_and_unreadable_answers():
    with pytest.raises(EsmsRefused) as caught:
        sms_templates({"CodeResponse": "104", "BrandnameTemplates": []})
    assert caught.value.code == 104
    with pytest.raises(EsmsRefused):
        sms_templates({"CodeResult": "101", "ErrorMessage": "Authorize Failed"})
    with pytest.raises(EsmsUnavailable):
        sms_templates({"Something": "else"})
    with pytest.raises(EsmsUnavailable):
        sms_templates({"CodeResult": "soon", "BrandnameTemplates": []})
    assert sms_templates(
        {"BrandnameTemplates": [{"TempId": 5, "TempContent": "C {P1,2}", "NetworkID": None}]}
    ) == [SmsTemplate(5, "C {P1,2}", None)]


@pytest.mark.parametrize(
    ("content", "fits"),
    [
        ("Ma xac nhan cua ban la 1", True),
        ("Ma xac nhan cua ban la ", False),  # a slot is at least one character
        ("ma xac nhan cua ban la 1", False),  # literal parts are exact
        ("Ma xac nhan cua ban la 12345\r\n", True),  # \r\n compares as \n, inside a slot too
        ("Ma xac nhan cua ban la (.*)", True),  # the text is not a pattern
    ],
)
def test_template_slots(content, fits):
    assert matches(content, "Ma xac nhan cua ban la {P1,10}") is fits


# -- callbacks, queries, playing along ----------------------------------------------------------


def test_the_callback_of_an_sms_says_type_2_and_names_the_phone(client, esms, receiver):
    accepted = send_sms(client, callback_url=receiver.callback_url)
    answer = esms.callback(esms.sms_to(PHONE)[0], 5, success=1)
    assert answer.status_code == 200
    (query,) = receiver.queries
    assert query["TypeId"] == ["2"] and query["phonenumber"] == [PHONE]
    assert query["SMSID"] == [accepted.sms_id] and query["SendStatus"] == ["5"]
    client.send_viber(
        ViberMessage(text="Hi"),
        OTHER,
        brandname=BRANDNAME,
        request_id="v-cb",
        callback_url=receiver.callback_url,
    )
    esms.callback(esms.viber_to(OTHER)[0], 5, success=1)
    assert receiver.queries[1]["TypeId"] == ["23"]


def test_sent_data_finds_sms_sends_only_when_asked_for_them(client, esms):
    sms = send_sms(client)
    viber = client.send_viber(ViberMessage(text="Hi"), OTHER, brandname=BRANDNAME, request_id="v")
    now = time.time()
    since, until = datetime.fromtimestamp(now - 600, UTC), datetime.fromtimestamp(now + 60, UTC)
    [sms_record] = client.sent_data(since, until, sms_type=SMS_CARE_TYPE)
    [viber_record] = client.sent_data(since, until)
    assert (sms_record.sms_id, sms_record.phone, sms_record.content) == (
        sms.sms_id,
        PHONE,
        ORDER_TEXT,
    )
    assert viber_record.sms_id == viber.sms_id
    assert [q["SmsType"] for q in esms.sent_data_queries] == ["2", "23"]


def test_playing_along_a_phone_can_fail_on_viber_and_get_its_sms(esms, client, receiver):
    esms.auto_deliver_seconds = 0.2
    esms.choose(PHONE, "fail")
    esms.choose_sms("+84 90 123 4567", "deliver")
    message = ViberMessage(text="Hi")
    client.send_viber(
        message, PHONE, brandname=BRANDNAME, request_id="v-1", callback_url=receiver.callback_url
    )
    send_sms(client, callback_url=receiver.callback_url)
    wait_for(lambda: len(receiver.queries) == 2, timeout=5)
    by_type = {q["TypeId"][0]: q for q in receiver.queries}
    assert (by_type["23"]["SendSuccess"], by_type["23"]["SendFailed"]) == (["0"], ["1"])
    assert (by_type["2"]["SendSuccess"], by_type["2"]["SendFailed"]) == (["1"], ["0"])
    wait_for(lambda: all(row.callback_result for row in esms.recent(2)), timeout=5)
    rows = [(r.channel, r.phone, r.status, r.outcome) for r in esms.recent(2)]
    assert rows == [("sms", PHONE, "delivered", "deliver"), ("viber", PHONE, "failed", "fail")]


def test_the_sms_endpoint_takes_only_json(esms):
    answer = requests.post(esms.url + "SendMultipleMessage_V4_post_json/", data=b"{", timeout=5)
    assert answer.status_code == 400
    wrong_type = {
        "ApiKey": API_KEY,
        "SecretKey": SECRET_KEY,
        "SmsType": "23",
        "Brandname": SMS_BRANDNAME,
        "Phone": PHONE,
        "Content": ORDER_TEXT,
    }
    answer = requests.post(
        esms.url + "SendMultipleMessage_V4_post_json/", json=wrong_type, timeout=5
    )
    assert answer.json()["CodeResult"] == "118"
