"""Campaign benchmark accounting: peak RSS, the steady rate, the Slack calls, the figures."""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import math
import statistics
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.campaign_drive import CHANNEL, is_row
from benchmarks.common import percentiles, resident_memory_mb
from bot.core.delivery import FINAL_STATES
from bot.jobs.campaign_thread import REFRESH_SECONDS
from sandbox.standins.esms import Submission
from sandbox.standins.slack_api import SlackCall

MILESTONE_REPLIES = 2  # "Started by …", "Finished: …" (the preview came before Start)
RESULTS_FILE_CALLS = 2  # files.getUploadURLExternal, files.completeUploadExternal
PREVIEW_TARGET_S = 5.0
RATE_TARGET = 0.95
ACK_P99_TARGET_MS = 1000.0
SLACK_ACK_MS = 3000.0  # Slack gives up on an acknowledgement after 3 s
RSS_TARGET_MB = 150.0
GAP_TOLERANCE_S = 0.25  # arrival times at the stand-in, not the app's own clock


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


def steady_rate(times: list[float]) -> tuple[float, float, float]:
    """Submissions per second between the 5th and the 95th percentile of their times."""
    ordered = sorted(times)
    low, high = round(0.05 * (len(ordered) - 1)), round(0.95 * (len(ordered) - 1))
    span = ordered[high] - ordered[low]
    return ((high - low) / span if span > 0 else float("nan")), ordered[low], ordered[high]


@dataclass
class Run:
    database: str
    figures: list[list[str]] = field(default_factory=list)  # figure, measured, target, ✓/✗
    problems: list[str] = field(default_factory=list)  # lost or duplicated work

    def add(self, figure: str, measured: str, target: str, ok: bool | None) -> None:
        mark = "" if ok is None else ("✓" if ok else "✗")
        self.figures.append([figure, measured, target, mark])


@dataclass
class Observations:
    """What one campaign run saw, modal to results file: times are perf_counter spans (s, or ms for
    the acknowledgements) or time.time() instants (the `_at` ones)."""

    submit_ack: float
    preview_s: float
    start_ack: float
    sent_s: float
    callbacks_s: float
    finished_s: float
    start_at: float
    last_row_at: float
    done_at: float
    idle: list[float]  # the agents' acknowledgements before the campaign, ms
    ack_timings: list[float]  # and while it sent
    composed: list[float]  # when each of their composer submissions had been acknowledged
    rows_accepted: list[Submission]
    all_sends: list[Submission]
    statuses: list[int | None]  # the app's answers to the callbacks
    calls: list[SlackCall]
    parent_ts: str
    memory: Memory
    counts: dict[str, int]  # the campaign's rows by state, from the store
    results: bytes  # the results file uploaded into the thread


def add_figures(result: Run, seen: Observations, args: argparse.Namespace) -> None:
    # 1. submission to preview
    result.add(
        "campaign modal: acknowledgement",
        f"{seen.submit_ack:.0f} ms",
        "< 3 s",
        seen.submit_ack < 3000,
    )
    result.add(
        "submission → preview in the thread",
        f"{seen.preview_s:.2f} s",
        f"≤ {PREVIEW_TARGET_S:g} s",
        seen.preview_s <= PREVIEW_TARGET_S,
    )

    # 2. the pace: every send shares it (the agents' composer sends too)
    campaign_rate, low, high = steady_rate([s.at for s in seen.rows_accepted])
    in_window = [s for s in seen.all_sends if s.code == 100 and low <= s.at <= high]
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
    refused = Counter(s.code for s in seen.all_sends if s.code != 100)
    result.add(
        "Start → every row accepted",
        f"{seen.sent_s:.1f} s for {len(seen.rows_accepted)} rows; refusals {dict(refused) or 0}",
        f"≈ {args.rows / args.rate:.0f} s at the pace",
        None,
    )

    # 3. acknowledgements while it sends
    start_ack = seen.start_ack
    result.add("Start button: acknowledgement", f"{start_ack:.0f} ms", "< 3 s", start_ack < 3000)
    if seen.idle:
        b = percentiles(seen.idle)
        result.add(
            "ack p50/p99/max, same app idle (baseline)",
            f"{b['p50']:.0f} / {b['p99']:.0f} / {b['max']:.0f} ms ({len(seen.idle)})",
            "",
            None,
        )
    if seen.ack_timings:
        o = percentiles(seen.ack_timings)
        result.add(
            f"ack p50/p99/max while sending, {args.agents} agents",
            f"{o['p50']:.0f} / {o['p99']:.0f} / {o['max']:.0f} ms ({len(seen.ack_timings)})",
            f"p99 < {ACK_P99_TARGET_MS:.0f} ms",
            o["p99"] < ACK_P99_TARGET_MS,
        )
    else:
        result.add("ack while sending", "no request made", "", False)

    # The agents' own sends share the job queue and the pace with the campaign's rows.
    agent_sends = sorted(
        s.at
        for s in seen.all_sends
        if s.code == 100 and not is_row(s.phones[0]) and s.at >= seen.start_at
    )
    if seen.composed:
        waits = [at - asked for asked, at in zip(seen.composed, agent_sends, strict=False)]
        during = sum(at <= seen.last_row_at for at in agent_sends)
        wait = (
            f"; wait p50 {statistics.median(waits):.1f} s, max {max(waits):.1f} s" if waits else ""
        )
        result.add(
            "agents' composer sends → eSMS (paired in order)",
            f"{len(agent_sends)}/{len(seen.composed)} accepted, {during} before the last row{wait}",
            "",
            None,
        )

    add_slack_call_figures(result, seen, args)

    # 5. memory
    memory = seen.memory
    result.add(
        "peak RSS master / worker",
        f"{memory.peak('master'):.0f} / {memory.peak('worker'):.0f} MB"
        + (f" ({memory.workers()} workers seen)" if memory.workers() != 1 else ""),
        f"≤ {RSS_TARGET_MB:.0f} MB each",
        max(memory.peak("master"), memory.peak("worker")) <= RSS_TARGET_MB,
    )

    add_outcome_figures(result, seen, args)
    if refused.get(124):
        result.add("retries eSMS refused as already accepted (124)", str(refused[124]), "", None)


