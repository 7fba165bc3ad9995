"""An upload made right for Viber: decoded, turned, stripped, small enough; anything else is a
reason, never a crash."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.core.images import MAX_IMAGE_BYTES, ImageProblem, prepare

ORIENTATION, GPS_INFO = 0x0112, 0x8825


def photo(width: int = 1200, height: int = 900, *, orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: EXIF with its orientation and a GPS position."""
    picture = Image.effect_noise((width, height), 60).convert("RGB")
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[GPS_INFO] = {2: (10.0, 45.0, 0.0), 4: (106.0, 40.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif.tobytes(), quality=95, icc_profile=b"\0" * 64)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_a_phone_photo_is_turned_upright_shrunk_and_stripped_of_its_metadata():
    prepared = prepare(photo(1200, 900, orientation=6), 800)  # 6: turned a quarter
    picture = opened(prepared.data)
    assert (prepared.content_type, prepared.extension, picture.format) == (
        "image/jpeg",
        "jpg",
        "JPEG",
    )
    assert picture.size == (prepared.width, prepared.height) == (600, 800)
    assert dict(picture.getexif()) == {}
    assert "icc_profile" not in picture.info and "exif" not in picture.info
    assert len(prepared.data) <= MAX_IMAGE_BYTES and not prepared.first_frame_only


def test_a_picture_with_transparency_stays_a_png_and_one_without_becomes_a_jpeg():
    clear = Image.new("RGBA", (1000, 400), (10, 20, 30, 0))
    out = io.BytesIO()
    clear.save(out, "PNG")
    prepared = prepare(out.getvalue(), 800)
    assert (prepared.content_type, opened(prepared.data).size) == ("image/png", (800, 320))
    solid = Image.new("RGBA", (300, 200), (10, 20, 30, 255))
    out = io.BytesIO()
    solid.save(out, "WEBP")
    assert prepare(out.getvalue(), 800).content_type == "image/jpeg"


def test_an_animation_becomes_its_first_frame_and_says_so():
    red, blue = Image.new("RGB", (60, 60), (255, 0, 0)), Image.new("RGB", (60, 60), (0, 0, 255))
    out = io.BytesIO()
    red.save(out, "GIF", save_all=True, append_images=[blue], duration=100, loop=0)
    prepared = prepare(out.getvalue(), 800)
    assert prepared.first_frame_only
    r, _g, b = opened(prepared.data).convert("RGB").getpixel((30, 30))
    assert r > 200 and b < 60


def test_a_picture_that_is_too_big_even_when_small_is_made_smaller_until_it_fits():
    noise = Image.effect_noise((2000, 2000), 120).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "PNG")
    prepared = prepare(out.getvalue(), 2000)  # noise at 2000 px: no JPEG of it fits in 1 MB
    assert len(prepared.data) <= MAX_IMAGE_BYTES
    assert prepared.width < 2000


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7 not a picture at all", "not_an_image"),
        (b"GIF89a" + b"\0" * 20, "not_an_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not_an_image"),
        (b"x" * (10 * 1024 * 1024 + 1), "too_big"),
    ],
)
def test_what_is_not_a_usable_picture_is_a_reason(data, reason):
    with pytest.raises(ImageProblem) as caught:
        prepare(data, 800)
    assert caught.value.reason == reason


def test_a_truncated_photo_is_refused_not_half_shown():
    whole = photo(1200, 900)
    with pytest.raises(ImageProblem) as caught:
        prepare(whole[: len(whole) // 2], 800)
    assert caught.value.reason == "not_an_image"


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")  # 144 megapixels in 17 kB
    assert len(out.getvalue()) < 100_000
    with pytest.raises(ImageProblem) as caught:
        prepare(out.getvalue(), 800)
    assert caught.value.reason == "too_many_pixels"


def test_a_file_named_like_a_picture_is_judged_by_its_content():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "BMP")  # decodable, but not a format Viber takes
    with pytest.raises(ImageProblem):
        prepare(out.getvalue(), 800)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from([b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"]))
def test_any_bytes_are_a_picture_or_a_reason(data, head):
    try:
        prepared = prepare(head + data, 800)
    except ImageProblem as problem:
        assert problem.reason in {"not_an_image", "too_big", "too_many_pixels"}
    else:
        assert opened(prepared.data).format in {"JPEG", "PNG"}


def test_the_re_encoding_child_that_died_is_replaced_and_the_job_tried_again():
    import os
    import signal
    from concurrent.futures import ProcessPoolExecutor

    from bot.jobs.images import _Encoder
    from bot.jobs.retry import RetryLater

    encoder = _Encoder()
    first = encoder.prepare(photo(400, 300), 800)  # the child starts
    assert first.content_type == "image/jpeg"
    pool = encoder._pool
    assert isinstance(pool, ProcessPoolExecutor)
    (child,) = pool._processes
    os.kill(child, signal.SIGKILL)
    with pytest.raises(RetryLater):
        encoder.prepare(photo(400, 300), 800)
    again = encoder.prepare(photo(400, 300), 800)  # a new child
    assert again.data and encoder._pool is not pool
    encoder._pool.shutdown()


def test_the_re_encoding_child_ends_when_its_process_stops_its_jobs():
    """Shut down before the interpreter's own goodbye, which may find its pipe closed."""
    import os

    from bot.jobs.images import _Encoder

    encoder = _Encoder()
    encoder.prepare(photo(400, 300), 800)
    pool = encoder._pool
    assert pool is not None
    (child,) = pool._processes
    encoder.close()
    assert encoder._pool is None and not pool._processes
    with pytest.raises(ChildProcessError):  # reaped: gone for good
        os.waitpid(child, os.WNOHANG)
    encoder.close()  # twice, or with no child started: nothing to do
    assert encoder.prepare(photo(40, 30), 800).data  # and a later picture starts a new child
    encoder.close()
