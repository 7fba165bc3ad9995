"""Benchmark 3: posting every thread update while Slack allows one message per second per channel.

The Slack stand-in answers chat.postMessage with 429 and Retry-After when a channel had a
message less than a second ago. --sends sends spread over --channels channels each get the five
callbacks of benchmark 2; the clock runs until every thread has its "delivered" reply. No reply may
be posted twice. The lower bound is Slack's limit: one reply per send, one per second per channel.

    python -m benchmarks.drain [--sends 1000] [--channels 100] [--connections 64]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.callbacks import STATUSES, fire, populate
from benchmarks.common import EsmsStandIn, SlackApiStandIn, start_app, table
from bot.jobs.pacing import POST_INTERVAL_SECONDS
from sandbox.standins.slack_api import block_text


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sends", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=100.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-drain-"))
    slack, esms = SlackApiStandIn().start(), EsmsStandIn().start()
    population = populate(f"sqlite:///{workdir / 'bench.db'}", slack, args.sends, args.channels)
    parents = [ts for ts, message in slack.messages.items() if message.thread_ts is None]
    slack.rate_limit_per_channel = 1.0
    app = start_app(slack, esms, workdir)
    try:
        started, started_wall = time.perf_counter(), time.time()
        # Progress statuses first, then the outcomes: a reply can only be posted once its
        # outcome is in, so Slack's bound counts from there.
        _, _, early_failures = fire(
            app.base_url, population.sms_ids, args.connections, STATUSES[:2]
        )
        outcomes_from = time.perf_counter() - started
        _, _, late_failures = fire(app.base_url, population.sms_ids, args.connections, STATUSES[2:])
        ingest_wall = time.perf_counter() - started
        failures = early_failures + late_failures

        def undelivered() -> int:
            replied = {
                m.thread_ts for m in slack.replies_all() if "delivered" in block_text(m.blocks)
            }
            return sum(ts not in replied for ts in parents)

        while undelivered() and time.perf_counter() - started < args.timeout:
            time.sleep(0.2)
        drained = time.perf_counter() - started
        time.sleep(2)  # anything still to come would be a duplicate
        left = undelivered()
    finally:
        app.stop()
        slack.stop()
        esms.stop()

    lines = Counter(
        line
        for m in slack.replies_all()
        for line in block_text(m.blocks).splitlines()
        if line.strip()
    )
    duplicates = sum(count - 1 for count in lines.values() if count > 1)
    posts = len(slack.calls_to("chat.postMessage"))
    explain(slack, started_wall, outcomes_from)
    per_channel = math.ceil(args.sends / args.channels)
    bound = outcomes_from + per_channel * POST_INTERVAL_SECONDS
    rows = [
        [
            args.sends,
            args.channels,
            ingest_wall,
            drained,
            bound,
            slack.rate_limited,
            posts,
            duplicates,
        ]
    ]
    table(
        "Rate-limited drain (1 chat.postMessage per second per channel)",
        [
            "sends",
            "channels",
            "ingest s",
            "drain s",
            "Slack bound s",
            "429s",
            "posts",
            "duplicates",
        ],
        rows,
    )
    print(
        f"\nSlack's bound: outcomes from {outcomes_from:.1f} s, then {per_channel} replies per channel, "
        f"{POST_INTERVAL_SECONDS:g} s apart"
    )
    print(
        f"\ndrain / Slack's bound: {drained / bound:.2f}; threads without their reply: {left}; "
        f"non-200 callbacks: {failures}; duplicates: {duplicates} (must be 0)"
    )
    if left or duplicates or failures:
        raise SystemExit("verification failed")


def explain(slack: SlackApiStandIn, started_wall: float, outcomes_from: float) -> None:
    """Where the drain's time goes, per channel: the wait for its first reply after the
    outcomes began, the gaps between its replies, and the 429s asked for."""
    replies: dict[str, list[float]] = {}
    for message in slack.replies_all():  # a reply's ts is the stand-in's clock when posted
        replies.setdefault(message.channel, []).append(float(message.ts) - started_wall)
    firsts = sorted(min(times) - outcomes_from for times in replies.values())
    gaps = sorted(
        later - earlier
        for times in replies.values()
        for earlier, later in zip(sorted(times), sorted(times)[1:], strict=False)
    )
    lasts = sorted(max(times) for times in replies.values())

    def at(values: list[float], share: float) -> float:
        return values[min(len(values) - 1, int(share * len(values)))] if values else 0.0

    print(
        f"\nper channel: first reply {at(firsts, 0.5):.2f} s after the outcomes began (p50; "
        f"max {at(firsts, 1.0):.2f}); gaps between replies p50 {at(gaps, 0.5):.2f} s, p95 "
        f"{at(gaps, 0.95):.2f}, max {at(gaps, 1.0):.2f} (Slack's pace: "
        f"{POST_INTERVAL_SECONDS:g}); last reply p50 {at(lasts, 0.5):.1f} s, max "
        f"{at(lasts, 1.0):.1f}"
    )


if __name__ == "__main__":
    main()
