"""The page's private notes are named so that a button in one can be clicked."""

from __future__ import annotations

from sandbox.demo.notes import SHOWN_NOTES, named_note, shown_notes
from sandbox.standins.slack_surfaces import Ephemeral


def note(text: str, at: float) -> Ephemeral:
    return Ephemeral("response_url", text, [{"type": "section", "text": text}], at=at)


def test_the_latest_notes_and_answers_are_shown_in_order_each_with_its_name():
    notes = [note(f"n{i}", float(i)) for i in range(SHOWN_NOTES + 2)]
    answers = [(2.5, {"text": "a0"}), (100.0, {"text": "a1"})]
    shown = shown_notes(notes, answers)
    assert [n["ts"] for _at, n in shown] == [
        "note-2",
        "answer-0",  # between the notes of its time
        *(f"note-{i}" for i in range(3, SHOWN_NOTES + 2)),
        "answer-1",
    ]
    for _at, shown_note in shown:
        assert named_note(shown_note["ts"], notes, answers) == shown_note


def test_any_other_name_finds_nothing():
    notes, answers = [note("n0", 1.0)], [(1.0, {"text": "a0"})]
    for name in ("note-1", "answer-1", "note-", "note--1", "1.2", "", "answer-x", "view-0"):
        assert named_note(name, notes, answers) is None
