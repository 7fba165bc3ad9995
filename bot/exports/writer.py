"""The export's writers: CSV (every cell through the one CSV writer) or JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from bot.core.csv_cells import CsvWriter
from bot.exports.records import COLUMNS


def write_csv(lines: Iterable[dict[str, Any]], out: TextIO) -> int:
    """The header, then one line per record; `out` is opened with newline="". Returns the count."""
    writer = CsvWriter(out)
    writer.writerow(COLUMNS)
    count = 0
    for line in lines:
        writer.writerow([_cell(line[name]) for name in COLUMNS])
        count += 1
    return count


def write_jsonl(lines: Iterable[dict[str, Any]], out: TextIO) -> int:
    """One JSON object per line, with every column by name. Returns the count."""
    count = 0
    for line in lines:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        count += 1
    return count


WRITERS = {"csv": write_csv, "jsonl": write_jsonl}


def _cell(value: Any) -> Any:
    if isinstance(value, list):  # the trail: `at action by actor: reason; …`
        return "; ".join(_event(event) for event in value)
    return value


def _event(event: dict[str, Any]) -> str:
    said = f"{event['at']} {event['action']}"
    said += f" by {event['actor']}" if event["actor"] else ""
    return said + (f": {event['reason']}" if event["reason"] else "")
