"""What several surfaces share: escaping, sections and chunks, times, mentions, message
previews and modal inputs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.formatting import VIETNAM
from bot.core.i18n import _
from bot.core.images import FILE_TYPES, ImageUpload
from bot.core.message import ViberMessage, allowed_shapes
from bot.core.model import Send
from bot.core.phones import MAX_RECIPIENTS
from bot.core.slack_limits import (
    ANSWER_TEXT,
    OPTION_TEXT,
    OPTION_VALUE,
    SECTION_TEXT,
    fitting,
    shorten,
    split,
    texts,
)
from bot.core.sms_text import segments

INPUT_ACTION_ID = "value"
SECTION_LIMIT = 2900  # Slack allows 3,000 characters per section text


def help_text() -> str:
    return _("help", limit=MAX_RECIPIENTS, shapes=allowed_shapes())


def escape(text: str) -> str:
    """Slack's mrkdwn needs &, < and > escaped so user text cannot forge mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(text, SECTION_TEXT)}}


def context(text: str) -> dict[str, Any]:
    element = {"type": "mrkdwn", "text": shorten(text, SECTION_TEXT)}
    return {"type": "context", "elements": [element]}


LIST_HINT_ROOM = 200  # the "showing … next" line under a list


def listing(title: str, entries: Sequence[str], start: int, total: int, command: str) -> str:
    """A list answer within Slack's text budget: what fits from the `start`-th entry, and how
    to see the rest (`/viber COMMAND NEXT`)."""
    if not entries:
        return title + "\n" + _("list.past_end", total=total, command=command)
    joiner = "\n\n" if any("\n" in entry for entry in entries) else "\n"
    shown = fitting(entries, ANSWER_TEXT - len(title) - LIST_HINT_ROOM, joiner)
    last = start + len(shown) - 1
    more = _("list.more", first=start, last=last, total=total, command=command, next=last + 1)
    return title + "\n" + joiner.join(shown) + (more if last < total else "")


def chunks(lines: Sequence[str]) -> list[str]:
    """Group lines into section-sized texts, every line whole: one too long for a section goes
    on in the next."""
    grouped: list[str] = []
    current = ""
    for line in (piece for whole in lines for piece in split(whole, SECTION_LIMIT)):
        if current and len(current) + 1 + len(line) > SECTION_LIMIT:
            grouped.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        grouped.append(current)
    return grouped


SUMMARY_TEXTS = 10  # sections and contexts a shortened message keeps
SUMMARY_SECTION = 500