def add_slack_call_figures(result: Run, seen: Observations, args: argparse.Namespace) -> None:
    """4. Slack Web API calls made for the campaign, Start to results file."""
    start_at, done_at, last_row_at = seen.start_at, seen.done_at, seen.last_row_at
    with_channel = [
        c
        for c in seen.calls
        if start_at <= c.at <= done_at + 0.5
        and CHANNEL in (c.args.get("channel"), c.args.get("channel_id"))
    ]
    updates = [c for c in with_channel if c.method == "chat.update"]
    posts = [c for c in with_channel if c.method == "chat.postMessage"]
    files = [
        c for c in seen.calls if start_at <= c.at <= done_at + 0.5 and c.method.startswith("files.")
    ]
    other = [c for c in with_channel if c.method not in ("chat.update", "chat.postMessage")]
    other = [c for c in other if not c.method.startswith("files.")]
    duration = done_at - start_at
    refreshes = math.floor(duration / REFRESH_SECONDS) + 1
    bound = refreshes + MILESTONE_REPLIES + RESULTS_FILE_CALLS
    total = len(updates) + len(posts) + len(files) + len(other)
    result.add(
        "Slack calls for the campaign (Start → results file)",
        f"{total}: chat.update {len(updates)}, chat.postMessage {len(posts)}, "
        f"files.* {len(files)}, other {len(other)}",
        f"≤ {bound} = {duration:.0f} s / {REFRESH_SECONDS:g} s + 1 + {MILESTONE_REPLIES} "
        f"milestones + {RESULTS_FILE_CALLS} files (rows: {args.rows})",
        total <= bound,
    )
    parent_updates = sorted(c.at for c in updates if c.args.get("ts") == seen.parent_ts)
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


def add_outcome_figures(result: Run, seen: Observations, args: argparse.Namespace) -> None:
    """6. callbacks, rows final, duplicates; lost or duplicated work goes to the problems too."""
    statuses = seen.statuses
    ok = sum(status == 200 for status in statuses)
    sent = args.rows - args.opt_outs  # an opted-out row is skipped, never sent
    result.add(
        "callbacks answered 200",
        f"{ok}/{len(statuses)} in {seen.callbacks_s:.1f} s "
        f"({len(statuses) / seen.callbacks_s:.0f}/s)",
        f"{sent}/{sent}",
        ok == len(statuses) == sent,
    )
    result.add("first callback → results file in the thread", f"{seen.finished_s:.1f} s", "", None)
    final = sum(n for state, n in seen.counts.items() if state in FINAL_STATES)
    states = ", ".join(f"{state} {n}" for state, n in sorted(seen.counts.items()))
    result.add("rows final", f"{final}/{args.rows} ({states})", "all", final == args.rows)
    lines = list(csv.DictReader(io.StringIO(seen.results.decode("utf-8-sig"))))
    in_file = Counter(line.get("state", "") for line in lines)
    result.add(
        "results file uploaded into the thread",
        f"{len(lines)} lines ({', '.join(f'{k} {n}' for k, n in sorted(in_file.items()))})",
        f"{args.rows} lines",
        len(lines) == args.rows,
    )
    phones = Counter(s.phones[0] for s in seen.rows_accepted)
    duplicates = sum(n - 1 for n in phones.values() if n > 1)
    result.add("duplicates (phones accepted twice)", str(duplicates), "0", duplicates == 0)
    skipped = seen.counts.get("skipped", 0)
    result.add("opted-out rows skipped", f"{skipped}", f"{args.opt_outs}", skipped == args.opt_outs)
    if ok != sent or final != args.rows or duplicates or len(phones) != sent:
        result.problems.append(
            f"{len(phones)} phones accepted, {ok} callbacks taken, {final} final, "
            f"{duplicates} duplicates"
        )
