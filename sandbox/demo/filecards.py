"""A file shared in a message, as Slack shows it: a card with its name, type, size and a link
to download it; a picture (a chart) shown as itself, above the same line; a file deleted
since (an access request's, a day later) a card that says so.

Both point at the demo server's `/files/<id>`, which hands out the bytes the Slack stand-in
holds: the page shows a picture from this machine, never one from the internet. Pure: a Slack
file object in, HTML out, every text escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from sandbox.demo.elements import attrs

FILES_PATH = "/files/"  # where the demo server hands out a file's bytes, by its id
_FILE_ID = re.compile(r"F[A-Z0-9]{1,40}")
# Pictures a browser shows by itself, as Slack shows them inline; an SVG (it can carry a
# script) and every other type stay a card to download.
PICTURES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif"}


def file_card(file: Any) -> str:
    """A shared file: a picture shown inline, anything else a card with a download link."""
    if not isinstance(file, Mapping):
        raise ValueError(f"not a Slack file object: {file!r}")
    if file.get("mode") == "tombstone":  # deleted since it was shared, as Slack shows it
        return (
            f"<div {attrs(class_='sk-file-card sk-file-deleted')}>"
            '<span class="sk-file-icon">🗑️</span>This file was deleted.</div>'
        )
    name = str(file.get("name") or file.get("title") or "file")
    title = str(file.get("title") or name)
    size = file.get("size")
    details = [name, str(file.get("pretty_type") or file.get("filetype") or "")]
    if isinstance(size, int) and not isinstance(size, bool):
        details.append(f"{size:,} bytes" if size != 1 else "1 byte")
    meta = " · ".join(html.escape(part) for part in details if part)
    file_id = str(file.get("id") or "")
    servable = bool(_FILE_ID.fullmatch(file_id))
    download = ""
    if servable:
        where = attrs(class_="sk-button sk-file-download", href=FILES_PATH + file_id, download=name)
        download = f"<a {where}>Download</a>"
    about = (
        f'<div class="sk-file-about"><div class="sk-file-title">{html.escape(title)}</div>'
        f'<div class="sk-file-meta">{meta}</div></div>{download}'
    )
    if servable and is_picture(file):
        picture = attrs(class_="sk-file-picture", src=FILES_PATH + file_id, alt=title)
        return (
            f"<figure {attrs(class_='sk-file-image', data_file_id=file_id)}>"
            f'<img {picture}><figcaption class="sk-file-line">{about}</figcaption></figure>'
        )
    return (
        f"<div {attrs(class_='sk-file-card', data_file_id=file_id or None)}>"
        f'<span class="sk-file-icon">📄</span>{about}</div>'
    )


def is_picture(file: Mapping[str, Any]) -> bool:
    """A PNG, JPEG or GIF, by its Slack file type and its MIME type alike."""
    return PICTURES.get(str(file.get("filetype") or "").lower()) == file.get("mimetype")
