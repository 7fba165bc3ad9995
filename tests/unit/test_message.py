import unicodedata

import pytest

from bot.core.message import MAX_LABEL, MAX_TEXT, Shape, ViberMessage, validate_message

IMG = "https://example.com/banner.png"
URL = "https://example.com/offer"


@pytest.mark.parametrize(
    ("fields", "shape"),
    [
        ({"text": "Hi"}, Shape.TEXT),
        ({"text": "Hi", "button_label": "Go", "button_url": URL}, Shape.TEXT_BUTTON),
        ({"image_url": IMG}, Shape.IMAGE),
        (
            {"text": "Hi", "image_url": IMG, "button_label": "Go", "button_url": URL},
            Shape.TEXT_IMAGE_BUTTON,
        ),
    ],
)
def test_the_four_allowed_shapes_validate(fields, shape):
    message = ViberMessage.from_fields(**fields)
    assert message.shape is shape
    assert validate_message(message) == {}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "text"),
        ({"text": "Hi", "image_url": IMG}, "button_label"),
        ({"image_url": IMG, "button_label": "Go", "button_url": URL}, "text"),
        ({"button_label": "Go", "button_url": URL}, "text"),
        ({"text": "Hi", "button_label": "Go"}, "button_url"),
        ({"text": "Hi", "button_url": URL}, "button_label"),
    ],
)
def test_other_combinations_are_refused_on_the_field_that_would_fix_them(fields, field):
    errors = validate_message(ViberMessage.from_fields(**fields))
    assert field in errors


def test_shape_error_names_the_allowed_shapes():
    errors = validate_message(ViberMessage.from_fields(text="Hi", image_url=IMG))
    assert (
        "text only; text + button; image only; or text + image + button" in errors["button_label"]
    )


def test_limits_and_url_rules():
    errors = validate_message(
        ViberMessage.from_fields(
            text="x" * (MAX_TEXT + 1),
            image_url="http://example.com/a.png",
            button_label="y" * (MAX_LABEL + 1),
            button_url="ftp://example.com",
        )
    )
    assert set(errors) == {"text", "image_url", "button_label", "button_url"}
    assert "1001" in errors["text"]
    assert "https" in errors["image_url"]


def test_exact_limits_pass_and_emoji_count_as_one_character():
    message = ViberMessage.from_fields(
        text="🍀" * MAX_TEXT, button_label="z" * MAX_LABEL, button_url=URL
    )
    assert validate_message(message) == {}


def test_unsupported_image_type_is_refused():
    errors = validate_message(ViberMessage.from_fields(image_url="https://example.com/anim.gif"))
    assert "JPG and PNG" in errors["image_url"]


def test_line_breaks_are_normalized_and_sent_as_crlf():
    message = ViberMessage.from_fields(text="  Xin chào\r\nDòng hai\rba  ")
    assert message.text == "Xin chào\nDòng hai\nba"
    assert message.esms_content == "Xin chào\r\nDòng hai\r\nba"


@pytest.mark.parametrize(
    "bad",
    [
        "https://evil.example/x|https://shop.example/offer",
        "https://shop.example/<b>",
        "https://shop.example/a>b",
        "https://shop.example/a\tb",
        "https://shop.example/a\u00a0b",  # no-break space
        "https://shop.example/a\u3000b",  # ideographic space
        "https://shop.example/a\nb",
        "https://shop.example/a\x00b",
        "https://shop.example/a\x7fb",
        "https://shop.example/\u202egpj.exe",  # right-to-left override
        "https://shop.example/a\u200bb",  # zero-width space
    ],
)
def test_urls_with_characters_that_disguise_a_link_are_refused(bad):
    errors = validate_message(
        ViberMessage.from_fields(text="Hi", image_url=bad, button_label="Go", button_url=bad)
    )
    assert set(errors) == {"image_url", "button_url"}
    assert all(problem.strip() for problem in errors.values())


def test_the_pipe_error_names_the_character():
    errors = validate_message(
        ViberMessage.from_fields(
            text="Hi", button_label="Go", button_url="https://evil.example/x|https://shop.example"
        )
    )
    assert '"|"' in errors["button_url"] and "%7C" in errors["button_url"]


@pytest.mark.parametrize(
    "unreadable", ["https://[x/a.png", "https://[::1/a.png", "https://shop.example:99999/a.png"]
)
def test_urls_that_cannot_be_split_get_a_field_error_not_an_exception(unreadable):
    errors = validate_message(ViberMessage.from_fields(image_url=unreadable))
    assert "not a well-formed link" in errors["image_url"]
    errors = validate_message(
        ViberMessage.from_fields(text="Hi", button_label="Go", button_url=unreadable)
    )
    assert "not a well-formed link" in errors["button_url"]


def test_a_name_before_an_at_sign_cannot_disguise_the_host():
    errors = validate_message(
        ViberMessage.from_fields(
            text="Hi", button_label="Go", button_url="https://shop.example@evil.example/offer"
        )
    )
    assert "@" in errors["button_url"]


def test_ordinary_urls_with_query_fragment_and_port_still_pass():
    message = ViberMessage.from_fields(
        text="Hi",
        image_url="https://cdn.example.com:8443/b%20anner.png?v=2#top",
        button_label="Go",
        button_url="https://example.com/offer?a=1&b=%7C#x",
    )
    assert validate_message(message) == {}


def test_text_typed_with_combining_marks_counts_as_people_see_it():
    nfc = ("Tiếng Việt có dấu ữ ở ệ. " * 40)[:950]
    nfd = unicodedata.normalize("NFD", nfc)
    assert len(nfd) > MAX_TEXT  # what the old count refused
    message = ViberMessage.from_fields(text=nfd, button_label="Xem ngay", button_url=URL)
    assert message.text == nfc.strip() and len(message.text) <= MAX_TEXT
    assert validate_message(message) == {}


def test_labels_and_urls_are_sent_composed():
    label = unicodedata.normalize("NFD", "Xem ưu đãi")
    url = unicodedata.normalize("NFD", "https://shop.example/ưu-đãi")
    message = ViberMessage.from_fields(text="Hi", button_label=label, button_url=url)
    assert message.button_label == "Xem ưu đãi"
    assert message.button_url == "https://shop.example/ưu-đãi"
    assert unicodedata.is_normalized("NFC", message.button_url)
