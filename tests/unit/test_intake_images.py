"""An uploaded picture through the one door: either a link or an upload, told at submission
from what Slack says of the file; stored waiting for its picture, the picture's job first."""

from dataclasses import replace

import pytest

from bot.config import Settings
from bot.core.images import ImageUpload, can_host
from bot.core.message import ViberMessage
from bot.intake import Accepted, Draft, Intake, Refused, Surface

SETTINGS = Settings(
    slack_bot_token="xoxb-test-token",
    slack_signing_secret="signing-secret",
    esms_api_key="KEY",
    esms_secret_key="SECRET",
    esms_brandnames=("BRAND",),
    public_url="https://bot.example.com",
)
PHOTO = ImageUpload("https://files.slack.com/files-pri/T1-F1/download/order.jpg", "jpg", 250_000)


def draft(**fields) -> Draft:
    base = {
        "surface": Surface.COMPOSER,
        "team_id": "T1",
        "channel_id": "C1",
        "user_id": "U1",
        "recipients": "0901234567",
        "message": ViberMessage(text="Đơn của chị", button_label="Xem", button_url="https://x.vn"),
        "image_upload": PHOTO,
    }
    return Draft(**{**base, **fields})


def test_an_upload_is_stored_waiting_for_its_picture_which_is_hosted_first(store):
    accepted = Intake(SETTINGS, store).accept(draft())
    assert isinstance(accepted, Accepted) and accepted.message.image_url == ""
    row = store.db.fetch_one("SELECT image_file, image_url FROM sends")
    assert (row["image_file"], row["image_url"]) == (PHOTO.url, "")
    kinds = [r["kind"] for r in store.db.fetch_all("SELECT kind FROM jobs ORDER BY id")]
    assert kinds == ["host_image", "post_parent"]  # one line: the parent waits for the picture


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        (
            {
                "message": ViberMessage(
                    text="Hi",
                    image_url="https://x.vn/a.png",
                    button_label="B",
                    button_url="https://x.vn",
                )
            },
            "either an image link or an uploaded picture",
        ),
        ({"image_upload": replace(PHOTO, filetype="pdf")}, "this file is pdf"),
        ({"image_upload": replace(PHOTO, size=11 * 1024 * 1024)}, "11.0 MB"),
    ],
)
def test_what_the_files_description_already_says_is_a_field_error_and_nothing_is_stored(
    store, changes, says
):
    refused = Intake(SETTINGS, store).accept(draft(**changes))
    assert isinstance(refused, Refused) and says in refused.errors["image_file"]
    assert store.db.fetch_one("SELECT COUNT(*) AS n FROM sends")["n"] == 0


def test_an_upload_counts_as_the_messages_image_for_the_shapes_viber_allows(store):
    text_and_image = ViberMessage(text="Hi")  # text + image needs a button
    refused = Intake(SETTINGS, store).accept(draft(message=text_and_image))
    assert isinstance(refused, Refused) and "button" in " ".join(refused.errors.values())
    alone = Intake(SETTINGS, store).accept(draft(message=ViberMessage()))  # an image alone
    assert isinstance(alone, Accepted)


@pytest.mark.parametrize(
    ("public_url", "hostable"),
    [
        ("https://bot.example.com", True),
        ("http://127.0.0.1:8000", True),
        ("http://localhost:3000", True),
        ("http://bot.example.com", False),
        (None, False),
    ],
)
def test_an_upload_needs_an_address_esms_can_fetch_from(store, public_url, hostable):
    assert can_host(public_url) is hostable
    settings = replace(SETTINGS, public_url=public_url)
    made = Intake(settings, store).accept(draft())
    assert isinstance(made, Accepted) is hostable
    if not hostable:
        assert "PUBLIC_URL" in made.errors["image_file"]
