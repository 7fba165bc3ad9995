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
