"""The private notes the page shows (the app's ephemeral messages, and what commands answered
straight away), each named so that a button in one can be clicked as Slack lets its reader
click it: `note-N`, the stand-in's N-th ephemeral message; `answer-N`, the page's N-th
command answer."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.standins.slack_surfaces import Ephemeral

SHOWN_NOTES = 6
SHOWN_ANSWERS = 3


def shown_notes(
    notes: Sequence[Ephemeral], answers: Sequence[tuple[float, Mapping[str, Any]]]
) -> list[tuple[float, dict[str, Any]]]:
    """The latest of both, each with its name as its `ts`, oldest first."""
    first_note = max(len(notes) - SHOWN_NOTES, 0)
    first_answer = max(len(answers) - SHOWN_ANSWERS, 0)
    shown = [
        (note.at, {"text": note.text, "blocks": note.blocks, "ts": f"note-{index}"})
        for index, note in enumerate(notes[first_note:], start=first_note)
    ]
    shown += [
        (at, {**answer, "ts": f"answer-{index}"})
        for index, (at, answer) in enumerate(answers[first_answer:], start=first_answer)
    ]
    return sorted(shown, key=lambda timed: timed[0])


def named_note(
    name: str, notes: Sequence[Ephemeral], answers: Sequence[tuple[float, Mapping[str, Any]]]
) -> dict[str, Any] | None:
    """The note of that name, as `shown_notes` named it; None for any other name."""
    kind, _, number = name.partition("-")
    if not number.isdigit():
        return None
    index = int(number)
    if kind == "note" and index < len(notes):
        note = notes[index]
        return {"text": note.text, "blocks": note.blocks, "ts": name}
    if kind == "answer" and index < len(answers):
        return {**answers[index][1], "ts": name}
    return None


def as_json(text: str) -> dict[str, Any]:
    """A command's answer as the page keeps it: its JSON object, or nothing."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
