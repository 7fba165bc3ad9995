"""A picture from the agent's computer, end to end over HTTP: uploaded in the composer, hosted by
the app under PUBLIC_URL, fetched by eSMS as OttImgUrl; every bad upload a sentence, nothing
sent."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from sandbox.standins.slack_api import block_text
from sandbox.standins.slack_files import DOWNLOAD
from tests.e2e.harness import composer_values, json_or_empty, wait_for
from tests.e2e.test_campaigns import _with, press, submit_campaign

ORIENTATION, GPS_INFO = 0x0112, 0x8825
BUTTON = {"button_label": "Xem đơn", "button_url": "https://shop.example/a123"}


def phone_photo(width: int = 3000, height: int = 2000) -> bytes:
    """A photo as a phone writes it: turned a quarter by its EXIF, with a GPS position."""
    picture = Image.effect_noise((width, height), 40).convert("RGB")
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[GPS_INFO] = {2: (10.0, 45.0, 0.0), 4: (106.0, 40.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif.tobytes(), quality=92)
    return out.getvalue()


def upload_state(file: dict) -> dict:
    return {"image_file": {"type": "file_input", "files": [file]}}


def compose_with(app, file: dict, **fields: str):
    values = composer_values(text="Đơn A123 của chị đây", **{**BUTTON, **fields})
    return app.submit_composer(values, extra_state=upload_state(file))


def test_an_uploaded_photo_reaches_esms_as_a_small_upright_jpeg_hosted_by_the_app(
    app, slack_api, esms
):
    esms.auto_deliver_seconds = 0.2  # eSMS reports each message as it would
    file = slack_api.add_file("IMG_0042.jpg", phone_photo(), filetype="jpg")
    assert compose_with(app, file).status_code == 200
    (sent,) = wait_for(lambda: esms.submissions, timeout=20)
    url = sent.body["OttImgUrl"]
    assert url.startswith(app.base_url + "/media/") and url.endswith(".jpg")
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/jpeg"
    assert answer.headers["Cache-Control"] == "public, max-age=86400" and answer.headers["ETag"]
    assert len(answer.content) <= 1024 * 1024
    picture = Image.open(io.BytesIO(answer.content))
    assert picture.format == "JPEG" and max(picture.size) <= 800
    assert picture.size[1] > picture.size[0]  # turned upright: the photo was taken sideways
    assert dict(picture.getexif()) == {}  # no orientation, no GPS left
    head = requests.head(url, timeout=5)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(answer.content))
    again = requests.get(url, headers={"If-None-Match": answer.headers["ETag"]}, timeout=5)
    assert again.status_code == 304
    (parent,) = wait_for(lambda: slack_api.parents())
    assert url in block_text(parent.blocks)  # the thread shows the picture as sent
    # eSMS fetched it as the customer's phone will, and the message was delivered.
    assert sent.image_fetch.startswith("HTTP 200 image/jpeg") and sent.image_usable
    wait_for(lambda: "Delivered" in block_text(slack_api.parents()[0].blocks), timeout=15)


def test_the_same_picture_sent_twice_is_hosted_once(app, slack_api, esms):
    photo = phone_photo(800, 600)
    for name in ("a.jpg", "b.jpg"):
        file = slack_api.add_file(name, photo, filetype="jpg")
        assert compose_with(app, file).status_code == 200
    first, second = wait_for(lambda: len(esms.submissions) == 2 and esms.submissions)
    assert first.body["OttImgUrl"] == second.body["OttImgUrl"]


def truncated_photo() -> bytes:
    whole = phone_photo(1200, 900)
    return whole[: len(whole) // 2]


def bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")  # 144 megapixels in 17 kB
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("invoice.jpg", b"%PDF-1.7\n% a PDF under a picture's name", "is not a picture"),
        ("cut.jpg", truncated_photo(), "is not a picture"),
        ("bomb.png", bomb(), "too many pixels"),
    ],
)
def test_an_upload_that_is_not_a_usable_picture_ends_the_send_saying_why(
    app, slack_api, esms, name, content, says
):
    file = slack_api.add_file(name, content, filetype=name.rsplit(".", 1)[1])
    assert compose_with(app, file).status_code == 200
    (parent,) = wait_for(lambda: slack_api.parents(), timeout=15)
    text = block_text(parent.blocks)
    assert says in text and "nothing was sent" in text
    assert esms.submissions == []
    assert requests.get(f"{app.base_url}/media/{'x' * 24}.jpg", timeout=5).status_code == 404


def test_a_picture_slack_will_not_hand_over_ends_the_send_saying_why(app, slack_api, esms):
    file = slack_api.add_file("gone.jpg", phone_photo(400, 300), filetype="jpg")
    slack_api.fail_next(DOWNLOAD, times=1, status=404)  # deleted before the app fetched it
    assert compose_with(app, file).status_code == 200
    (parent,) = wait_for(lambda: slack_api.parents(), timeout=15)
    assert "could not download the uploaded picture from Slack (HTTP 404)" in block_text(
        parent.blocks
    )
    assert esms.submissions == []


@pytest.mark.parametrize(
    ("file_fields", "link", "says"),
    [
        ({"size": 12 * 1024 * 1024}, "", "upload one of at most 10 MB"),
        ({"filetype": "pdf"}, "", "this file is pdf"),
        ({}, "https://cdn.example.com/banner.jpg", "not both"),
    ],
)
def test_what_the_files_description_already_says_is_told_in_the_modal(
    app, slack_api, esms, file_fields, link, says
):
    file = {**slack_api.add_file("photo.jpg", b"\xff\xd8\xff", filetype="jpg"), **file_fields}
    answer = compose_with(app, file, image_url=link)
    errors = json_or_empty(answer).get("errors", {})
    assert any(says in error for error in errors.values()), errors
    assert slack_api.parents() == [] and esms.submissions == []


@pytest.mark.process  # killed and started again
def test_an_upload_survives_a_restart_between_the_acknowledgement_and_the_submit(
    app_factory, slack_api, esms
):
    app = app_factory()
    file = slack_api.add_file("order.jpg", phone_photo(), filetype="jpg")
    assert compose_with(app, file).status_code == 200
    app.kill()  # at once: the picture may or may not be hosted yet
    app.start()
    (sent,) = wait_for(lambda: esms.submissions, timeout=30)
    answer = requests.get(sent.body["OttImgUrl"], timeout=5)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/jpeg"
    assert len(esms.submissions) == 1


@pytest.mark.process  # two processes, one database
def test_two_processes_sharing_postgresql_serve_the_same_picture(
    app_factory, slack_api, esms, shared_url
):
    first = app_factory(DATABASE_URL=shared_url)
    second = app_factory(DATABASE_URL=shared_url)
    file = slack_api.add_file("order.jpg", phone_photo(1200, 900), filetype="jpg")
    assert compose_with(first, file).status_code == 200
    (sent,) = wait_for(lambda: esms.submissions, timeout=20)
    path = sent.body["OttImgUrl"].split("/media/", 1)[1]
    one = requests.get(f"{first.base_url}/media/{path}", timeout=5)
    two = requests.get(f"{second.base_url}/media/{path}", timeout=5)
    assert one.status_code == two.status_code == 200 and one.content == two.content


def test_an_animation_is_sent_as_its_first_frame_and_the_thread_says_so(app, slack_api, esms):
    frames = [Image.new("RGB", (120, 90), color) for color in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    file = slack_api.add_file("wave.gif", out.getvalue(), filetype="gif")
    assert compose_with(app, file).status_code == 200
    (sent,) = wait_for(lambda: esms.submissions, timeout=20)
    assert sent.body["OttImgUrl"].endswith(".jpg")
    (parent,) = slack_api.parents()
    assert "animated: Viber shows its first frame" in block_text(parent.blocks)


def test_a_campaign_sends_every_row_with_the_uploaded_picture(app, slack_api, esms):
    rows = "Số điện thoại;Tên khách\n0901234567;Lan\n0912345678;Đức\n".encode()
    sheet = slack_api.add_file("khach.csv", rows)
    picture = slack_api.add_file("banner.png", banner(), filetype="png")
    extra = {"image_file": {"value": {"type": "file_input", "files": [picture]}}}
    answer = submit_campaign(
        app,
        sheet,
        text="Chào {Tên khách}",
        label="Xem",
        link="https://shop.example/sale",
        extra_state=extra,
    )
    assert answer.status_code == 200 and not json_or_empty(answer).get("errors"), answer.text
    parent = wait_for(lambda: slack_api.parents() and slack_api.parents()[0], timeout=20)
    wait_for(lambda: "2 rows read" in thread_text(slack_api, parent), timeout=20)
    # The preview's reply and the parent's Start button are two Slack calls, in either order.
    press(app, wait_for(lambda: _with(slack_api, parent, "campaign_start")), "campaign_start")
    sent = wait_for(lambda: len(esms.submissions) == 2 and esms.submissions, timeout=30)
    urls = {s.body["OttImgUrl"] for s in sent}
    (url,) = urls  # one picture, hosted once, for every row
    assert url.startswith(app.base_url + "/media/") and url.endswith(".jpg")
    assert all(s.image_usable for s in sent)


def banner() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 400), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def thread_text(slack_api, parent) -> str:
    return "\n".join(m.text + block_text(m.blocks) for m in slack_api.replies(parent.ts))
