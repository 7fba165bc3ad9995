"""Hosted images on both databases: one per upload, found by token, kept while a send keeps its
content, and served from a bounded cache."""

import io
import time

from PIL import Image

from bot.core.images import prepare, source_digest
from bot.web.media import CACHE_BYTES, MediaCache, media_answer
from tests.helpers import new_send

PUBLIC = "https://bot.example.com"


def upload(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), color).save(out, "PNG")
    return out.getvalue()


def host(store, send_id, source):
    return store.images.host(send_id, source_digest(source), prepare(source, 800), PUBLIC)


def test_an_upload_is_stored_once_and_its_send_points_at_it(store):
    first, second = new_send(store), new_send(store)
    source = upload()
    one, two = host(store, first, source), host(store, second, source)
    assert one.token == two.token and len(one.token) >= 24  # 18 random bytes: 144 bits
    assert store.db.fetch_one("SELECT COUNT(*) AS n FROM images")["n"] == 1
    sent = store.sends.get(first).message.image_url
    assert sent == f"{PUBLIC}/media/{one.token}.jpg"
    found = store.images.get(one.token)
    assert (
        found is not None and bytes(found.data) == one.data and found.content_type == "image/jpeg"
    )
    assert store.images.get("x" * 24) is None


def test_an_image_lives_while_a_send_keeps_its_content_and_goes_with_the_purge(store):
    old, recent = new_send(store), new_send(store)
    shared, alone = upload(), upload((0, 0, 255))
    kept = host(store, recent, shared)
    host(store, old, shared)
    gone = host(store, old, alone)
    assert store.images.release_unused() == 0  # every image has its send
    with store.db.transaction() as conn:
        conn.execute(
            "UPDATE sends SET created_at = ? WHERE id = ?", (time.time() - 90 * 86400, old)
        )
        conn.execute("UPDATE recipients SET state = 'delivered' WHERE send_id = ?", (old,))
    store.privacy.purge(30)
    assert store.images.get(gone.token) is None  # only the purged send used it
    assert store.images.get(kept.token) is not None  # the recent send still shows it


def test_the_cache_serves_repeat_fetches_without_the_database_and_stays_bounded():
    reads = []

    from bot.store.images import HostedImage

    def load(token):
        reads.append(token)
        return HostedImage(token, "image/jpeg", "jpg", b"j" * (CACHE_BYTES // 4), False)

    cache = MediaCache(load)
    token = "t" * 24
    for _ in range(1000):
        assert media_answer(cache, f"{token}.jpg", "GET", "").status == 200
    assert reads == [token]
    for n in range(10):
        media_answer(cache, f"{n}" * 24 + ".jpg", "GET", "")
    assert cache._bytes <= CACHE_BYTES


def test_media_answers_only_a_stored_images_own_name():
    from bot.store.images import HostedImage

    stored = HostedImage("a" * 24, "image/png", "png", b"png-bytes", False)
    cache = MediaCache(lambda token: stored if token == stored.token else None)
    ok = media_answer(cache, f"{'a' * 24}.png", "GET", "")
    headers = dict(ok.headers)
    assert (ok.status, ok.body, headers["Content-Type"]) == (200, b"png-bytes", "image/png")
    assert headers["Cache-Control"] == "public, max-age=86400" and headers["ETag"].startswith('"')
    head = media_answer(cache, f"{'a' * 24}.png", "HEAD", "")
    assert (head.status, head.body, head.length) == (200, b"", len(b"png-bytes"))
    assert media_answer(cache, f"{'a' * 24}.png", "GET", headers["ETag"]).status == 304
    for name in (f"{'a' * 24}.jpg", f"{'b' * 24}.png", "../../etc/passwd", f"{'a' * 24}.png/x", ""):
        assert media_answer(cache, name, "GET", "").status == 404
