"""The eSMS panel's log: what the eSMS stand-in received, one row per number, newest first, with
the text the customer reads (an advertisement's ends with its stop link).

Pure: rows in, HTML out, every text escaped. A web address in a text (http or https, nothing
else) is a link. One to the app itself (`own_url`: its stop page, a picture it hosts) opens in
a new tab: the real app on this machine answers it. Any other keeps its address to show, as
every link on the page does (the demo reaches nothing beyond this machine).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

OWN_LINK = "demo-own-link"  # the page's script leaves these links followable
# Up to a space, a quote or an angle bracket, none of which a link in a text may hold.
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"  # ends a sentence around a link, not the link


def linked(text: str, own_url: str | None = None) -> str:
    """`text` as HTML, its http(s) addresses links; those to `own_url`'s scheme, host and port
    open the app's page in a new tab."""
    own = _origin(own_url) if own_url else None
    out, last = [], 0
    for found in _URL.finditer(text):
        url = found.group().rstrip(_TRAILING)
        origin = _origin(url)
        if origin is None:  # no host: not an address
            continue
        out.append(html.escape(text[last : found.start()]))
        href = html.escape(url, quote=True)
        # The app's own opens in a new tab; the page's script takes any other's href away.
        own_link = f'class="{OWN_LINK}" target="_blank" ' if origin == own else ""
        out.append(f'<a {own_link}href="{href}" rel="noopener noreferrer">{html.escape(url)}</a>')
        last = found.start() + len(url)
    out.append(html.escape(text[last:]))
    return "".join(out)


def _origin(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is no number, a malformed address
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme.lower(), f"{parts.hostname}:{port or ''}"


def sent_panel(rows: Iterable[object], own_url: str | None) -> dict[str, Any]:
    """The page's state of the log: `gateway`, each row's fields (`Recent`, a dataclass), and
    `gateway_log`, them as HTML."""
    fields = [vars(row) for row in rows]
    return {"gateway": fields, "gateway_log": render_sent(fields, own_url)}


def render_sent(rows: Sequence[Mapping[str, Any]], own_url: str | None = None) -> str:
    """The log's rows (`Recent` as a dict): what happened to each, then the text it carried."""
    return "".join(_row(row, own_url) for row in rows)


def _row(row: Mapping[str, Any], own_url: str | None) -> str:
    channel = "sms" if row.get("channel") == "sms" else "viber"
    summary = [
        "SMS" if channel == "sms" else "Viber",
        str(row.get("phone")),
        str(row.get("status")),
        f"code {row.get('code')}",
    ]
    summary += [str(row[key]) for key in ("outcome", "callback_result") if row.get(key)]
    text = str(row.get("text") or "")
    shown = f'<div class="gateway-text">{linked(text, own_url)}</div>' if text else ""
    return (
        f'<div class="gateway-row gateway-{channel}">'
        f"<div>{html.escape(' · '.join(summary))}</div>{shown}</div>"
    )
