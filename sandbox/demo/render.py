"""Block Kit surfaces as HTML, close to Slack's look: messages, modals and the Home tab.

Pure: JSON in, an HTML fragment out. Everything taken from the JSON is escaped; images on the
internet are links (the page never loads anything from there), while a picture shared as a file
is shown from the demo server (`filecards`); a type this module does not know raises
`UnknownBlock` instead of disappearing from the page.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.core.formatting import VIETNAM
from sandbox.demo.elements import (
    Look,
    OfferedFile,
    Slot,
    UnknownBlock,
    attrs,
    image_link,
    render_element,
)
from sandbox.demo.filecards import FILES_PATH, file_card
from sandbox.demo.ids import block_id_of
from sandbox.demo.mrkdwn import render_mrkdwn, render_plain

__all__ = [
    "FILES_PATH",
    "SURFACES",
    "UnknownBlock",
    "render_blocks",
    "render_message",
    "render_mrkdwn",
    "render_plain",
    "render_view",
]

SURFACES = ("message", "modal", "home")
OPTIONAL = "(optional)"


def render_blocks(
    blocks: Sequence[Mapping[str, Any]],
    *,
    surface: str,
    names: Mapping[str, str] | None = None,
    now: float | None = None,
    errors: Mapping[str, str] | None = None,
    files: Sequence[OfferedFile] = (),
) -> str:
    """Blocks as HTML. `errors` ({block_id: text}, as the app answers `response_action:
    errors`) are shown under their input blocks; `files` are what file inputs offer."""
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {SURFACES}, not {surface!r}")
    look = Look(names or {}, now, tuple(files))
    body = "".join(_block(block, look, errors or {}) for block in blocks)
    return f'<div class="sk-blocks" data-surface="{surface}">{body}</div>'


def _block(block: Mapping[str, Any], look: Look, errors: Mapping[str, str]) -> str:
    if not isinstance(block, Mapping):
        raise ValueError(f"not a block: {block!r}")
    kind = block.get("type")
    renderer = _BLOCKS.get(kind) if isinstance(kind, str) else None
    if renderer is None:
        raise UnknownBlock(kind)
    block_id = block_id_of(block)
    inner = renderer(block, block_id, look, errors)
    wrapper = attrs(
        class_=f"sk-block sk-block-{kind}", data_block_id=block_id, data_block_type=kind
    )
    return f"<div {wrapper}>{inner}</div>"


def _section(block: Mapping[str, Any], block_id: str, look: Look, _errors: Any) -> str:
    parts = []
    if block.get("text") is not None:
        parts.append(f'<div class="sk-text">{look.text(block["text"])}</div>')
    fields = block.get("fields") or []
    if fields:
        cells = "".join(f'<div class="sk-field">{look.text(cell)}</div>' for cell in fields)
        parts.append(f'<div class="sk-fields">{cells}</div>')
    body = f'<div class="sk-section-body">{"".join(parts)}</div>'
    accessory = block.get("accessory")
    if accessory:
        element = render_element(accessory, Slot(block_id), look)
        body += f'<div class="sk-accessory">{element}</div>'
    return body


def _context(block: Mapping[str, Any], block_id: str, look: Look, _errors: Any) -> str:
    items = []
    for element in block.get("elements") or []:
        if isinstance(element, Mapping) and element.get("type") == "image":
            shown = image_link(
                element.get("image_url"), element.get("alt_text"), "sk-context-image"
            )
        else:
            shown = look.text(element)
        items.append(f'<span class="sk-context-item">{shown}</span>')
    return "".join(items)


def _actions(block: Mapping[str, Any], block_id: str, look: Look, _errors: Any) -> str:
    return "".join(
        render_element(element, Slot(block_id), look) for element in block.get("elements") or []
    )


def _header(block: Mapping[str, Any], block_id: str, look: Look, _errors: Any) -> str:
    return f'<h3 class="sk-header-text">{look.text(block.get("text"))}</h3>'


def _divider(block: Mapping[str, Any], block_id: str, look: Look, _errors: Any) -> str:
    return "<hr>"


def _image(block: Mapping[str, Any], block_id: str, look: Look, _errors: Any) -> str:
    title = block.get("title")
    heading = f'<div class="sk-image-title">{look.text(title)}</div>' if title else ""
    url = block.get("image_url") or (block.get("slack_file") or {}).get("url")
    return heading + image_link(url, block.get("alt_text"))


def _input(block: Mapping[str, Any], block_id: str, look: Look, errors: Mapping[str, str]) -> str:
    optional = bool(block.get("optional"))
    flag = f' <span class="sk-optional">{OPTIONAL}</span>' if optional else ""
    parts = [f'<div class="sk-label">{look.text(block.get("label"))}{flag}</div>']
    element = block.get("element")
    if not isinstance(element, Mapping):
        raise ValueError(f"input block {block_id!r} has no element")
    slot = Slot(block_id, field=True, required=not optional)
    parts.append(f'<div class="sk-control">{render_element(element, slot, look)}</div>')
    if block.get("hint"):
        parts.append(f'<div class="sk-hint">{look.text(block["hint"])}</div>')
    if block_id in errors:
        parts.append(f'<div class="sk-error" role="alert">{render_plain(errors[block_id])}</div>')
    return "".join(parts)


_BLOCKS = {
    "section": _section,
    "context": _context,
    "actions": _actions,
    "header": _header,
    "divider": _divider,
    "image": _image,
    "input": _input,
}


def render_message(
    message: Mapping[str, Any],
    *,
    names: Mapping[str, str] | None = None,
    now: float | None = None,
    channel_id: str | None = None,
    ephemeral: bool | None = None,
    bot_name: str = "Viber",
) -> str:
    """One message (`text` fallback + `blocks`, `ts`, `thread_ts`, `user` or a bot's): its
    blocks when it has some, else its text; then the files it shares (`files`), each with a
    link to its bytes on the demo server, a picture shown as itself. An ephemeral one (`response_type: ephemeral`, or
    `ephemeral=True`) says that only its reader sees it."""
    known = names or {}
    if ephemeral is None:
        ephemeral = message.get("response_type") == "ephemeral"
    blocks = message.get("blocks")
    files = message.get("files") or []
    if blocks:
        body = render_blocks(blocks, surface="message", names=known, now=now)
    elif files and not message.get("text"):
        body = ""  # a file shared without a comment: the file is the message
    else:
        text = str(message.get("text") or "")
        shown = render_mrkdwn(text, names=known, now=now) if message.get("mrkdwn", True) else ""
        body = f'<div class="sk-text">{shown or render_plain(text)}</div>'
    body += "".join(file_card(file) for file in files)
    user = message.get("user")
    is_bot = not user or bool(message.get("bot_id"))
    author = message.get("username") or (known.get(user) if user else None) or user or bot_name
    ts, thread_ts = message.get("ts"), message.get("thread_ts")
    classes = ["sk-message"]
    if thread_ts and thread_ts != ts:
        classes.append("sk-reply")
    if ephemeral:
        classes.append("sk-ephemeral")
    header = [f'<span class="sk-author">{html.escape(str(author))}</span>']
    if is_bot:
        header.append('<span class="sk-app-badge">APP</span>')
    header.append(_time_of(ts))
    note = '<div class="sk-ephemeral-note">Only visible to you</div>' if ephemeral else ""
    wrapper = attrs(
        class_=" ".join(classes),
        data_ts=ts,
        data_thread_ts=thread_ts,
        data_channel_id=channel_id or message.get("channel"),
        data_ephemeral="true" if ephemeral else None,
    )
    return (
        f'<div {wrapper}><div class="sk-message-header">{" ".join(header)}</div>{note}{body}</div>'
    )


def _time_of(ts: Any) -> str:
    try:
        moment = datetime.fromtimestamp(float(ts), VIETNAM)
    except (TypeError, ValueError, OverflowError, OSError):
        return ""
    return f'<time class="sk-ts" datetime="{moment.isoformat()}">{moment:%H:%M}</time>'


def render_view(
    view: Mapping[str, Any],
    *,
    names: Mapping[str, str] | None = None,
    now: float | None = None,
    errors: Mapping[str, str] | None = None,
    view_id: str | None = None,
    view_hash: str | None = None,
    files: Sequence[OfferedFile] = (),
) -> str:
    """A modal (a <form>: title, blocks, close and submit buttons) or the Home tab.

    `errors` are the app's `response_action: errors`; one keyed to no input block of the view
    is shown above the blocks (Slack would refuse it; the page shows it rather than lose it).
    `files` are what its file inputs offer; `view_hash` tells the page's script that a redraw
    is the same state of the view (what is typed in it stays)."""
    kind = view.get("type")
    if kind not in ("home", "modal"):
        raise UnknownBlock(kind)
    known_errors = dict(errors or {})
    blocks = view.get("blocks") or []
    surface = "home" if kind == "home" else "modal"
    body = render_blocks(
        blocks, surface=surface, names=names, now=now, errors=known_errors, files=files
    )
    identity = attrs(
        data_view_type=kind,
        data_view_id=view_id or view.get("id"),
        data_view_hash=view_hash or view.get("hash"),
        data_callback_id=view.get("callback_id"),
        data_external_id=view.get("external_id"),
    )
    if kind == "home":
        return f'<section class="sk-view sk-home" {identity}>{body}</section>'
    look = Look(names or {}, now)
    inputs = {block_id_of(b) for b in blocks if isinstance(b, Mapping) and b.get("type") == "input"}
    stray = "".join(
        f'<div class="sk-error" role="alert">{render_plain(text)}</div>'
        for block_id, text in known_errors.items()
        if block_id not in inputs
    )
    title = look.text(view.get("title"))
    close = look.text(view.get("close") or {"type": "plain_text", "text": "Cancel"})
    footer = [f'<button type="button" class="sk-button sk-view-close">{close}</button>']
    if view.get("submit"):
        submit = look.text(view["submit"])
        classes = "sk-button sk-button-primary sk-view-submit"
        footer.append(f'<button type="submit" class="{classes}">{submit}</button>')
    return (
        f'<form class="sk-view sk-modal" {identity}>'
        f'<header class="sk-view-header"><h2 class="sk-view-title">{title}</h2></header>'
        f'<div class="sk-view-errors">{stray}</div>{body}'
        f'<footer class="sk-view-footer">{"".join(footer)}</footer></form>'
    )
