"""Block Kit elements and text objects as HTML controls the page's JavaScript can drive.

Every interactive element is one HTML element carrying `data-type`, `data-action-id` and
`data-block-id`; inside an input block it is also a form control named by the block id.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.formatting import VIETNAM
from sandbox.demo.ids import action_id_of
from sandbox.demo.mrkdwn import link, render_mrkdwn, render_plain


class UnknownBlock(ValueError):
    """A block, element or text type this renderer does not know: never dropped silently."""

    def __init__(self, kind: object) -> None:
        super().__init__(f"unknown Block Kit type {kind!r}")
        self.type = kind


# Slack's conversation ids: C… public channels, G… private ones and group DMs, D… DMs.
CONVERSATION_ID = re.compile(r"[CGD][A-Z0-9]{2,}")


@dataclass(frozen=True)
class OfferedFile:
    """A file the page offers in a `file_input`: already in the Slack stand-in, by its id."""

    id: str
    name: str
    filetype: str
    note: str = ""  # how it came: "the example …", "uploaded from this computer"


@dataclass(frozen=True)
class Look:
    """What the page knows beyond the JSON: people's and channels' names (a conversations
    select offers the channels among them), the files a file input offers, and the time now."""

    names: Mapping[str, str] = field(default_factory=dict)
    now: float | None = None
    files: Sequence[OfferedFile] = ()

    def text(self, obj: Any) -> str:
        """A text object (mrkdwn or plain_text) as HTML."""
        if not isinstance(obj, Mapping):
            raise ValueError(f"not a Block Kit text object: {obj!r}")
        if obj.get("type") not in ("mrkdwn", "plain_text"):
            raise UnknownBlock(obj.get("type"))
        if not isinstance(obj.get("text"), str):
            raise ValueError(f"a text object without text: {obj!r}")
        if obj["type"] == "mrkdwn":
            return render_mrkdwn(obj["text"], names=self.names, now=self.now)
        return render_plain(obj["text"])


@dataclass(frozen=True)
class Slot:
    """Where an element sits: its block, and whether it is a form field (an input block's)."""

    block_id: str
    field: bool = False
    required: bool = False


def attrs(**values: Any) -> str:
    """HTML attributes, every value escaped; None and False leave the attribute out."""
    out = []
    for name, value in values.items():
        name = name.rstrip("_").replace("_", "-")
        if value is None or value is False:
            continue
        out.append(name if value is True else f'{name}="{html.escape(str(value), quote=True)}"')
    return " ".join(out)


def vietnam_local(epoch: int) -> str:
    """The value of an `<input type="datetime-local">`, in Vietnam time."""
    return datetime.fromtimestamp(epoch, VIETNAM).strftime("%Y-%m-%dT%H:%M")


def image_link(url: Any, alt: Any, classes: str = "sk-image") -> str:
    """An image as a link to it: the page never loads anything from the internet."""
    alt_html = "🖼️ " + html.escape(str(alt or "image"))
    if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
        return f'<span class="{classes}">{link(url, alt_html)}</span>'
    return f'<span class="{classes}">{alt_html}</span>'


def render_element(element: Mapping[str, Any], slot: Slot, look: Look) -> str:
    kind = element.get("type")
    if not isinstance(kind, str) or kind not in _ELEMENTS:
        raise UnknownBlock(kind)
    renderer = _ELEMENTS[kind]
    if renderer is None:
        return image_link(element.get("image_url"), element.get("alt_text"))
    form_control = slot.field and kind not in ("checkboxes", "button")
    common = attrs(
        data_type=kind,
        data_action_id=action_id_of(element),
        data_block_id=slot.block_id,
        name=slot.block_id if form_control else None,
        required=slot.required and form_control,
    )
    return renderer(element, slot, look, common)


def _plain(obj: Any) -> str:
    """A plain_text object's text, for an attribute or an <option> (escaped by the caller)."""
    return str(obj.get("text", "")) if isinstance(obj, Mapping) else ""


def _button(element: Mapping[str, Any], slot: Slot, look: Look, common: str) -> str:
    style = element.get("style")
    classes = "sk-button" + (f" sk-button-{style}" if style in ("primary", "danger") else "")
    confirm = element.get("confirm")
    data = attrs(
        class_=classes,
        data_value=element.get("value"),
        data_url=element.get("url"),
        data_confirm=json.dumps(confirm, ensure_ascii=False) if confirm else None,
    )
    button = f'<button type="button" {data} {common}>{look.text(element.get("text"))}</button>'
    return button + (_confirm_dialog(confirm, look) if confirm else "")


def _confirm_dialog(confirm: Mapping[str, Any], look: Look) -> str:
    """The dialog a confirmed button opens, right after the button in the page."""
    yes_style = confirm.get("style") if confirm.get("style") in ("primary", "danger") else "primary"
    parts = [
        f'<h4 class="sk-confirm-title">{look.text(confirm.get("title"))}</h4>',
        f'<div class="sk-confirm-text">{look.text(confirm.get("text"))}</div>',
        '<div class="sk-confirm-buttons">',
        f'<button type="button" class="sk-button sk-confirm-deny" value="deny">'
        f"{look.text(confirm.get('deny'))}</button>",
        f'<button type="button" class="sk-button sk-button-{yes_style} sk-confirm-yes" '
        f'value="confirm">{look.text(confirm.get("confirm"))}</button>',
        "</div>",
    ]
    return f'<dialog class="sk-confirm">{"".join(parts)}</dialog>'


def _option_html(option: Mapping[str, Any], chosen: set[str]) -> str:
    value = str(option.get("value", ""))
    text = html.escape(_plain(option.get("text")).replace("\n", " "))
    return f"<option {attrs(value=value, selected=value in chosen)}>{text}</option>"


def _select(element: Mapping[str, Any], slot: Slot, look: Look, common: str) -> str:
    initial = element.get("initial_option")
    chosen = {str(initial.get("value"))} if isinstance(initial, Mapping) else set()
    parts = []
    if element.get("placeholder") or not chosen:
        placeholder = html.escape(_plain(element.get("placeholder")) or "Select an item")
        parts.append(
            f'<option value="" disabled{"" if chosen else " selected"}>{placeholder}</option>'
        )
    parts += [_option_html(option, chosen) for option in element.get("options") or []]
    for group in element.get("option_groups") or []:
        options = "".join(_option_html(option, chosen) for option in group.get("options") or [])
        parts.append(f"<optgroup {attrs(label=_plain(group.get('label')))}>{options}</optgroup>")
    return f'<select class="sk-select" {common}>{"".join(parts)}</select>'


def _external(element: Mapping[str, Any], slot: Slot, look: Look, common: str) -> str:
    """A searchable select: what is typed goes to the app (block_suggestion, through the page's
    script), and the options it answers fill the choice."""
    placeholder = html.escape(_plain(element.get("placeholder")) or "Select an item")
    search = attrs(
        type="search",
        class_="sk-input sk-suggest",
        placeholder="Type to search",
        data_suggest_for=slot.block_id,
        data_action_id=action_id_of(element),
    )
    return (
        f'<div class="sk-external"><input {search}>'
        f'<select class="sk-select" {common}>'
        f'<option value="" disabled selected>{placeholder}</option></select></div>'
    )


def _text_input(element: Mapping[str, Any], slot: Slot, look: Look, common: str) -> str:
    value = str(element.get("initial_value") or "")
    limits = attrs(
        placeholder=_plain(element.get("placeholder")) or None,
        maxlength=element.get("max_length"),
        minlength=element.get("min_length"),
    )
    if element.get("multiline"):
        # A newline right after <textarea> is dropped by HTML parsers: this one, not the value's.
        return (
            f'<textarea class="sk-input sk-multiline" rows="4" {limits} {common}>\n'
            f"{html.escape(value)}</textarea>"
        )
    return f'<input type="text" class="sk-input" {attrs(value=value)} {limits} {common}>'


def _datetime(element: Mapping[str, Any], slot: Slot, look: Look, common: str) -> str:
    initial = element.get("initial_date_time")
    value = vietnam_local(initial) if isinstance(initial, int) else None
    return (
        f'<input type="datetime-local" class="sk-datetime" {attrs(value=value)} {common}>'
        '<span class="sk-tz">GMT+7</span>'
    )


def _checkboxes(element: Mapping[str, Any], slot: Slot, look: Look, common: str) -> str:
    initial = {str(o.get("value")) for o in element.get("initial_options") or []}
    boxes = []
    for option in element.get("options") or []:
        value = str(option.get("value", ""))
        box = attrs(
            type="checkbox",
            name=slot.block_id if slot.field else None,
            value=value,
            checked=value in initial,
        )
        description = option.get("description")
        extra = (
            f'<span class="sk-description">{look.text(description)}</span>' if description else ""
        )
        boxes.append(
            f'<label class="sk-checkbox"><input {box}> '
            f'<span class="sk-option-text">{look.text(option.get("text"))}</span>{extra}</label>'
        )
    return f'<fieldset class="sk-checkboxes" {common}>{"".join(boxes)}</fieldset>'


def _file_input(element: Mapping[str, Any], slot: Slot, look: Look, common: str) -> str:
    """A choice among the files on offer (the form value: their ids), and a way to add one from
    this computer (the page's script uploads it into the Slack stand-in, which then offers it)."""
    types = [str(kind) for kind in element.get("filetypes") or []]
    several = int(element.get("max_files") or 10) > 1
    offered = [f for f in look.files if not types or f.filetype in types]
    options = [] if several else ['<option value="" disabled selected>Choose a file</option>']
    for file in offered:
        shown = file.name + (f" — {file.note}" if file.note else "")
        options.append(f"<option {attrs(value=file.id)}>{html.escape(shown)}</option>")
    choice = attrs(class_="sk-select sk-file-choice", multiple=several)
    upload = attrs(
        type="file",
        class_="sk-file",
        accept=",".join(f".{kind}" for kind in types) or None,
        data_upload_for=slot.block_id,
        data_filetypes=",".join(types) or None,
    )
    return (
        f'<div class="sk-file-input"><select {choice} {common}>{"".join(options)}</select>'
        f'<label class="sk-file-upload">or upload one from this computer: <input {upload}>'
        "</label></div>"
    )


def _conversations(element: Mapping[str, Any], slot: Slot, look: Look, common: str) -> str:
    """A conversations select: the channels the page knows (by their names)."""
    initial = element.get("initial_conversation")
    known = {key: name for key, name in look.names.items() if CONVERSATION_ID.fullmatch(key)}
    if isinstance(initial, str) and initial not in known:
        known[initial] = initial
    placeholder = html.escape(_plain(element.get("placeholder")) or "Select a channel")
    parts = [f'<option value="" disabled{"" if initial else " selected"}>{placeholder}</option>']
    for key, name in known.items():
        chosen = attrs(value=key, selected=key == initial)
        parts.append(f"<option {chosen}>#{html.escape(name)}</option>")
    return f'<select class="sk-select" {common}>{"".join(parts)}</select>'


_Renderer = Callable[[Mapping[str, Any], Slot, Look, str], str]
_ELEMENTS: dict[str, _Renderer | None] = {
    "button": _button,
    "static_select": _select,
    "external_select": _external,
    "plain_text_input": _text_input,
    "datetimepicker": _datetime,
    "checkboxes": _checkboxes,
    "file_input": _file_input,
    "conversations_select": _conversations,
    "image": None,  # not interactive: see image_link
}
