"""Every way people write a number, found and masked (hypothesis); the keyed digest, stable
and keyed; a callback's query kept without its number."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.callback import without_phone
from bot.core.privacy import digest, is_digest
from bot.core.written_forms import holds, mask_stored, mask_written, prefilter

PREFIXES = ("0", "+84", "84", "+84 ", "(+84) ", "0084", "+84 (0)", "(0", "%2B84")
SEPARATORS = ("", " ", ".", "-", "\u00a0")
numbers = st.builds(
    lambda head, rest: f"0{head}{rest}",
    st.sampled_from(["90", "91", "93", "96", "98", "86", "32", "33", "70", "79", "81", "56"]),
    st.text("0123456789", min_size=7, max_size=7),
)
# What may stand around a number: words, never a digit touching it.
around = st.text(st.characters(blacklist_categories=("Nd", "Cs")), max_size=20)


@st.composite
def written(draw: st.DrawFn, phone: str) -> str:
    """The number as a person might write it: a prefix, its nine digits in groups, any
    separator between the groups, full-width digits sometimes."""
    national = phone[1:]
    prefix = draw(st.sampled_from(PREFIXES))
    if prefix == "(0":  # (090) 123 4567: the network's code in brackets
        prefix, national = f"(0{national[:2]}) ", national[2:]
    cuts = sorted(draw(st.sets(st.integers(1, len(national) - 1), max_size=4)))
    bounds = zip([0, *cuts], [*cuts, len(national)], strict=True)
    groups = [national[a:b] for a, b in bounds]
    separator = draw(st.sampled_from(SEPARATORS))
    text = prefix + separator.join(groups)
    if not prefix.startswith("%") and draw(st.booleans()):  # pasted from a full-width input
        text = "".join(chr(ord(c) - ord("0") + ord("０")) if c.isdigit() else c for c in text)
    return text


@settings(max_examples=300)
@given(st.data(), numbers, around, around)
def test_every_written_form_of_a_number_is_masked(data, phone, before, after):
    form = data.draw(written(phone))
    text = f"{before} {form} {after}"  # a word apart: "+" or "00" just before would be its own
    masked = mask_written(text, phone)
    assert masked == f"{before} •••••••{phone[-3:]} {after}"
    assert holds(text, phone) and not holds(masked, phone)


def test_brackets_of_the_sentence_stay_and_the_numbers_own_go():
    phone = "0901234567"
    assert mask_written("(0901234567)", phone) == "(•••••••567)"
    assert mask_written("gọi (090) 123 4567.", phone) == "gọi •••••••567."
    assert mask_written("(+84) 901 234 567", phone) == "•••••••567"


@settings(max_examples=200)
@given(st.data(), numbers, numbers)
def test_another_number_is_left_as_it_is(data, phone, other):
    form = data.draw(written(other))
    if other[1:] == phone[1:]:
        return
    assert mask_written(f"gọi {form} nhé", phone) == f"gọi {form} nhé"


@given(numbers, st.text("0123456789", min_size=1, max_size=4))
def test_a_number_inside_a_longer_run_of_digits_is_not_it(phone, extra):
    texts = [phone + extra, f"x{phone[1:]}{extra}"]
    if not extra.endswith(("0", "84")):  # those read as its prefix
        texts += [extra + phone, extra + phone[1:]]
    for text in texts:
        assert mask_written(text, phone) == text


@given(numbers)
def test_json_is_masked_string_by_string_even_with_escapes_between_digits(phone):
    spaced = f"{phone[:4]}\u00a0{phone[4:7]}\u00a0{phone[7:]}"
    blocks = json.dumps([{"type": "section", "text": {"type": "mrkdwn", "text": spaced}}])
    assert "\\u00a0" in blocks  # escaped: the raw JSON alone would hide it
    masked = mask_stored(blocks, phone)
    assert json.loads(masked)[0]["text"]["text"] == "•••••••" + phone[-3:]
    assert mask_stored("plain, no number", phone) == "plain, no number"
    assert mask_stored(None, phone) is None


@given(numbers)
def test_the_prefilter_matches_every_text_that_holds_the_number(phone):
    ascii_like, wide_like = prefilter(phone)
    assert ascii_like == f"%{phone[-2:]}%" and wide_like.startswith("%") and len(wide_like) == 4


def test_the_digest_is_stable_keyed_and_no_plain_hash():
    key, other_key = "k" * 40, "j" * 40
    first = digest(key, "0901234567")
    assert first == digest(key, "0901234567") and is_digest(first)
    assert first != digest(other_key, "0901234567") != digest(key, "0901234568")
    assert first[2:] not in hashlib.sha256(b"0901234567").hexdigest()
    assert not is_digest("0901234567") and not is_digest("h:xyz")


def test_a_callback_kept_for_an_erased_number_loses_only_its_number():
    query = "SMSID=S1&SendStatus=5&phonenumber=84901234567&SendSuccess=1"
    assert without_phone(query) == "SMSID=S1&SendStatus=5&SendSuccess=1"
