"""The ids Slack gives blocks and elements that have none, and the blocks as Slack gives them
back (every block and element with its id): the page and the payloads built from it agree."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any


def auto_id(obj: Mapping[str, Any]) -> str:
    """Slack gives each block and element without an id one of its own; this one comes from the
    JSON, so the page and the payloads built from it agree on it."""
    raw = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode()
    return base64.urlsafe_b64encode(hashlib.sha1(raw).digest())[:5].decode()


def block_id_of(block: Mapping[str, Any]) -> str:
    return str(block.get("block_id") or auto_id(block))


def action_id_of(element: Mapping[str, Any]) -> str:
    return str(element.get("action_id") or auto_id(element))


def with_ids(blocks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Blocks as Slack gives them back: every block and element with an id (the page's)."""
    out = []
    for block in blocks:
        copy = {**block, "block_id": block_id_of(block)}
        for key in ("accessory", "element"):
            if isinstance(block.get(key), Mapping) and block[key].get("type") != "image":
                copy[key] = {**block[key], "action_id": action_id_of(block[key])}
        if block.get("type") == "actions":
            copy["elements"] = [{**e, "action_id": action_id_of(e)} for e in block["elements"]]
        out.append(copy)
    return out


def find_element(
    blocks: Sequence[Mapping[str, Any]], block_id: str, action_id: str
) -> dict[str, Any]:
    """The element a person acted on, with its id; LookupError when the blocks have none."""
    for block in with_ids(blocks):
        if block["block_id"] != block_id:
            continue
        candidates = block.get("elements") or [block.get("accessory"), block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    raise LookupError(f"no element {action_id!r} in block {block_id!r}")
