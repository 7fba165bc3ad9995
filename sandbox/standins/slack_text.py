"""What a person reads in Block Kit blocks, as the tests and the demo assert it."""

from __future__ import annotations

from typing import Any


def section_text(blocks: list[dict[str, Any]]) -> str:
    """The sections' text only: what a reply says, without its context lines (network, price)."""
    return "\n".join(
        block["text"].get("text", "")
        for block in blocks
        if block.get("type") == "section" and isinstance(block.get("text"), dict)
    )


def block_text(blocks: list[dict[str, Any]]) -> str:
    """All the text a person would read in these blocks, for assertions."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"].get("text", ""))
        for element in block.get("elements", []) or []:
            if isinstance(element, dict) and "text" in element:
                text = element["text"]
                parts.append(text.get("text", "") if isinstance(text, dict) else str(text))
    return "\n".join(parts)
