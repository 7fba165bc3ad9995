"""Property-based tests: whatever people type or the internet sends, the pure core stays sane."""

import contextlib
import unicodedata
from urllib.parse import urlencode, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.callback import CallbackError, parse_callback
from bot.core.command_text import (
    HISTORY_MAX,
    Command,
    HistoryLookup,
    QuickSend,
    StatusLookup,
    parse_command,
    slack_markup_to_text,
)
from bot.core.delivery import FINAL_STATES, State, merge, state_for_status
from bot.core.draft import check_draft
from bot.core.message import ViberMessage, validate_message
from bot.core.phones import normalize_phone, parse_recipients

FIELDS = ("recipients", "text", "image_url", "button_label", "button_url")
anything = st.text(max_size=300)
mobile_digits = st.sampled_from(
    [
        "90",
        "91",
        "93",
        "96",
        "97",
        "98",
        "86",
        "88",
        "32",
        "33",
        "70",
        "79",
        "81",
        "83",
        "85",
        "56",
        "58",
    ]
)


@given(anything)
def test_phone_normalization_never_crashes_and_yields_domestic_form(raw):
    phone = normalize_phone(raw)
    assert phone is None or (len(phone) == 10 and phone.startswith("0") and phone.isdigit())


@given(
    mobile_digits,
    st.integers(min_value=0, max_value=9_999_999),
    st.sampled_from(["0{}", "84{}", "+84 {}", "+84{}"]),
)
def test_every_spelling_of_a_mobile_normalizes_to_the_same_number(prefix, rest, spelling):
    national = f"{prefix}{rest:07d}"
    assert normalize_phone(spelling.format(national)) == f"0{national}"


@given(st.lists(anything, max_size=20))
def test_recipient_lists_partition_what_was_typed(items):
    result = parse_recipients(",".join(items))
    assert len(set(result.phones)) == len(result.phones)
    assert all(normalize_phone(phone) == phone for phone in result.phones)
    assert all(normalize_phone(item) is None for item in result.invalid)


@settings(max_examples=300)
@given(st.fixed_dictionaries({name: st.one_of(st.just(""), anything) for name in FIELDS}))
def test_composer_values_either_pass_or_name_the_field_at_fault(values):
    message = ViberMessage.from_fields(
        values["text"], values["image_url"], values["button_label"], values["button_url"]
    )
    draft = check_draft(values["recipients"], message)
    assert set(draft.errors) <= set(FIELDS)
    assert all(isinstance(text, str) and 0 < len(text) <= 2000 for text in draft.errors.values())
    if draft.ok:
        assert message.shape is not None and 1 <= len(draft.phones) <= 50
        assert validate_message(message) == {}


command_word = st.sampled_from(
    ["status", "STATUS", "history", "History", "balance", "template", "templates", "help", "?"]
)
command_text = st.one_of(
    anything, st.tuples(command_word, st.sampled_from([" ", "\t", "  "]), anything).map("".join)
)


@given(command_text)
def test_command_text_always_means_something(text):
    result = parse_command(text)
    assert isinstance(result, Command)
    if isinstance(result, QuickSend):
        assert result.recipients and any(char.isdigit() for char in result.recipients)
    if isinstance(result, HistoryLookup):
        assert 1 <= result.count <= HISTORY_MAX
    if isinstance(result, StatusLookup):
        assert result.query == result.query.strip()


@given(
    st.text(min_size=1, max_size=200).filter(lambda t: t.strip() and "&" not in t and "<" not in t)
)
def test_quick_send_text_arrives_unchanged(text):
    result = parse_command(f"0901234567 {text}")
    assert result == QuickSend("0901234567", text.strip())


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "SMSID",
                "SendStatus",
                "SendSuccess",
                "SendFailed",
                "RequestId",
                "phonenumber",
                "telcoid",
                "TotalPrice",
                "x",
            ]
        ),
        anything,
        max_size=9,
    )
)
def test_callback_queries_parse_or_are_refused_with_a_reason(fields):
    query = urlencode(fields)
    try:
        callback = parse_callback(query)
    except CallbackError as error:
        assert str(error)
        return
    assert callback.send_status >= 0 and (callback.sms_id or callback.request_id)


@given(anything)
def test_whatever_phonenumber_comes_the_smsid_callback_is_applied(phone):
    callback = parse_callback("SMSID=abc&SendStatus=5&" + urlencode({"phonenumber": phone}))
    assert callback.sms_id == "abc" and callback.send_status == 5
    assert callback.phone is None or callback.phone.lstrip("+").isdigit()


@given(st.binary(max_size=300))
def test_raw_callback_bytes_never_crash_the_parser(raw):
    with contextlib.suppress(CallbackError):
        parse_callback(raw.decode("latin-1"))


states = st.sampled_from(list(State))


@given(
    states,
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 1), st.integers(0, 1)), max_size=12),
)
def test_statuses_in_any_order_never_leave_a_final_state(start, statuses):
    state = start
    seen_final = start in FINAL_STATES
    for status, success, failed in statuses:
        new_state = merge(state, state_for_status(status, success, failed))
        if seen_final:
            assert new_state == state
        seen_final = seen_final or new_state in FINAL_STATES
        state = new_state


_FULL_WIDTH = str.maketrans("0123456789+ ", "０１２３４５６７８９＋\u3000")


@given(
    mobile_digits,
    st.integers(min_value=0, max_value=9_999_999),
    st.sampled_from(["0{}", "84{}", "+84 {}", "+84{}"]),
)
def test_a_mobile_typed_in_full_width_reads_as_the_same_number(prefix, rest, spelling):
    national = f"{prefix}{rest:07d}"
    assert normalize_phone(spelling.format(national).translate(_FULL_WIDTH)) == f"0{national}"


@given(st.fixed_dictionaries({name: anything for name in FIELDS[1:]}))
def test_composed_and_decomposed_input_make_the_same_message(values):
    def build(form):
        return ViberMessage.from_fields(
            **{name: unicodedata.normalize(form, value) for name, value in values.items()}
        )

    composed, decomposed = build("NFC"), build("NFD")
    assert composed == decomposed
    assert validate_message(composed) == validate_message(decomposed)


@given(st.text(max_size=300))
def test_text_that_slack_escaped_comes_back_as_typed(typed):
    slack_sent = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert slack_markup_to_text(slack_sent) == typed


@settings(max_examples=300)
@given(
    st.one_of(
        anything,
        st.tuples(
            st.sampled_from(["https://", "http://", "https://[", "https://a@"]), anything
        ).map("".join),
    )
)
def test_a_link_that_validates_is_one_slack_and_viber_read_the_same_way(url):
    message = ViberMessage.from_fields(text="Hi", button_label="Go", button_url=url)
    if "button_url" in validate_message(message):
        return
    link = message.button_url
    assert not any(char in link for char in "|<>") and not any(char.isspace() for char in link)
    assert all(unicodedata.category(char) not in ("Cc", "Cf") for char in link)
    parts = urlsplit(link)
    assert parts.hostname and "@" not in parts.netloc
