"""Benchmark 6: `viber-bot export` of --recipients recipients, its peak memory beside its output.

A fresh database is filled in bulk with --recipients recipient rows over the 30 days of November
2026 (Vietnamese time), as an auditor would find them: sends of --per-send numbers, one in five
approved with its trail, one in twenty-five rejected with a reason, one in ten with a failed
Viber message and its SMS fallback row, one in fifty purged. Then `viber-bot export` runs as a
separate process, exactly as an admin runs it (standard output into a file), for the whole month
in CSV and in JSON Lines, and for three days of it (a tenth of the rows). Measured for each
process: its peak resident set (ru_maxrss, from wait4 on that child alone), the wall time, the
lines written and the size of the output. Same-run baselines: `python -c pass`, and the export of
a day with no sends (the same imports and database, no rows). SQLite always; PostgreSQL too with
--postgres (a database created for the run on that server and dropped after).

    python -m benchmarks.export [--recipients 100000] [--per-send 4] [--batch-size 2000]
                                [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from benchmarks.common import ROOT, app_environment, table
from bot.core.formatting import VIETNAM
from bot.store import Store
from tests.databases import postgres_database

MONTH = ("2026-11-01", "2026-11-30")
THREE_DAYS = ("2026-11-10", "2026-11-12")
EMPTY_DAY = ("2026-10-15", "2026-10-15")
TEXT = (
    "Chào chị {n}, đơn hàng A{n} của chị đã được giao cho đơn vị vận chuyển và sẽ tới trong "
    "hai ngày. Chi tiết: https://shop.example/don/{n}"
)
_SEND_COLUMNS = (
    "id, created_at, updated_at, team_id, channel_id, user_id, text, image_url, button_label, "
    "button_url, brandname, test_send, thread_state, approval, decided_by, decided_at, "
    "decision_reason, category, sms_fallback, sms_text, campaign, purged_at"
)
_RECIPIENT_COLUMNS = (
    "id, send_id, position, phone, request_id, sms_id, state, esms_send_status, error_code, "
    "telco_id, price, submitted_at, updated_at, channel, fallback_for"
)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def seed(url: str, recipients: int, per_send: int) -> tuple[int, int]:
    """Fill a fresh database in bulk; (sends, recipient rows)."""
    store = Store.open(url, pool_size=1)
    store.migrate()
    start = datetime(2026, 11, 1, tzinfo=VIETNAM).timestamp()
    sends, rows, events = [], [], []
    number, recipient_id = 0, 0
    while recipient_id < recipients:
        send_id, number = uuid.uuid4().hex[:16], number + 1
        at = start + (number * 30 * 86400 / (recipients / per_send)) % (30 * 86400)
        approval, decided_by, decided_at, reason = "none", None, None, None
        if number % 25 == 0:
            approval, decided_by, decided_at, reason = "rejected", "U0BOSS", at + 120, "sai giá"
        elif number % 5 == 0:
            approval, decided_by, decided_at = "approved", "U0BOSS", at + 90
        purged = number % 50 == 0
        fallback = number % 10 == 0 and approval != "rejected"
        sends.append(
            (send_id, at, at + 5, "T0001", f"C00{number % 7}", f"U00{number % 13}",
             "" if purged else TEXT.format(n=number), "", "", "", "SHOP", 0, "posted", approval,
             decided_by, decided_at, None if purged else reason, "care", int(fallback),
             None if purged or not fallback else "Don hang da giao", 0, at + 86400 if purged else None)
        )  # fmt: skip
        if decided_at is not None:
            events.append((send_id, decided_at, decided_by, approval, None if purged else reason))
        for position in range(per_send):
            if recipient_id == recipients:
                break
            recipient_id += 1
            phone = f"09{(number * per_send + position) % 10**8:08d}"
            phone = "•••••••" + phone[-3:] if purged else phone
            failed = fallback and position == 0
            state = "cancelled" if approval == "rejected" else "failed" if failed else "delivered"
            sent = approval != "rejected"
            rows.append(
                (recipient_id, send_id, position, phone, str(uuid.uuid4()),
                 f"SMS{recipient_id}" if sent else None, state, 5 if sent else None,
                 None, 1 + recipient_id % 7 if sent else None, 470.0 if sent else None,
                 at + 10 if sent else None, at + 20, "viber", None)
            )  # fmt: skip
            if failed and recipient_id < recipients:
                recipient_id += 1
                rows.append(
                    (recipient_id, send_id, position, phone, str(uuid.uuid4()),
                     f"SMS{recipient_id}", "delivered", 5, None, 2, 560.0, at + 30, at + 40,
                     "sms", recipient_id - 1)
                )  # fmt: skip
    with store.db.transaction() as conn:
        marks = ", ".join("?" for _ in _SEND_COLUMNS.split(","))
        conn.executemany(f"INSERT INTO sends ({_SEND_COLUMNS}) VALUES ({marks})", sends)
        marks = ", ".join("?" for _ in _RECIPIENT_COLUMNS.split(","))
        conn.executemany(f"INSERT INTO recipients ({_RECIPIENT_COLUMNS}) VALUES ({marks})", rows)
        conn.executemany(
            "INSERT INTO approval_events (send_id, at, actor, action, reason) VALUES (?, ?, ?, ?, ?)",
            events,
        )
        store.db.reset_identities(conn)
    store.close()
    return len(sends), len(rows)


# Forks and execs the command, then writes that child's ru_maxrss (wait4) into argv[1]. A child
# is charged the resident set it had before exec, its parent's: so the parent is this bare
# interpreter (python -S, a few MB), not the benchmark.
_LAUNCHER = """import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured(command: list[str], env: dict[str, str], output: Path) -> tuple[float, float, str]:
    """Run `command` with its standard output into `output`: (peak RSS in MB of that process
    alone, seconds, its standard error)."""
    peak = output.with_suffix(".peak")
    launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(peak)]
    with output.open("wb") as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        finished = subprocess.run([*launcher, *command], env=env, cwd=ROOT, stdout=out, stderr=err)
        elapsed = time.perf_counter() - started
        err.seek(0)
        said = err.read().decode(errors="replace")
    if finished.returncode != 0:
        raise RuntimeError(f"{command} exited {finished.returncode}: {said[-2000:]}")
    return int(peak.read_text()) / 1024, elapsed, said  # Linux counts ru_maxrss in KiB


