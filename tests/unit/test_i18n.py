"""The catalog: complete in both languages, same placeholders, every key the code uses exists."""

import re
import string
from pathlib import Path

import pytest

from bot.core import i18n
from bot.core.draft import check_draft
from bot.core.formatting import format_number, format_vnd
from bot.core.message import ViberMessage
from bot.esms import codes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def vietnamese():
    i18n.use("vi")
    yield
    i18n.use("en")


def placeholders(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(i18n.CATALOG))
def test_each_sentence_exists_in_both_languages_with_the_same_placeholders(key):
    english, vietnamese = i18n.CATALOG[key]
    assert english.strip() and vietnamese.strip()
    assert placeholders(english) == placeholders(vietnamese)


def test_every_key_the_code_asks_for_is_in_the_catalog():
    used = set()
    for path in (ROOT / "bot").rglob("*.py"):
        # Either quote, as the formatter leaves them inside f-strings; keys built at run time
        # (`_(f"state.{state}")`) are checked by the next test.
        used |= set(re.findall(r"""\b_\(\s*(["'])([a-z_.0-9]+)\1""", path.read_text()))
    used = {key for _, key in used}
    assert used, "no catalog lookups found"
    assert used - set(i18n.CATALOG) == set()


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError):
        i18n.use("fr")


def test_validation_speaks_vietnamese(vietnamese):
    draft = check_draft(
        "12345", ViberMessage.from_fields(text="Chào", image_url="https://x.example/a.png")
    )
    assert draft.errors["recipients"].startswith("12345 không phải số di động Việt Nam")
    assert "cần thêm nút" in draft.errors["button_label"]
    assert codes.describe(103) == "không đủ số dư (103)"


def test_numbers_and_money_for_each_language():
    assert (
        format_number(1234567, "vi") == "1.234.567" and format_number(1234567, "en") == "1,234,567"
    )
    assert format_vnd(36693) == "36.693 ₫"


def test_keys_built_at_run_time_exist():
    from bot.core.delivery import State
    from bot.posts.composer_values import FIELD_BLOCKS

    assert {f"state.{state}" for state in State} <= set(i18n.CATALOG)
    assert {f"field.{field}" for field in FIELD_BLOCKS[:5]} <= set(i18n.CATALOG)
    assert {"decision.approved", "decision.rejected"} <= set(i18n.CATALOG)


def test_every_esms_result_code_shown_to_people_has_a_sentence_in_both_languages():
    from bot.esms.codes import ResultCode

    for code in ResultCode:
        if code != ResultCode.ACCEPTED:
            assert f"code.{code.value}" in i18n.CATALOG, code
            assert codes.describe(code.value).endswith(f"({code.value})")
