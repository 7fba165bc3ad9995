import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.message import ViberMessage
from bot.core.sms_text import (
    SmsTemplate,
    fallback_text,
    fill_template,
    is_gsm7,
    matching_template,
    segments,
    slot_values,
    slots,
    strip_diacritics,
    template_matches,
)

URL = "https://example.com/offer"
IMG = "https://example.com/banner.png"


# --- diacritics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vietnamese", "plain"),
    [
        ("Chào chị Lan, đơn hàng Đã sẵn sàng", "Chao chi Lan, don hang Da san sang"),
        (
            "ƯU ĐÃI ĐẶC BIỆT CHO KHÁCH HÀNG THÂN THIẾT",
            "UU DAI DAC BIET CHO KHACH HANG THAN THIET",
        ),
        (
            "Ơn giời, cậu đây rồi! Mười người ở Hà Nội.",
            "On gioi, cau day roi! Muoi nguoi o Ha Noi.",
        ),
        (
            "Quý khách vui lòng thanh toán trước ngày 15/7 (mã: ĐH-0042)?",
            "Quy khach vui long thanh toan truoc ngay 15/7 (ma: DH-0042)?",
        ),
        ("Nguyễn Thị Ỷ, Đường Lê Lợi, Quận 1", "Nguyen Thi Y, Duong Le Loi, Quan 1"),
        ("Ửng hồng, Ợ chua, ĂN Ỡ ĐẤY", "Ung hong, O chua, AN O DAY"),
        ("Already plain 123 @ $", "Already plain 123 @ $"),
        ("", ""),
    ],
)
def test_strips_vietnamese_sentences(vietnamese, plain):
    assert strip_diacritics(vietnamese) == plain
    assert is_gsm7(strip_diacritics(vietnamese))


_VOWELS = {"a": "aăâ", "e": "eê", "i": "i", "o": "oôơ", "u": "uư", "y": "y"}
_TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]  # ngang huyền sắc ngã hỏi nặng


@pytest.mark.parametrize("tone", _TONES)
@pytest.mark.parametrize("plain", sorted(_VOWELS))
def test_strips_every_tone_from_every_vowel_in_both_cases(plain, tone):
    for vowel in _VOWELS[plain]:
        for letter, expected in ((vowel, plain), (vowel.upper(), plain.upper())):
            composed = unicodedata.normalize("NFC", letter + tone)
            assert len(composed) == 1  # the precomposed letter a keyboard produces
            assert strip_diacritics(composed) == expected
            assert strip_diacritics(unicodedata.normalize("NFD", composed)) == expected


def test_stroked_d_is_replaced_explicitly():
    assert strip_diacritics("đĐ") == "dD"


# --- GSM-7 and segments -------------------------------------------------------------------------


def test_gsm7_alphabet():
    assert is_gsm7("Hello @£$¥ ΔΩ ÄÖÑÜ§ äöñüà ¿¡ \n\r")
    assert is_gsm7("^{}\\[~]|€")  # extension table
    assert is_gsm7("Chào")  # à is in the basic set, unlike most Vietnamese letters
    assert not is_gsm7("chị")
    assert not is_gsm7("ơ")
    assert not is_gsm7("đ")
    assert not is_gsm7("`")
    assert not is_gsm7("😀")
    assert not is_gsm7("\x1b")


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        ("ạ", 1),
        ("ạ" * 70, 1),
        ("ạ" * 71, 2),
        ("ạ" * 134, 2),
        ("ạ" * 135, 3),
        ("a" * 69 + "ơ", 1),
        ("a" * 70 + "đ", 2),  # one Vietnamese letter turns all 71 characters into UCS-2
        ("€" * 80, 1),  # 160 places
        ("€" * 81, 2),
        ("a" * 159 + "[", 2),
        ("a" * 158 + "[", 1),
        ("a" * 304 + "~", 2),
        ("a" * 305 + "~", 3),
        ("a" * 152 + "€" + "a" * 152, 3),  # 306 places, but € cannot be split between parts
        ("😀" * 35, 1),  # two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_segments_at_the_boundaries(text, count):
    assert segments(text) == count


