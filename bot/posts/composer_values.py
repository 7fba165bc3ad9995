"""What a submitted composer holds: its fields' values out of `view.state.values`, read from
whichever version of the form was shown (see `field_block_id`), and the picture uploaded."""

from __future__ import annotations

from typing import Any

from bot.core.images import ImageUpload
from bot.posts.common import INPUT_ACTION_ID, uploaded_image
from bot.posts.composer import field_of

FIELD_BLOCKS = (
    "recipients",
    "text",
    "image_url",
    "image_file",
    "button_label",
    "button_url",
    "send_at",
    "brandname",
    "test_send",
    "category",
    "sms_fallback",
    "sms_template",
    "sms_text",
)


def submitted_image(state_values: dict[str, Any]) -> ImageUpload | None:
    """The picture uploaded in the composer, if any."""
    if not isinstance(state_values, dict):
        return None
    for block_id, block in state_values.items():
        element = block.get(INPUT_ACTION_ID) if isinstance(block, dict) else None
        if field_of(str(block_id)) == "image_file" and isinstance(element, dict):
            return uploaded_image(element.get("files"))
    return None


def submitted_values(state_values: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The composer's fields out of `view.state.values` (absent or odd values become ''),
    and the block id each field has in this view (for errors keyed to it)."""
    values = dict.fromkeys(FIELD_BLOCKS, "")
    block_ids = {field: field for field in FIELD_BLOCKS}
    if not isinstance(state_values, dict):
        return values, block_ids
    for block_id, block in state_values.items():
        field = field_of(str(block_id))
        element = block.get(INPUT_ACTION_ID) if isinstance(block, dict) else None
        if field not in values or not isinstance(element, dict):
            continue
        block_ids[field] = str(block_id)
        values[field] = _element_value(element)
    return values, block_ids


def _element_value(element: dict[str, Any]) -> str:
    if isinstance(element.get("value"), str):
        return element["value"]
    selected = element.get("selected_option")
    if isinstance(selected, dict) and isinstance(selected.get("value"), str):
        return selected["value"]
    many = element.get("selected_options")
    if isinstance(many, list):
        return ",".join(
            o["value"] for o in many if isinstance(o, dict) and isinstance(o.get("value"), str)
        )
    moment = element.get("selected_date_time")
    if isinstance(moment, int) and not isinstance(moment, bool):
        return str(moment)
    return ""