def lines_in(path: Path, kind: str) -> int:
    if kind == "jsonl":
        with path.open("rb") as data:
            return sum(1 for _ in data)
    import csv

    with path.open(encoding="utf-8", newline="") as data:
        return sum(1 for _ in csv.reader(data)) - 1  # the header


def run(database: str, url: str, args: argparse.Namespace, rows: list[list[object]]) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-export-"))
    say(f"{database}: seeding {args.recipients:,} recipients …")
    started = time.perf_counter()
    sends, recipients = seed(url, args.recipients, args.per_send)
    say(
        f"{database}: {sends:,} sends, {recipients:,} recipient rows in {time.perf_counter() - started:.1f} s"
    )
    env = app_environment("http://127.0.0.1:9/", "http://127.0.0.1:9/", 0, workdir / "x.db")
    env["DATABASE_URL"] = url
    python = [sys.executable]
    rss, seconds, _ = measured([*python, "-c", "pass"], env, workdir / "pass.out")
    rows.append([database, "baseline: python -c pass", "", "", f"{rss:.1f}", f"{seconds:.2f}", ""])
    cases = [("baseline: a day with no sends", EMPTY_DAY, "csv")]
    cases += [("3 days", THREE_DAYS, "csv"), ("30 days", MONTH, "csv"), ("30 days", MONTH, "jsonl")]
    for label, (first, last), kind in cases:
        output = workdir / f"export-{first}-{last}.{kind}"
        command = [*python, "-m", "bot.cli", "export", "--from", first, "--to", last]
        command += ["--format", kind, "--batch-size", str(args.batch_size)]
        rss, seconds, said = measured(command, env, output)
        count = lines_in(output, kind)
        assert f"Exported {count} " in said, said
        size = output.stat().st_size / 1e6
        rate = f"{count / seconds:,.0f}" if count else ""
        rows.append([database, f"{label}, {kind}", f"{count:,}", f"{size:.1f}", f"{rss:.1f}",
                     f"{seconds:.2f}", rate])  # fmt: skip
        say(f"{database}: {label} {kind}: {count:,} lines, {size:.1f} MB, peak RSS {rss:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--per-send", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--postgres", metavar="URL", help="also on a new database on this server")
    args = parser.parse_args()
    rows: list[list[object]] = []
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="bench-export-db-"))
        run("sqlite", f"sqlite:///{workdir / 'export.db'}", args, rows)
        if args.postgres:
            run("postgres", stack.enter_context(postgres_database(args.postgres)), args, rows)
    table(
        f"viber-bot export of {args.recipients:,} recipients (batches of {args.batch_size:,})",
        ["database", "run", "lines", "output MB", "peak RSS MB", "seconds", "lines/s"],
        rows,
    )


if __name__ == "__main__":
    main()
