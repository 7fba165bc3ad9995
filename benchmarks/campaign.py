"""Benchmark 5: a campaign of --rows rows, from the CSV in Slack's modal to the report in its thread.

The real app (`viber-bot serve`) runs with ESMS_MAX_PER_SECOND=--rate while eSMS answers each
send after --esms-delay seconds. A generated CSV (Vietnamese headers, a BOM, semicolons, a
{Tên khách} placeholder in the text) is submitted in the campaign modal, previewed, then started.
While it sends, --agents agents open the composer (/viber) and submit it, in rounds --agent-pause
seconds apart (benchmark 1's drive); the same rounds run on the same app, idle, just before the
campaign: the same-run baseline. Once every row is accepted, eSMS calls back once per row
(delivered) and the clock runs until the campaign's report is uploaded into its thread.

Measured: submission to preview; the submit rate achieved over the steady part (5th to 95th
percentile of submission times); acknowledgements during the campaign; Slack Web API calls made
for the campaign against the bound of its refresh interval; peak RSS of gunicorn's master and
worker; callbacks ingested, rows final, phones accepted twice. SQLite always; PostgreSQL too with
--postgres (a database created for the run on that server and dropped after). Loopback only.

    python -m benchmarks.campaign [--rows 10000] [--rate 50] [--esms-delay 0.2] [--agents 4]
                                  [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import math
import os
import statistics
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

from benchmarks.ack_latency import drive
from benchmarks.common import (
    AppProcess,
    EsmsStandIn,
    SlackApiStandIn,
    percentiles,
    resident_memory_mb,
    start_app,
    table,
)
from bot.core.delivery import FINAL_STATES
from bot.jobs.campaign import REFRESH_SECONDS
from bot.standins.esms import Submission
from bot.standins.slack_api import TEAM_ID, Message, block_text
from bot.store import Store
from tests.databases import postgres_database

CHANNEL = "C0CAMPAIGN"  # the agents' composer sends go to C0001: their Slack calls stay apart
HEADER = "\ufeffSố điện thoại;Tên khách;Mã đơn\n"
TEXT = "Chào {Tên khách}, đơn {Mã đơn} của bạn đã sẵn sàng. Cảm ơn bạn đã mua hàng!"
FIRST_PHONE = 950_000_000  # rows go to 0950000000…; the agents' composer to 09000000xx
MILESTONE_REPLIES = 2  # "Started by …", "Finished: …" (the preview came before Start)
REPORT_FILE_CALLS = 2  # files.getUploadURLExternal, files.completeUploadExternal
PREVIEW_TARGET_S = 5.0
RATE_TARGET = 0.95
ACK_P99_TARGET_MS = 1000.0
SLACK_ACK_MS = 3000.0  # Slack gives up on an acknowledgement after 3 s
RSS_TARGET_MB = 150.0
GAP_TOLERANCE_S = 0.25  # arrival times at the stand-in, not the app's own clock
CALLBACK_THREADS = 32


def row_phone(index: int) -> str:
    return f"0{FIRST_PHONE + index:09d}"


def is_row(phone: str) -> bool:
    """A campaign row's phone (the agents' composer sends go to others)."""
    return len(phone) == 10 and phone >= row_phone(0)


def sheet(rows: int) -> bytes:
    lines = [f"{row_phone(i)};Khách {i};ĐH{i:05d}" for i in range(rows)]
    return (HEADER + "\n".join(lines) + "\n").encode()


def job_threads(rate: float, delay: float) -> int:
    """Enough eSMS calls in flight for the pace at that latency, twice over (at most 64)."""
    return max(1, min(64, math.ceil(2 * rate * delay + 4)))


# -- speaking as Slack ------------------------------------------------------------------------


def submit_campaign(app: AppProcess, upload: dict[str, Any]) -> requests.Response:
    """The campaign modal submitted with the uploaded file, as Slack posts it."""
    state = {
        "file": {"value": {"type": "file_input", "files": [upload]}},
        "text": {"value": {"type": "plain_text_input", "value": TEXT}},
        "button_label": {"value": {"type": "plain_text_input", "value": None}},
        "button_url": {"value": {"type": "plain_text_input", "value": None}},
        "category": {"value": {"type": "static_select", "selected_option": {"value": "care"}}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "example"},
        "user": {"id": "U0001", "username": "agent", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": "1234.5678.trigger",
        "view": {
            "id": "V0002",
            "type": "modal",
            "callback_id": "viber_campaign",
            "private_metadata": json.dumps({"c": CHANNEL, "r": None, "t": None, "v": 0}),
            "blocks": [{"type": "input", "block_id": name} for name in state],
            "state": {"values": state},
        },
    }
    return app.post_signed(urlencode({"payload": json.dumps(payload)}))


def button(message: Message, action_id: str) -> str | None:
    """The value of the parent's button `action_id`, None while it has none."""
    for block in message.blocks:
        if block.get("type") != "actions":
            continue
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element.get("value"))
    return None


