"""`viber-bot consent import FILE.csv` and `viber-bot consent export`: the consents to
marketing as a file, as a CRM or a signed form's register keeps them.

The file has a phone column (`phone`, `Số điện thoại` …), an `evidence` column (what the
customer agreed to and how) and a `given_at` column (when: YYYY-MM-DD [HH:MM[:SS]], ISO 8601
with an offset, or DD/MM/YYYY [HH:MM]; Vietnam time unless an offset is given). Every row is
checked before anything is recorded, and a file with any bad row records nothing. A number on
several rows is recorded as its last row says. What `export` writes, `import` reads back
unchanged: nothing new is recorded."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO, TextIO

from bot.cli.csv_lists import CsvList, add_csv_list
from bot.core.consent import MAX_EVIDENCE, SOURCE_IMPORT, evidence_problem
from bot.core.csv_cells import CsvWriter, read_cell
from bot.core.formatting import VIETNAM, vietnam_day
from bot.core.moments import MOMENT_FORMATS, read_moment
from bot.core.phones import normalize_phone
from bot.core.spreadsheet import SheetError, phone_column, read_sheet
from bot.store.consents import BATCH, NewConsent, OptedOut

if TYPE_CHECKING:
    from bot.store import Store

SHOWN_PROBLEMS = 20
MAX_IMPORT_ROWS = 500_000  # a file with more is refused whole, before a row is kept
COLUMNS = ("evidence", "given_at")
HEADER = ("phone", "given_at", "evidence", "source", "recorded_by", "recorded_at")


def import_file(
    store: Store, data: bytes | BinaryIO, actor: str, now: float | None = None
) -> tuple[int, int]:
    """Record every consent of the file in one transaction: (recorded, on record already).
    A file with a bad row, or too many, records nothing: SheetError names the rows."""
    sheet = read_sheet(data, MAX_IMPORT_ROWS)
    column = phone_column(sheet)
    if missing := [name for name in COLUMNS if name not in sheet.headers]:
        raise SheetError(
            f"no {' or '.join(missing)} column: a consent needs its evidence and when it was"
            f" given (the columns found: {', '.join(sheet.headers)})"
        )
    moment = time.time() if now is None else now
    entries: dict[str, tuple[int, NewConsent]] = {}
    problems: dict[int, list[str]] = {}
    for number, row in enumerate(sheet.rows, start=2):
        consent, found = _checked(row, column, moment)
        if found:
            problems[number] = found
        elif consent is not None:
            entries[consent.phone] = (number, consent)  # the last row of a number wins
    for phone, day in _opted_out(store, list(entries)).items():
        problems.setdefault(entries[phone][0], []).append(_opted_out_problem(phone, day))
    if problems:
        raise _refusal(problems)
    try:
        return store.consents.give_many([new for _, new in entries.values()], actor, SOURCE_IMPORT)
    except OptedOut as refused:  # a number opted out since it was looked up
        raise _refusal(
            {entries[phone][0]: [_opted_out_problem(phone, None)] for phone in refused.phones}
        ) from None


def _checked(
    row: Mapping[str, str], column: str, now: float
) -> tuple[NewConsent | None, list[str]]:
    """The row's consent, or every problem with it."""
    problems = []
    phone = normalize_phone(row[column])
    if phone is None:
        problems.append(f"{row[column]!r} is not a Vietnamese mobile number")
    evidence = read_cell(row["evidence"])  # as `export` wrote it, a formula defused
    problem = evidence_problem(evidence)
    if problem == "consent.err_no_evidence":
        problems.append("no evidence (what the customer agreed to and how)")
    elif problem:
        problems.append(f"the evidence has {len(evidence)} characters, at most {MAX_EVIDENCE}")
    given_at = read_moment(row["given_at"])
    if not row["given_at"]:
        problems.append("no given_at (when the customer agreed)")
    elif given_at is None:
        problems.append(f"given_at {row['given_at'][:40]!r} is not a time ({MOMENT_FORMATS})")
    elif given_at > now:
        problems.append(f"given_at {row['given_at'][:40]} is in the future")
    if problems or phone is None or given_at is None:
        return None, problems
    return NewConsent(phone, evidence, given_at), []


def _opted_out(store: Store, phones: list[str]) -> dict[str, str]:
    """Which of these numbers opted out, and on which day; looked up a batch at a time."""
    found: dict[str, str] = {}
    for start in range(0, len(phones), BATCH):
        for phone, opt_out in store.optouts.among(phones[start : start + BATCH]).items():
            found[phone] = vietnam_day(opt_out.added_at)
    return found


def _opted_out_problem(phone: str, day: str | None) -> str:
    since = f" on {day}" if day else ""
    return f"{phone} opted out{since}: an opt-out admin must take it off the opt-outs first"


def _refusal(problems: Mapping[int, Iterable[str]]) -> SheetError:
    shown = [f"row {row}: {'; '.join(problems[row])}" for row in sorted(problems)]
    if len(shown) > SHOWN_PROBLEMS:
        shown = [*shown[:SHOWN_PROBLEMS], f"… and {len(problems) - SHOWN_PROBLEMS} more"]
    return SheetError("nothing was imported:\n  " + "\n  ".join(shown))


def export_file(store: Store, out: TextIO) -> int:
    """Every consent on record as CSV, a batch at a time; how many."""
    writer = CsvWriter(out)
    writer.writerow(HEADER)
    count = 0
    for consent in store.consents.all():
        # given_at whole, fractions of a second too: read back, it is the same consent.
        given_at = datetime.fromtimestamp(consent.given_at, VIETNAM).isoformat()
        recorded = datetime.fromtimestamp(consent.recorded_at, VIETNAM)
        writer.writerow(
            [
                consent.phone,
                given_at,
                consent.evidence,
                consent.source,
                consent.recorded_by,
                recorded.isoformat(timespec="seconds"),
            ]
        )
        count += 1
    return count


def add(commands: argparse._SubParsersAction, open_store: Callable[[], Store]) -> None:
    add_csv_list(commands, open_store, CONSENTS)


CONSENTS = CsvList(
    "consent",
    help="import or export the consents to marketing",
    import_help="record the consents of a CSV file (phone, evidence and given_at columns); "
    "a file with a bad row records nothing",
    export_help="write every consent on record as CSV",
    import_file=import_file,
    export_file=export_file,
    imported="Recorded {new} consents ({known} were on record already).",
    exported="{count} consents on record.",
)
