import pytest

from bot.core.phones import MAX_RECIPIENTS, mask_phone, normalize_phone, parse_recipients


@pytest.mark.parametrize(
    "typed",
    [
        "0901234567",
        "0901 234 567",
        "84901234567",
        "+84 901 234 567",
        "+84901234567",
        "090-123-4567",
    ],
)
def test_accepted_forms_normalize_to_domestic(typed):
    assert normalize_phone(typed) == "0901234567"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "0281234567",
        "+14155550100",
        "090123456",
        "09012345678",
        "abc",
        "0901234567x",
        "+" + "9" * 40,
    ],
)
def test_rejects_what_is_not_a_vietnamese_mobile(typed):
    assert normalize_phone(typed) is None


def test_list_splits_on_commas_semicolons_and_lines_and_collapses_duplicates():
    result = parse_recipients("0901234567, +84 901 234 567\n0912345678;84912345678\n\n")
    assert result.phones == ("0901234567", "0912345678")
    assert result.invalid == ()


def test_each_invalid_number_is_kept_once_in_order():
    result = parse_recipients("123, 0901234567, abc, 123")
    assert result.invalid == ("123", "abc")
    assert result.phones == ("0901234567",)


def test_too_many_counts_distinct_numbers():
    numbers = [f"09{index:08d}" for index in range(MAX_RECIPIENTS + 1)]
    assert parse_recipients(",".join(numbers)).too_many
    assert not parse_recipients(",".join(numbers[:MAX_RECIPIENTS] * 2)).too_many


def test_mask_shows_last_three_digits_only():
    assert mask_phone("0901234567") == "•••••••567"


@pytest.mark.parametrize(
    "typed",
    [
        "０９０１２３４５６７",  # full-width digits (Japanese and Chinese input methods)
        "＋８４ ９０１ ２３４ ５６７",
        "＋84\u3000901\u3000234\u3000567",  # ideographic spaces
        "０９０－１２３－４５６７",  # full-width hyphens
        "٠٩٠١٢٣٤٥٦٧",  # Arabic-Indic digits
        "۰۹۰۱۲۳۴۵۶۷",  # Persian digits
        "090 123\u00a04567",  # a no-break space from a pasted table
    ],
)
def test_unicode_digits_and_full_width_signs_are_read_as_ascii(typed):
    assert normalize_phone(typed) == "0901234567"


@pytest.mark.parametrize("typed", ["⁰⁹⁰¹²³⁴⁵⁶⁷", "⓪⑨⓪①②③④⑤⑥⑦", "0901234567\u200b"])
def test_look_alike_digits_that_are_not_decimal_digits_are_refused(typed):
    assert normalize_phone(typed) is None


def test_full_width_lists_split_and_invalid_items_are_shown_as_typed():
    result = parse_recipients("０９０１２３４５６７，０９１２３４５６７８；１２３")
    assert result.phones == ("0901234567", "0912345678")
    assert result.invalid == ("１２３",)
