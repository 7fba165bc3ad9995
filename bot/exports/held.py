"""The access file: everything the app holds about one number, as one JSON document a team lead
opens in a browser or a text editor and reads top to bottom.

JSON rather than a zip of CSV files: one file to hand over, a summary and notes first, then one
section per kind of data, and what belongs together stays together (a campaign row's values,
a callback's raw query) where a spreadsheet would flatten or split it. Times are Vietnam time.

Bounded: the messages are read a batch at a time (`bot/store/held.py`) and each long list is
written to a temporary file of its own as it is read, then the document is put together from
them, so memory holds one batch whatever the number received; each list stops at its limit,
and a note in the file says so.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import textwrap
from dataclasses import dataclass, field
from typing import IO, Any

from bot.core.i18n import _
from bot.core.privacy import is_digest
from bot.exports.held_entries import (
    callback_entry,
    campaign_row_entry,
    consent_entry,
    event_entry,
    opt_out_entry,
    request_entry,
    send_entry,
)
from bot.exports.records import iso
from bot.store import Store
from bot.store.exports import Exports
from bot.store.held import Held

MAX_SENDS = 10_000  # messages to the number listed in one file
MAX_ITEMS = 10_000  # statuses, campaign rows, approval events, unmatched callbacks: each
MAX_HISTORY = 1_000  # changes to the opt-out, and to the consent
MAX_REQUESTS = 1_000
_LISTS = ("sends", "statuses", "campaign_rows", "approval_events", "unmatched_callbacks")


@dataclass(frozen=True)
class Subject:
    """Whose data, and the request it answers."""

    phone: str  # normalised
    digest: str  # its keyed digest, or "-" when DATA_KEY is unset
    request_id: int
    asked_by: str
    made_at: float
    removed_at: float  # when the file leaves Slack


@dataclass(frozen=True)
class Limits:
    sends: int = MAX_SENDS
    items: int = MAX_ITEMS
    history: int = MAX_HISTORY


@dataclass
class _List:
    """One long section, written to its own temporary file as it is read."""

    limit: int
    count: int = 0
    cut: bool = False
    file: IO[str] = field(
        default_factory=lambda: tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
    )

    def add(self, item: dict[str, Any]) -> bool:
        if self.count >= self.limit:
            self.cut = True
            return False
        self.file.write((",\n" if self.count else "") + _indented(item, 4))
        self.count += 1
        return True

    def copy_to(self, out: IO[str], key: str) -> None:
        out.write(f",\n  {json.dumps(key)}: [")
        if self.count:
            out.write("\n")
            self.file.seek(0)
            shutil.copyfileobj(self.file, out)
            out.write("\n  ")
        out.write("]")
        self.file.close()


def write_held(
    store: Store, subject: Subject, out: IO[str], limits: Limits = Limits()
) -> dict[str, Any]:
    """Write the document to `out`; returns what was found, counted per kind (no number)."""
    held = Held(store.db)
    forms = (subject.phone, subject.digest) if is_digest(subject.digest) else (subject.phone,)
    lists = {key: _List(limits.sends if key == "sends" else limits.items) for key in _LISTS}
    try:
        _read_messages(store, held, forms, lists)
        unmatched = lists["unmatched_callbacks"]
        for batch in held.unmatched(subject.phone):
            if not all(unmatched.add(callback_entry(row)) for row in batch):
                break
        return _assemble(store, held, subject, forms, lists, limits, out)
    finally:
        for section in lists.values():
            section.file.close()


def _read_messages(
    store: Store, held: Held, forms: tuple[str, ...], lists: dict[str, _List]
) -> None:
    """The messages, their statuses, campaign rows and approval events, a batch at a time."""
    exports, seen, sends = Exports(store.db), set[str](), lists["sends"]
    for batch in held.recipients(forms):
        kept = []
        for row in batch:
            if not sends.add(send_entry(row)):
                break
            kept.append(row)
            if row["row_values"] is not None:
                lists["campaign_rows"].add(campaign_row_entry(row))
        room = lists["statuses"].limit - lists["statuses"].count
        for status in held.statuses(kept, limit=room + 1):  # one more: a cut is seen
            lists["statuses"].add(
                {"recipient_id": status["recipient_id"], **callback_entry(status)}
            )
        new = {row["send_id"] for row in kept} - seen
        seen |= new
        for send_id, trail in sorted(exports.trails(new).items()):
            for event in trail:
                lists["approval_events"].add({"send_id": send_id, **event_entry(event)})
        if sends.cut:
            return


def _assemble(
    store: Store,
    held: Held,
    subject: Subject,
    forms: tuple[str, ...],
    lists: dict[str, _List],
    limits: Limits,
    out: IO[str],
) -> dict[str, Any]:
    totals = held.totals(forms)
    opt_out, consent = held.opt_out(forms), held.consent(forms)
    opt_outs, opt_out_total = held.events("opt_out_events", forms, limits.history)
    consents, consent_total = held.events("consent_events", forms, limits.history)
    requests = store.privacy_requests.about(subject.digest, MAX_REQUESTS)
    found = {key: lists[key].count for key in _LISTS} | {
        "messages_held": int(totals["messages"]),
        "cost_vnd": _number(totals["cost"]),
        "opt_out": int(opt_out is not None),
        "opt_out_events": opt_out_total,
        "consent": int(consent is not None),
        "consent_events": consent_total,
        "privacy_requests": len(requests),
    }
    notes = _notes(subject, lists, found, (len(opt_outs), opt_out_total, len(consents)))
    out.write("{\n  " + '"about": ' + _indented(_about(subject), 2))
    out.write(',\n  "summary": ' + _indented(found, 2))
    out.write(',\n  "notes": ' + _indented(notes, 2))
    for key in ("sends", "statuses"):
        lists[key].copy_to(out, key)
    costs = {"total_vnd": found["cost_vnd"], "priced_messages": int(totals["priced"])}
    out.write(',\n  "costs": ' + _indented(costs | {"messages": found["messages_held"]}, 2))
    for key in ("campaign_rows", "approval_events"):
        lists[key].copy_to(out, key)
    sections: dict[str, Any] = {
        "opt_out": opt_out_entry(opt_out),
        "opt_out_history": [event_entry(row) for row in opt_outs],
        "consent": consent_entry(consent),
        "consent_history": [event_entry(row) for row in consents],
    }
    for key, value in sections.items():
        out.write(f",\n  {json.dumps(key)}: " + _indented(value, 2))
    lists["unmatched_callbacks"].copy_to(out, "unmatched_callbacks")
    out.write(',\n  "privacy_requests": ' + _indented([request_entry(r) for r in requests], 2))
    out.write("\n}\n")
    return found


def _about(subject: Subject) -> dict[str, Any]:
    return {
        "number": subject.phone,
        "request": subject.request_id,
        "asked_by": subject.asked_by,
        "made_at": iso(subject.made_at),
        "removed_from_slack_at": iso(subject.removed_at),
        "what_this_is": _("privacy.doc_about", id=subject.request_id),
    }


def _notes(
    subject: Subject, lists: dict[str, _List], found: dict[str, Any], history: tuple[int, ...]
) -> list[str]:
    notes = []
    if not any(found[key] for key in found if key not in ("privacy_requests", "cost_vnd")):
        notes.append(_("privacy.doc_nothing"))
    if lists["sends"].cut:
        notes.append(
            _("privacy.doc_cut_sends", shown=lists["sends"].count, total=found["messages_held"])
        )
    for key in _LISTS[1:]:
        if lists[key].cut:
            notes.append(_("privacy.doc_cut", section=key, shown=lists[key].count))
    shown_opt_outs, opt_out_total, shown_consents = history
    if shown_opt_outs < opt_out_total:
        notes.append(_("privacy.doc_cut", section="opt_out_history", shown=shown_opt_outs))
    if shown_consents < found["consent_events"]:
        notes.append(_("privacy.doc_cut", section="consent_history", shown=shown_consents))
    if not is_digest(subject.digest):
        notes.append(_("privacy.doc_no_key"))
    return notes


def _number(value: float | None) -> int | float:
    value = float(value or 0)
    return int(value) if value.is_integer() else value


def _indented(value: Any, by: int) -> str:
    """`value` as pretty JSON whose lines after the first sit `by` spaces in (a list item's
    first line too, when `by` is 4)."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    if by == 4:
        return textwrap.indent(text, " " * 4)
    return text.replace("\n", "\n" + " " * by)