def summary_blocks(blocks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A smaller form of a message Slack refused as too big: its first texts shortened, its
    buttons kept, and a note that the rest is not shown."""
    kept: list[dict[str, Any]] = []
    shown = 0
    for block in blocks:
        if block.get("type") == "actions":
            kept.append(block)
        elif block.get("type") in ("section", "context") and shown < SUMMARY_TEXTS:
            shown += 1
            text = "\n".join(texts([block]))
            shorter = section if block["type"] == "section" else context
            kept.append(shorter(shorten(text, SUMMARY_SECTION)))
    kept.append(context(_("post.shortened")))
    return kept


def vietnam_time(epoch: float) -> str:
    """The default time zone (Asia/Ho_Chi_Minh, GMT+7, no daylight saving)."""
    return datetime.fromtimestamp(epoch, VIETNAM).strftime("%Y-%m-%d %H:%M (GMT+7)")


def slack_time(epoch: float) -> str:
    """A time every reader sees in their own Slack time zone (Vietnam time where Slack cannot)."""
    fallback = vietnam_time(epoch)
    return f"<!date^{int(epoch)}^{{date_short_pretty}} {_('date_at')} {{time}}|{fallback}>"


# A Slack user's ID; a record's actor may instead be `cli:root` (the command line) or `customer`.
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def person(actor: str) -> str:
    """Who did something, as a record names them: a mention for a Slack user, the plain word
    otherwise (escaped: a machine's user name is not Slack markup)."""
    return f"<@{actor}>" if _SLACK_USER.match(actor) else escape(actor)


def mentions(approvers: Sequence[str]) -> str:
    return ", ".join(f"<!subteam^{a}>" if a.startswith("S") else f"<@{a}>" for a in approvers)


def sentence_case(text: str) -> str:
    """Capitalise the first word unless it is a name with capitals of its own (eSMS)."""
    first_word = text.split(" ", 1)[0]
    return text if any(c.isupper() for c in first_word) else text[:1].upper() + text[1:]


# -- the message a send carries ----------------------------------------------------------------


def preview_lines(message: ViberMessage) -> list[str]:
    lines = []
    if message.text:
        lines.append(
            "\n".join(f"> {escape(line)}" if line else ">" for line in message.text.split("\n"))
        )
    if message.image_url:
        lines.append(_("preview.image", url=_link_target(message.image_url)))
    if message.button_label:
        label, url = escape(message.button_label), _link_target(message.button_url)
        lines.append(_("preview.button", label=label, url=url))
    return lines


def _link_target(url: str) -> str:
    """In `<url>` a `|` starts a label: one stored before links were checked stays part of it."""
    return escape(url).replace("|", "%7C")


def send_blocks(send: Send, headline: str) -> list[dict[str, Any]]:
    """The headline, the test-send note and the message preview: how the thread parent and the
    approval request begin."""
    blocks: list[dict[str, Any]] = [section(headline)]
    if send.test_send:
        blocks.append(context(_("test_note")))
    blocks.extend(section(part) for part in chunks(preview_lines(send.message)))
    notes = [_(f"category.{send.category}")]
    if send.sms_fallback and send.sms_text:
        sms = escape(send.sms_text[:300])
        notes.append(_("parent.sms_fallback", text=sms, segments=segments(send.sms_text)))
    blocks.append(context(" · ".join(notes)))
    if send.image_first_frame:
        blocks.append(context(_("image.first_frame")))
    return blocks


# -- modal inputs ------------------------------------------------------------------------------


def text_input(
    block_id: str,
    label: str,
    *,
    placeholder: str,
    hint: str | None = None,
    multiline: bool = False,
    optional: bool = True,
    max_length: int | None = None,
    initial: str = "",
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION_ID,
        "multiline": multiline,
        "placeholder": {"type": "plain_text", "text": placeholder},
    }
    if max_length:
        element["max_length"] = max_length
    if initial:
        element["initial_value"] = initial
    return input_block(block_id, label, element, optional=optional, hint=hint)


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = True,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def option(value: str, text: str) -> dict[str, Any]:
    """A choice; its value must fit whole (a cut value would name something else)."""
    if len(value) > OPTION_VALUE:
        raise ValueError(f"an option's value has {len(value)} characters, at most {OPTION_VALUE}")
    return {"text": {"type": "plain_text", "text": shorten(text, OPTION_TEXT)}, "value": value}


def image_upload_blocks(block_id: str, *, can_upload: bool, max_side: int) -> list[dict[str, Any]]:
    """The picture's file input under the image link, or, when eSMS could not fetch what the
    app hosts (PUBLIC_URL), the sentence saying why there is none."""
    if not can_upload:
        return [context(_("composer.image_upload_off"))]
    element = {
        "type": "file_input",
        "action_id": INPUT_ACTION_ID,
        "filetypes": list(FILE_TYPES),
        "max_files": 1,
    }
    hint = _("composer.image_file_hint", side=max_side)
    return [input_block(block_id, _("composer.image_file"), element, hint=hint)]


def uploaded_image(files: object) -> ImageUpload | None:
    """The picture a file input holds, as Slack describes it; None without one."""
    if not isinstance(files, list) or not files or not isinstance(files[0], dict):
        return None
    first = files[0]
    url = first.get("url_private_download") or first.get("url_private")
    size = first.get("size")
    if not isinstance(url, str) or not url:
        return None
    return ImageUpload(
        url=url,
        filetype=str(first.get("filetype") or ""),
        size=size if isinstance(size, int) and not isinstance(size, bool) else 0,
    )
