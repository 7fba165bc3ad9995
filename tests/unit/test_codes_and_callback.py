import pytest

from bot.core.callback import CallbackError, parse_callback, secret_matches
from bot.esms import codes

GOOD = (
    "SMSID=849fe08c19294b02857cf91687021a50250&SendFailed=0&SendStatus=5&SendSuccess=1"
    "&TotalPrice=470.0000&TotalReceiver=1&TotalSent=1&RequestId=&TypeId=23&telcoid=2&phonenumber=0901888484"
)


def test_known_codes_read_as_words_with_their_number():
    assert codes.describe(103) == "insufficient balance (103)"
    assert codes.describe("101") == "wrong eSMS ApiKey or SecretKey (101)"


def test_unknown_codes_keep_esms_error_message():
    assert codes.describe(777, "Something odd") == "Something odd (code 777)"
    assert codes.describe(777) == "unknown eSMS result (code 777)"


def test_documented_callback_parses():
    callback = parse_callback(GOOD)
    assert callback.sms_id == "849fe08c19294b02857cf91687021a50250"
    assert (callback.send_status, callback.success, callback.failed) == (5, 1, 0)
    assert callback.request_id is None
    assert callback.phone == "0901888484"
    assert callback.total_price == 470.0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "SendStatus=5",
        "SMSID=abc",
        "SMSID=abc&SendStatus=five",
        "SMSID=abc&SendStatus=-1",
        "SMSID=abc&SendStatus=5&SendSuccess=1.5",
        "SMSID=a%20b&SendStatus=5",
        "SMSID=abc&SendStatus=5&SendStatus=7",
        "SMSID=abc&SendStatus=5&TotalPrice=NaN",
        "SMSID=abc&SendStatus=five&phonenumber=<script>",
        "SMSID=abc&SendStatus=%EF%BC%95",
        "SMSID=" + "a" * 5000 + "&SendStatus=5",
    ],
)
def test_malformed_callbacks_are_refused_with_a_reason(query):
    with pytest.raises(CallbackError):
        parse_callback(query)


@pytest.mark.parametrize(
    "phone", ["<script>", "unknown", "090-188-8484", "12345", "%EF%BC%90901888484"]
)
def test_an_odd_phonenumber_is_left_out_and_the_callback_kept(phone):
    callback = parse_callback(f"SMSID=abc&SendStatus=5&SendSuccess=1&phonenumber={phone}")
    assert (callback.sms_id, callback.send_status, callback.success) == ("abc", 5, 1)
    assert callback.phone is None


def test_secret_check_accepts_any_configured_secret():
    assert secret_matches("new-secret-value", ["old-secret-value", "new-secret-value"])
    assert not secret_matches("guess", ["old-secret-value"])
    assert not secret_matches("", ["old-secret-value"])