# --- templates ----------------------------------------------------------------------------------

READY = "Don hang {P1,20} da san sang"


@pytest.mark.parametrize(
    ("template", "text", "matches"),
    [
        (READY, "Don hang DH123 da san sang", True),
        (READY, "Don hang " + "x" * 20 + " da san sang", True),
        (READY, "Don hang " + "x" * 21 + " da san sang", False),  # slot too long
        (READY, "Don hang  da san sang", False),  # empty slot value refused
        (READY, "Don hang DH123 da san sang!", False),  # the whole text must match
        (READY, "Xin chao. Don hang DH123 da san sang", False),
        (READY, "don hang DH123 da san sang", False),  # literal mismatch
        (READY, "Don hang DH 1/2 (x)? da san sang", True),  # anything but a line break
        (READY, "Don hang DH\n123 da san sang", False),
        (
            "Ma OTP la {P1,6}. Het han sau 5 phut (?)",
            "Ma OTP la 123456. Het han sau 5 phut (?)",
            True,
        ),
        (
            "Ma OTP la {P1,6}. Het han sau 5 phut (?)",
            "Ma OTP la 123456x Het han sau 5 phut (?)",
            False,
        ),
        ("Gia: 10.000d*", "Gia: 10.000d*", True),
        ("Gia: 10.000d*", "Gia: 10x000d", False),  # "." and "*" are not patterns
        ("a+b [c] ^$ |", "a+b [c] ^$ |", True),
        ("a+b [c] ^$ |", "aab [c] ^$ |", False),
        ("Xin chao\r\n{P1,10}\r\nCam on", "Xin chao\nLan\nCam on", True),
        ("Xin chao\n{P1,10}\nCam on", "Xin chao\r\nLan\r\nCam on", True),
        ("Xin chao\n{P1,10}", "Xin chao Lan", False),
        ("Ma {P1} cua ban", "Ma {P1} cua ban", True),  # malformed: literal
        ("Ma {P1} cua ban", "Ma 123 cua ban", False),
        ("Ma {x} cua ban", "Ma {x} cua ban", True),
        ("Ma {x} cua ban", "Ma 1 cua ban", False),
        ("Ma {P1,} {p1,5} {P1, 5} {P1,0}", "Ma {P1,} {p1,5} {P1, 5} {P1,0}", True),
        ("Ma {P1,0}", "Ma 1", False),
        ("{P1,3}{P2,3}", "abcdef", True),
        ("{P1,3}{P2,3}", "abcdefg", False),
        ("{P1,3}{P2,3}", "a", False),
        ("{P1,3}{P2,3}", "ab", True),
        ("{P1,5}-{P2,5}", "a-b-c", True),  # a slot may hold the separator that follows it
        ("Hello", "Hello", True),
        ("", "", True),
        ("", "x", False),
    ],
)
def test_template_matches(template, text, matches):
    assert template_matches(template, text) is matches


def test_many_adjacent_long_slots_fail_quickly():
    template = "{P1,100}" * 30 + "!"
    assert not template_matches(template, "x" * 1000)


def test_matching_template_picks_the_first_that_fits():
    templates = [
        SmsTemplate(1, "Ma OTP la {P1,6}"),
        SmsTemplate(2, "Don hang {P1,20} da san sang", network_id=1),
        SmsTemplate(3, "Don hang {P1,50} da san sang"),
        SmsTemplate(4, "{P1,200}"),
    ]
    assert matching_template(templates, "Don hang DH1 da san sang") is templates[1]
    assert matching_template(templates, "Don hang " + "x" * 30 + " da san sang") is templates[2]
    assert matching_template(templates, "Hello") is templates[3]
    assert matching_template(templates[:3], "Hello") is None
    assert matching_template([], "Hello") is None


def test_slots_in_order_of_appearance():
    assert slots("A {P2,10} b {P1,5} c {P2,10} {P3} {P4,0}") == [(2, 10), (1, 5), (2, 10)]
    assert slots("no slots") == []


