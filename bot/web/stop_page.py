"""`/stop/<token>`: the page an advertisement's stop link opens, for the customer, in Vietnamese
(English beneath). A GET only shows the button: link previews and prefetches fetch it, and
must change nothing. The button's POST opts the number out, withdraws its consent and tells
the send's thread; a second one says it was done already. No JavaScript, nothing loaded from
elsewhere."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core.consent import TOKEN
from bot.core.formatting import VIETNAM
from bot.core.i18n import _, in_each
from bot.core.phones import mask_phone
from bot.posts.common import section, slack_time
from bot.store import Store
from bot.store.stop_links import StopLink, Stopped

log = logging.getLogger(__name__)

HEADERS = (
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),  # the token is the page's address
    ("X-Robots-Tag", "noindex"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    ),
)
_STYLE = """body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;
background:#f5f5f7;color:#1d1d1f}main{max-width:28rem;margin:3rem auto;padding:2rem;
background:#fff;border-radius:12px}h1{font-size:1.4rem}p{line-height:1.5}
.en{color:#6e6e73;font-size:.9rem}button{font-size:1.1rem;padding:.8rem 1.4rem;border:0;
border-radius:8px;background:#b3261e;color:#fff;cursor:pointer;width:100%}"""


@dataclass(frozen=True)
class StopPage:
    status: int
    html: str


def stop_page(store: Store, token: str, method: str) -> StopPage:
    """The answer to a GET, HEAD or POST of /stop/<token>; 404 for any token no recipient has
    (only a token's own shape reaches the database), 405 for other methods."""
    if method not in ("GET", "HEAD", "POST"):
        return StopPage(405, _page("stop.page_title", "stop.page_method"))
    link = store.stop_links.find(token) if TOKEN.fullmatch(token) else None
    if link is None:
        return StopPage(404, _page("stop.page_title", "stop.page_unknown"))
    if method != "POST":
        if link.stopped_at is not None:
            return _already(link, link.stopped_at)
        if link.expired:
            return StopPage(410, _page("stop.page_title", "stop.page_expired"))
        return StopPage(200, _ask(link))
    used = store.stop_links.use(token, _thread_note)
    if used is None:  # the send was erased between the look and the click
        return StopPage(404, _page("stop.page_title", "stop.page_unknown"))
    outcome, link, at = used
    if outcome == Stopped.EXPIRED:
        return StopPage(410, _page("stop.page_title", "stop.page_expired"))
    if outcome == Stopped.BEFORE:
        return _already(link, at)
    log.info("send %s: %s stopped by the customer's link", link.send_id, mask_phone(link.phone))
    return StopPage(200, _page("stop.page_title", "stop.page_done", **_facts(link, at)))


def _thread_note(link: StopLink, at: float) -> tuple[str, list[dict[str, object]]]:
    text = _("stop.thread_note", phone=link.phone, when=slack_time(at))
    return text, [section(text)]


def _facts(link: StopLink, at: float) -> dict[str, str]:
    when = datetime.fromtimestamp(at, VIETNAM).strftime("%H:%M %d/%m/%Y")
    return {"brandname": link.brandname, "last": link.phone[-3:], "when": when}


def _already(link: StopLink, at: float) -> StopPage:
    return StopPage(200, _page("stop.page_title", "stop.page_already", **_facts(link, at)))


def _ask(link: StopLink) -> str:
    button = in_each("stop.page_button")
    form = (
        f'<form method="post"><button type="submit">{html.escape(button["vi"])}</button></form>'
        f'<p class="en">{html.escape(button["en"])}</p>'
    )
    return _page("stop.page_title", "stop.page_ask", form, **_facts(link, 0))


def _page(title_key: str, text_key: str, form: str = "", **facts: str) -> str:
    title = in_each(title_key)
    text = in_each(text_key, **facts)
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title['vi'])}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>{html.escape(title['vi'])}</h1><p>{html.escape(text['vi'])}</p>"
        f'<p class="en" lang="en">{html.escape(text["en"])}</p>{form}</main></body></html>'
    )
