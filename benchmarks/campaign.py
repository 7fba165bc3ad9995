"""Benchmark 5: a campaign of --rows rows, from the CSV in Slack's modal to the results file in its
thread.

The real app (`viber-bot serve`) runs with ESMS_MAX_PER_SECOND=--rate while eSMS answers each
send after --esms-delay seconds. A generated CSV (Vietnamese headers, a BOM, semicolons, a
{Tên khách} placeholder in the text) is submitted in the campaign modal, previewed, then started.
While it sends, --agents agents open the composer (/viber) and submit it, in rounds --agent-pause
seconds apart (benchmark 1's drive); the same rounds run on the same app, idle, just before the
campaign: the same-run baseline. Once every row is accepted, eSMS calls back once per row
(delivered) and the clock runs until the campaign's results file is uploaded into its thread.

Measured: submission to preview; the submit rate achieved over the steady part (5th to 95th
percentile of submission times); acknowledgements during the campaign; Slack Web API calls made
for the campaign against the bound of its refresh interval; peak RSS of gunicorn's master and
worker; callbacks ingested, rows final, phones accepted twice. SQLite always; PostgreSQL too with
--postgres (a database created for the run on that server and dropped after). Loopback only.

    python -m benchmarks.campaign [--rows 10000] [--rate 50] [--esms-delay 0.2] [--agents 4]
                                  [--opt-outs 0] [--postgres URL [--postgres-only]]

With --opt-outs N, every (rows / N)-th row's number is on the opt-out list before the file is
read: the preview counts them, and they end skipped, never sent.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks.ack_latency import drive
from benchmarks.campaign_drive import (
    CHANNEL,
    Agents,
    accepted_rows,
    button,
    callback_all,
    job_threads,
    press,
    row_phone,
    say,
    sheet,
    submit_campaign,
    thread_text,
    wait_until,
)
from benchmarks.campaign_measure import Memory, Observations, Run, add_figures
from benchmarks.common import EsmsStandIn, SlackApiStandIn, start_app, table
from bot.store import Store
from tests.databases import postgres_database

STALL_SECONDS = 60.0


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
        CAMPAIGN_MAX_ROWS=str(max(10_000, args.rows)),
    )
    assert app.process is not None
    memory = Memory(app.process.pid).start()
    agents: Agents | None = None
    try:
        drive(app, args.agents, 4 * args.agents)  # warm-up
        idle = Agents(app, args.agents, args.agent_pause).run_for(args.idle_seconds)

        if args.opt_outs:  # every n-th row's number asked not to be messaged
            opted = Store.open(url)
            try:
                step = max(1, args.rows // args.opt_outs)
                numbers = [(row_phone(i), "benchmark") for i in range(0, args.rows, step)]
                opted.optouts.add_many(numbers[: args.opt_outs], "bench")
            finally:
                opted.close()
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

        # Given up only when no row has been accepted for a minute: a machine slower than the
        # pace (a high --rate) still sends every row, later.
        last_said, progress, stalled_since = 0.0, 0, time.monotonic()
        while (done := len({s.phones[0] for s in accepted_rows(esms)})) < args.rows - args.opt_outs:
            if done > progress:
                progress, stalled_since = done, time.monotonic()
            elif time.monotonic() - stalled_since > STALL_SECONDS:
                result.problems.append(f"no row accepted for {STALL_SECONDS:g} s")
                break
            if time.monotonic() - last_said > 15:
                last_said = time.monotonic()
                say(f"sending: {len(accepted_rows(esms))}/{args.rows - args.opt_outs} accepted")
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
        say(f"{len(statuses)} callbacks in {callbacks_s:.1f} s; waiting for the results file")

        def results_files() -> list[Any]:
            with slack.lock:
                return [
                    u
                    for u in slack.uploads
                    if u.thread_ts == parent_ts and u.filename.endswith("-results.csv")
                ]

        def finished() -> bool:
            return "Finished" in thread_text(slack, parent_ts) and bool(results_files())

        if not wait_until(finished, 120 + args.rows / 100, 0.1):
            result.problems.append(
                "the campaign did not finish (no Finished reply and results file)"
            )
        finished_s = time.perf_counter() - fired
        done_at = results_files()[0].at if results_files() else time.time()
        results = results_files()[0].content if results_files() else b""
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

    add_figures(
        result,
        Observations(
            submit_ack=submit_ack,
            preview_s=preview_s,
            start_ack=start_ack,
            sent_s=sent_s,
            callbacks_s=callbacks_s,
            finished_s=finished_s,
            start_at=start_at,
            last_row_at=last_row_at,
            done_at=done_at,
            idle=idle,
            ack_timings=ack_timings,
            composed=composed,
            rows_accepted=rows_accepted,
            all_sends=all_sends,
            statuses=statuses,
            calls=slack.calls,
            parent_ts=parent_ts,
            memory=memory,
            counts=counts,
            results=results,
        ),
        args,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0, help="ESMS_MAX_PER_SECOND")
    parser.add_argument("--esms-delay", type=float, default=0.2)
    parser.add_argument("--opt-outs", type=int, default=0, help="rows whose number opted out")
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--agent-pause", type=float, default=2.0, help="seconds between rounds")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="the idle baseline")
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL server")
    parser.add_argument("--postgres-only", action="store_true", help="skip the SQLite run")
    args = parser.parse_args()
    if not 1 <= args.rows <= 100_000:
        parser.error("--rows: 1 to 100000 (CAMPAIGN_MAX_ROWS at most)")
    if not 0 <= args.opt_outs <= args.rows:
        parser.error("--opt-outs: 0 to --rows")
    if args.postgres_only and not args.postgres:
        parser.error("--postgres-only needs --postgres")

    setups = [] if args.postgres_only else [("SQLite", None)]
    setups += [("PostgreSQL", args.postgres)] if args.postgres else []
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