@pytest.mark.parametrize(
    ("template", "values", "filled"),
    [
        (READY, ["DH123"], "Don hang DH123 da san sang"),
        ("Ma {P1,6}", ["1234567890"], "Ma 123456"),  # cut to the slot's length
        ("Chao {P1,10}, ma {P2,100}", ["Lan"], "Chao Lan, ma {P2,100}"),  # left as written
        ("Chao {P1,10}, ma {P2,100}", [], "Chao {P1,10}, ma {P2,100}"),
        ("Chao {P1,10}, ma {P2,100}", ["", "X"], "Chao {P1,10}, ma X"),  # empty: as written
        ("{P1,5} va {P1,5}", ["one", "two"], "one va two"),  # by position, not by number
        ("{P2,5} va {P1,5}", ["first", "second"], "first va secon"),
        ("Ma {P1} {x} {P1,3}", ["abcd"], "Ma {P1} {x} abc"),
        ("Khong co cho trong", ["a", "b"], "Khong co cho trong"),
    ],
)
def test_fill_template(template, values, filled):
    assert fill_template(template, values) == filled


_ONE_LINE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
    min_size=1,
)


@given(values=st.lists(_ONE_LINE, min_size=3, max_size=3))
def test_a_filled_template_matches_it(values):
    template = "Chao {P1,10}.\r\nDon {P2,20} (so {P1,10}) da xong?"
    assert template_matches(template, fill_template(template, values))


# --- from a Viber message -----------------------------------------------------------------------


def test_fallback_text_is_the_text_then_the_link_after_a_space():
    message = ViberMessage.from_fields(
        text="Chào chị Lan,\nđơn hàng đã sẵn sàng", button_label="Xem", button_url=URL
    )
    assert fallback_text(message, ascii_only=False) == (
        f"Chào chị Lan,\nđơn hàng đã sẵn sàng {URL}"
    )
    assert fallback_text(message, ascii_only=True) == f"Chao chi Lan,\ndon hang da san sang {URL}"


def test_fallback_text_keeps_the_link_as_it_is():
    link = "https://shop.vn/khuyến-mãi"
    message = ViberMessage.from_fields(text="Ưu đãi", button_label="Xem", button_url=link)
    assert fallback_text(message, ascii_only=True) == f"Uu dai {link}"


def test_fallback_text_without_a_button_or_without_text():
    assert fallback_text(ViberMessage.from_fields(text="Chào"), ascii_only=False) == "Chào"
    assert fallback_text(ViberMessage.from_fields(image_url=IMG), ascii_only=False) == ""
    assert fallback_text(ViberMessage.from_fields(image_url=IMG), ascii_only=True) == ""
    assert fallback_text(ViberMessage(), ascii_only=True) == ""
    image_and_button = ViberMessage.from_fields(
        text="Đã giảm giá", image_url=IMG, button_label="Mua", button_url=URL
    )
    assert fallback_text(image_and_button, ascii_only=True) == f"Da giam gia {URL}"


def test_slot_values_take_the_first_line_and_the_link():
    message = ViberMessage.from_fields(
        text="  Đơn DH123 đã sẵn sàng  \nCảm ơn chị", button_label="Xem", button_url=URL
    )
    assert slot_values(message, ascii_only=False) == ["Đơn DH123 đã sẵn sàng", URL]
    assert slot_values(message, ascii_only=True) == ["Don DH123 da san sang", URL]
    assert slot_values(ViberMessage.from_fields(text="Chào"), ascii_only=True) == ["Chao"]
    assert slot_values(ViberMessage.from_fields(image_url=IMG), ascii_only=False) == []


def test_slot_values_fill_a_template():
    message = ViberMessage.from_fields(text="DH123", button_label="Xem", button_url=URL)
    template = "Don hang {P1,20} da san sang, xem tai {P2,100}"
    filled = fill_template(template, slot_values(message, ascii_only=True))
    assert filled == f"Don hang DH123 da san sang, xem tai {URL}"
    assert template_matches(template, filled)
    assert segments(filled) == 1