def press(app: AppProcess, parent: Message, action_id: str, value: str) -> requests.Response:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "example"},
        "user": {"id": "U0001", "username": "agent", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": "9.9.trigger",
        "container": {"type": "message", "message_ts": parent.ts, "channel_id": CHANNEL},
        "channel": {"id": CHANNEL, "name": "campaigns"},
        "message": {"ts": parent.ts, "text": parent.text},
        "response_url": "",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "campaign",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }
    return app.post_signed(urlencode({"payload": json.dumps(payload)}))


def thread_text(slack: SlackApiStandIn, parent_ts: str) -> str:
    return "\n".join(m.text + "\n" + block_text(m.blocks) for m in slack.replies(parent_ts))


def wait_until(predicate: Any, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def say(text: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {text}", flush=True)


# -- load and observation beside the campaign -------------------------------------------------


class Agents:
    """Rounds of benchmark 1's drive (each agent one /viber and one composer submission), a pause
    apart, on a thread of their own until stopped."""

    def __init__(self, app: AppProcess, agents: int, pause: float) -> None:
        self.app, self.agents, self.pause = app, agents, pause
        self.timings: list[float] = []
        self.composed: list[float] = []  # when each composer submission had been acknowledged
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.pause):
            try:
                self.timings += drive(self.app, self.agents, 2 * self.agents)
                self.composed += [time.time()] * self.agents
            except Exception as error:  # reported in the table, not lost
                self.error = f"{type(error).__name__}: {error}"[:200]
                return

    def run_for(self, seconds: float) -> list[float]:
        self.start()
        time.sleep(seconds)
        return self.stop()

    def start(self) -> Agents:
        self._thread.start()
        return self

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join()
        return self.timings


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Memory:
    """Peak RSS (VmHWM) of gunicorn's master and of every worker it had, sampled each second."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.peaks: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        for pid, role in [(self.master, "master"), *((c, "worker") for c in children(self.master))]:
            try:
                _, peak = resident_memory_mb(pid)
            except (OSError, KeyError, ValueError):
                continue  # gone between the listing and the read
            self.peaks[pid] = (role, max(peak, self.peaks.get(pid, (role, 0.0))[1]))

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.sample()

    def start(self) -> Memory:
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def peak(self, role: str) -> float:
        return max((mb for r, mb in self.peaks.values() if r == role), default=float("nan"))

    def workers(self) -> int:
        return sum(r == "worker" for r, _ in self.peaks.values())


def accepted_rows(esms: EsmsStandIn) -> list[Submission]:
    """Every submission of a campaign row that eSMS accepted."""
    with esms.lock:
        return [s for s in esms.submissions if s.code == 100 and s.phones and is_row(s.phones[0])]


def steady_rate(times: list[float]) -> tuple[float, float, float]:
    """Submissions per second between the 5th and the 95th percentile of their times."""
    ordered = sorted(times)
    low, high = round(0.05 * (len(ordered) - 1)), round(0.95 * (len(ordered) - 1))
    span = ordered[high] - ordered[low]
    return ((high - low) / span if span > 0 else float("nan")), ordered[low], ordered[high]


def callback_all(esms: EsmsStandIn, submissions: list[Submission]) -> list[int | None]:
    """eSMS reporting every row delivered, from a pool of threads; the app's HTTP statuses."""

    def one(submission: Submission) -> int | None:
        try:
            return esms.callback(submission, 5, success=1, TotalPrice="470.0000").status_code
        except requests.RequestException:
            return None

    with ThreadPoolExecutor(CALLBACK_THREADS) as pool:
        return list(pool.map(one, submissions))


# -- one run ------------------------------------------------------------------------------------


@dataclass
class Run:
    database: str
    figures: list[list[str]] = field(default_factory=list)  # figure, measured, target, ✓/✗
    problems: list[str] = field(default_factory=list)  # lost or duplicated work

    def add(self, figure: str, measured: str, target: str, ok: bool | None) -> None:
        mark = "" if ok is None else ("✓" if ok else "✗")
        self.figures.append([figure, measured, target, mark])


def run(database: str, url: str, args: argparse.Namespace) -> Run:
    result = Run(database)
    workdir = Path(tempfile.mkdtemp(prefix="bench-campaign-"))
    slack, esms = SlackApiStandIn().start(), EsmsStandIn().start()
    esms.send_delay = args.esms_delay
    threads = job_threads(args.rate, args.esms_delay)
    say(f"{database}: app with ESMS_MAX_PER_SECOND={args.rate:g}, JOB_THREADS={threads}")
    app = start_app(
        slack,
        esms,
        workdir,
        DATABASE_URL=url,
        ESMS_MAX_PER_SECOND=f"{args.rate:g}",
        JOB_THREADS=str(threads),
        ESMS_TIMEOUT_SECONDS=f"{max(5.0, 10 * args.esms_delay):g}",
        JOB_LEASE_SECONDS=f"{10 * args.esms_delay + 30:g}",
    )
    assert app.process is not None
    memory = Memory(app.process.pid).start()
    agents: Agents | None = None
    try:
        drive(app, args.agents, 4 * args.agents)  # warm-up
        idle = Agents(app, args.agents, args.agent_pause).run_for(args.idle_seconds)

        content = sheet(args.rows)
        upload = slack.add_file("khach-hang-thang-12.csv", content)
        say(f"submitting a campaign of {args.rows} rows ({len(content) / 1e6:.2f} MB)")
        started = time.perf_counter()
        answer = submit_campaign(app, upload)
        submit_ack = (time.perf_counter() - started) * 1000
        if answer.status_code != 200 or answer.content.strip():
            raise RuntimeError(f"modal refused: HTTP {answer.status_code} {answer.text[:300]}")
        preview_timeout = 60 + args.rows / 100
        if not wait_until(lambda: slack.parents(CHANNEL), preview_timeout):
            raise RuntimeError("no thread parent for the campaign")
        parent_ts = slack.parents(CHANNEL)[0].ts
        if not wait_until(
            lambda: "Preview" in thread_text(slack, parent_ts), preview_timeout, 0.02
        ):
            raise RuntimeError(f"no preview:\n{thread_text(slack, parent_ts)[:500]}")
        preview_s = time.perf_counter() - started
        preview_line = thread_text(slack, parent_ts).strip().splitlines()[0]
        say(f"preview after {preview_s:.2f} s: {preview_line[:120]}")
        if not wait_until(lambda: button(slack.messages[parent_ts], "campaign_start"), 30):
            raise RuntimeError("the parent never showed Start")
        send_id = button(slack.messages[parent_ts], "campaign_start") or ""

        agents = Agents(app, args.agents, args.agent_pause).start()
        start_at = time.time()
        clicked = time.perf_counter()
        answer = press(app, slack.messages[parent_ts], "campaign_start", send_id)
        start_ack = (time.perf_counter() - clicked) * 1000
        if answer.status_code != 200:
            raise RuntimeError(f"Start refused: HTTP {answer.status_code}")

        sending_timeout = args.rows / args.rate * 1.5 + 60
        deadline, last_report = time.monotonic() + sending_timeout, 0.0
        while len({s.phones[0] for s in accepted_rows(esms)}) < args.rows:
            if time.monotonic() > deadline:
                result.problems.append("not every row was accepted in time")
                break
            if time.monotonic() - last_report > 15:
                last_report = time.monotonic()
                say(f"sending: {len(accepted_rows(esms))}/{args.rows} accepted")
            time.sleep(0.2)
        sent_s = time.perf_counter() - clicked
        last_row_at = max((s.at for s in accepted_rows(esms)), default=time.time())
        ack_timings = agents.stop()
        composed = agents.composed
        if agents.error:
            result.problems.append(f"an agent's request failed: {agents.error}")
        agents = None
        rows_accepted = accepted_rows(esms)
        say(f"{len(rows_accepted)} rows accepted in {sent_s:.1f} s; calling back once per row")

        fired = time.perf_counter()
        statuses = callback_all(esms, rows_accepted)
        callbacks_s = time.perf_counter() - fired
        say(f"{len(statuses)} callbacks in {callbacks_s:.1f} s; waiting for the report")

        def reports() -> list[Any]:
            with slack.lock:
                return [
                    u for u in slack.uploads if u.thread_ts == parent_ts and "report" in u.filename
                ]

        def finished() -> bool:
            return "Finished" in thread_text(slack, parent_ts) and bool(reports())

        if not wait_until(finished, 120 + args.rows / 100, 0.1):
            result.problems.append("the campaign did not finish (no Finished reply and report)")
        finished_s = time.perf_counter() - fired
        done_at = reports()[0].at if reports() else time.time()
        report = reports()[0].content if reports() else b""
        memory.stop()
    finally:
        if agents is not None:
            agents.stop()
        app.stop()
        with esms.lock:
            all_sends = list(esms.submissions)
        slack.stop()
        esms.stop()

    store = Store.open(url)
    try:
        counts = store.campaigns.counts(send_id)
    finally:
        store.close()

    # 1. submission to preview
    result.add(
        "campaign modal: acknowledgement", f"{submit_ack:.0f} ms", "< 3 s", submit_ack < 3000
    )
    result.add(
        "submission → preview in the thread",
        f"{preview_s:.2f} s",
        f"≤ {PREVIEW_TARGET_S:g} s",
        preview_s <= PREVIEW_TARGET_S,
    )

    # 2. the pace: every send shares it (the agents' composer sends too)
    campaign_rate, low, high = steady_rate([s.at for s in rows_accepted])
    in_window = [s for s in all_sends if s.code == 100 and low <= s.at <= high]
    all_rate = (len(in_window) - 1) / (high - low) if high > low else float("nan")
    others = sum(1 for s in in_window if not is_row(s.phones[0]))
    result.add(
        "submit rate, all accepted sends, 5th–95th pct",
        f"{all_rate:.1f}/s = {all_rate / args.rate:.1%} of {args.rate:g}/s",
        f"≥ {RATE_TARGET:.0%}",
        all_rate >= RATE_TARGET * args.rate,
    )
    result.add(
        "  of which campaign rows (rest: agents)",
        f"{campaign_rate:.1f}/s; agents {others} sends in {high - low:.0f} s",
        "",
        None,
    )
    refused = Counter(s.code for s in all_sends if s.code != 100)
    result.add(
        "Start → every row accepted",
        f"{sent_s:.1f} s for {len(rows_accepted)} rows; refusals {dict(refused) or 0}",
        f"≈ {args.rows / args.rate:.0f} s at the pace",
        None,
    )

    # 3. acknowledgements while it sends
    result.add("Start button: acknowledgement", f"{start_ack:.0f} ms", "< 3 s", start_ack < 3000)
    if idle:
        b = percentiles(idle)
        result.add(
            "ack p50/p99/max, same app idle (baseline)",
            f"{b['p50']:.0f} / {b['p99']:.0f} / {b['max']:.0f} ms ({len(idle)})",
            "",
            None,
        )
    if ack_timings:
        o = percentiles(ack_timings)
        result.add(
            f"ack p50/p99/max while sending, {args.agents} agents",
            f"{o['p50']:.0f} / {o['p99']:.0f} / {o['max']:.0f} ms ({len(ack_timings)})",
            f"p99 < {ACK_P99_TARGET_MS:.0f} ms",
            o["p99"] < ACK_P99_TARGET_MS,
        )
    else:
        result.add("ack while sending", "no request made", "", False)

    # The agents' own sends share the job queue and the pace with the campaign's rows.
    agent_sends = sorted(
        s.at for s in all_sends if s.code == 100 and not is_row(s.phones[0]) and s.at >= start_at
    )
    if composed:
        waits = [at - asked for asked, at in zip(composed, agent_sends, strict=False)]
        during = sum(at <= last_row_at for at in agent_sends)
        wait = (
            f"; wait p50 {statistics.median(waits):.1f} s, max {max(waits):.1f} s" if waits else ""
        )
        result.add(
            "agents' composer sends → eSMS (paired in order)",
            f"{len(agent_sends)}/{len(composed)} accepted, {during} before the last row{wait}",
            "",
            None,
        )

    # 4. Slack Web API calls made for the campaign, Start to report
    with_channel = [
        c
        for c in slack.calls
        if start_at <= c.at <= done_at + 0.5
        and CHANNEL in (c.args.get("channel"), c.args.get("channel_id"))
    ]
    updates = [c for c in with_channel if c.method == "chat.update"]
    posts = [c for c in with_channel if c.method == "chat.postMessage"]
    files = [
        c
        for c in slack.calls
        if start_at <= c.at <= done_at + 0.5 and c.method.startswith("files.")
    ]
    other = [c for c in with_channel if c.method not in ("chat.update", "chat.postMessage")]
    other = [c for c in other if not c.method.startswith("files.")]
    duration = done_at - start_at
    refreshes = math.floor(duration / REFRESH_SECONDS) + 1
    bound = refreshes + MILESTONE_REPLIES + REPORT_FILE_CALLS
    total = len(updates) + len(posts) + len(files) + len(other)
    result.add(
        "Slack calls for the campaign (Start → report)",
        f"{total}: chat.update {len(updates)}, chat.postMessage {len(posts)}, "
        f"files.* {len(files)}, other {len(other)}",
        f"≤ {bound} = {duration:.0f} s / {REFRESH_SECONDS:g} s + 1 + {MILESTONE_REPLIES} "
        f"milestones + {REPORT_FILE_CALLS} files (rows: {args.rows})",
        total <= bound,
    )
    parent_updates = sorted(c.at for c in updates if c.args.get("ts") == parent_ts)
    gaps = [b - a for a, b in itertools.pairwise(parent_updates)]
    sending = sum(start_at <= at <= last_row_at for at in parent_updates)
    result.add(
        "parent refreshes while rows were sent",
        f"{sending} in {last_row_at - start_at:.0f} s (Start → last row accepted)",
        f"≤ {math.floor((last_row_at - start_at) / REFRESH_SECONDS) + 1}",
        None,
    )
    if gaps:
        result.add(
            "shortest gap between parent refreshes",
            f"{min(gaps):.2f} s ({len(parent_updates)} refreshes)",
            f"≥ {REFRESH_SECONDS:g} s",
            min(gaps) >= REFRESH_SECONDS - GAP_TOLERANCE_S,
        )

    # 5. memory
    result.add(
        "peak RSS master / worker",
        f"{memory.peak('master'):.0f} / {memory.peak('worker'):.0f} MB"
        + (f" ({memory.workers()} workers seen)" if memory.workers() != 1 else ""),
        f"≤ {RSS_TARGET_MB:.0f} MB each",
        max(memory.peak("master"), memory.peak("worker")) <= RSS_TARGET_MB,
    )

    # 6. callbacks, rows final, duplicates
    ok = sum(status == 200 for status in statuses)
    result.add(
        "callbacks answered 200",
        f"{ok}/{len(statuses)} in {callbacks_s:.1f} s ({len(statuses) / callbacks_s:.0f}/s)",
        f"{args.rows}/{args.rows}",
        ok == len(statuses) == args.rows,
    )
    result.add("first callback → report in the thread", f"{finished_s:.1f} s", "", None)
    final = sum(n for state, n in counts.items() if state in FINAL_STATES)
    states = ", ".join(f"{state} {n}" for state, n in sorted(counts.items()))
    result.add("rows final", f"{final}/{args.rows} ({states})", "all", final == args.rows)
    lines = list(csv.DictReader(io.StringIO(report.decode("utf-8-sig"))))
    in_report = Counter(line.get("state", "") for line in lines)
    result.add(
        "report uploaded into the thread",
        f"{len(lines)} lines ({', '.join(f'{k} {n}' for k, n in sorted(in_report.items()))})",
        f"{args.rows} lines",
        len(lines) == args.rows,
    )
    phones = Counter(s.phones[0] for s in rows_accepted)
    duplicates = sum(n - 1 for n in phones.values() if n > 1)
    result.add("duplicates (phones accepted twice)", str(duplicates), "0", duplicates == 0)
    if ok != args.rows or final != args.rows or duplicates or len(phones) != args.rows:
        result.problems.append(
            f"{len(phones)} phones accepted, {ok} callbacks taken, {final} final, "
            f"{duplicates} duplicates"
        )
    if refused.get(124):
        result.add("retries eSMS refused as already accepted (124)", str(refused[124]), "", None)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0, help="ESMS_MAX_PER_SECOND")
    parser.add_argument("--esms-delay", type=float, default=0.2)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--agent-pause", type=float, default=2.0, help="seconds between rounds")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="the idle baseline")
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL server")
    args = parser.parse_args()
    if not 1 <= args.rows <= 10_000:
        parser.error("--rows: 1 to 10000 (CAMPAIGN_MAX_ROWS)")

    setups = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    runs = []
    for name, server in setups:
        with ExitStack() as stack:
            url = (
                stack.enter_context(postgres_database(server))
                if server
                else f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-campaign-db-')) / 'bench.db'}"
            )
            runs.append(run(name, url, args))

    for result in runs:
        table(
            f"Campaign, {result.database}: {args.rows} rows at ESMS_MAX_PER_SECOND={args.rate:g}, "
            f"eSMS {args.esms_delay:g} s per send, JOB_THREADS="
            f"{job_threads(args.rate, args.esms_delay)}, {os.cpu_count()} cores",
            ["figure", "measured", "target", ""],
            result.figures,
        )
    missed = [f"{r.database}: {f[0].strip()}" for r in runs for f in r.figures if f[3] == "✗"]
    print("\ntargets missed: " + ("; ".join(missed) if missed else "none"))
    problems = [f"{r.database}: {p}" for r in runs for p in r.problems]
    if problems:
        raise SystemExit("verification failed: " + "; ".join(problems))


if __name__ == "__main__":
    main()
