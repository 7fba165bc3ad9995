"""Two app processes on one database: commands, clicks and callbacks spread over both, and every
send, decision and reply happens exactly once; periodic duties run in one of them at a time."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from bot.store import Store
from sandbox.standins.slack_api import block_text
from tests.e2e.harness import AppProcess, composer_values, wait_for
from tests.e2e.test_reliability import (
    PHONES,
    deliver_all,
    one_acceptance_each,
    reply_lines,
    status,
)
from tests.helpers import all_at_once

# Processes, each with its own interpreter and memory: two apps sharing one would not show that
# they need nothing of each other but the database.
pytestmark = pytest.mark.process

AGENT, BOSS, DEPUTY = "U0AGENT", "U0BOSS", "U0DEPUTY"
SENDS = 6


def rows(url: str, sql: str) -> list[tuple]:
    store = Store.open(url)
    try:
        # By name: a SQLite row iterates over its values, a PostgreSQL one over its keys.
        return [tuple(row[key] for key in row.keys()) for row in store.db.fetch_all(sql)]  # noqa: SIM118
    finally:
        store.close()


def approve_button(message) -> str | None:
    for block in message.blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == "approve_send":
                return element["value"]
    return None


def test_two_processes_send_decide_and_report_each_thing_exactly_once(
    app_factory, slack_api, esms, database_url
):
    """On PostgreSQL as the deployment runs it; on SQLite, two processes sharing one file are
    just as safe (its write transactions run one at a time, whichever process starts them)."""
    shared_url = database_url
    settings = {
        "DATABASE_URL": shared_url,
        "APPROVAL_REQUIRED": "true",
        "APPROVERS": f"{BOSS},{DEPUTY}",
    }
    apps: list[AppProcess] = [app_factory(**settings), app_factory(**settings)]
    phones = [f"09{index:08d}" for index in range(100, 100 + 2 * SENDS)]

    # Slash commands, alternating between the processes.
    for index in range(SENDS):
        answer = apps[index % 2].command(
            f"{phones[2 * index]},{phones[2 * index + 1]} Hi {index}", user=AGENT
        )
        assert answer.status_code == 200
    parents = wait_for(lambda: len(slack_api.parents()) == SENDS and slack_api.parents())
    send_ids = wait_for(lambda: [approve_button(slack_api.messages[p.ts]) for p in parents])
    assert all(send_ids) and esms.submissions == []  # nothing goes out before a decision

    # Both approvers click Approve on both processes at the same moment, for every send.
    clicks = [
        lambda app=app, user=user, send_id=send_id: (
            app.click(
                "approve_send", send_id, user=user, response_url=slack_api.response_url(user)
            ).status_code
        )
        for send_id in send_ids
        for app in apps
        for user in (BOSS, DEPUTY)
    ]
    assert set(all_at_once(len(clicks), lambda i: clicks[i]())) == {200}

    wait_for(lambda: len(esms.accepted) == len(phones), timeout=20)
    assert all(len(esms.sends_to(phone)) == 1 for phone in phones)
    decisions = Counter(
        send_id for (send_id,) in rows(shared_url, "SELECT send_id FROM approval_events")
    )
    assert decisions == dict.fromkeys(send_ids, 1)

    # Callbacks through both processes, each one twice and out of order: delivered, then the
    # earlier "sent" status arriving late.
    callbacks = [
        lambda sub=sub, app=app, status=status, extra=extra: (
            esms.callback(sub, status, via=app.base_url, **extra).status_code
        )
        for sub in esms.accepted.values()
        for app in apps
        for status, extra in ((5, {"success": 1}), (2, {}))
    ]
    assert set(all_at_once(len(callbacks), lambda i: callbacks[i]())) == {200}

    # Every thread's replies (its approval, its outcomes) take their turns in one channel, at
    # Slack's pace of about one post a second: a dozen turns shared by two processes, which a
    # busy machine stretches. What is asserted is that each thing happens once, not how soon.
    for parent in parents:
        wait_for(
            lambda parent=parent: (
                "Delivered 2/2" in block_text(slack_api.messages[parent.ts].blocks)
            ),
            timeout=45,
        )
    wait_for(
        lambda: all(
            sum(": delivered" in line for line in reply_lines(slack_api, p)) == 2 for p in parents
        ),
        timeout=10,
    )
    time.sleep(1)  # time for any duplicate to show
    for parent in parents:
        lines = reply_lines(slack_api, parent)
        assert sum(": delivered" in line for line in lines) == 2
        assert sum("Approved by" in line for line in lines) == 1
        assert len(lines) == len(set(lines))
    jobs = rows(shared_url, "SELECT state, COUNT(*) FROM jobs GROUP BY state")
    assert dict(jobs).keys() <= {"done"}


def test_periodic_duties_run_in_one_process_and_move_when_it_dies(
    app_factory, slack_api, esms, shared_url
):
    # The duties every second or so: the reconciler, the expiry sweep (TTL / 4), and the
    # workflow step runs' completion.
    settings = {
        "DATABASE_URL": shared_url,
        "STATUS_POLL_SECONDS": "1",
        "APPROVAL_TTL_HOURS": "0.001",
    }
    first, second = app_factory(**settings), app_factory(**settings)
    # Other duties (folding the tallies, pruning) take leases of their own, on their own times.
    watched = {"Reconciler.run_once", "Approvals.expire", "StepRuns.run_once"}

    def holders() -> dict[str, str]:
        found = dict(rows(shared_url, "SELECT name, holder FROM leases"))
        return {name: holder for name, holder in found.items() if name in watched}

    def expiries() -> dict[str, float]:
        found = dict(rows(shared_url, "SELECT name, expires_at FROM leases"))
        return {name: until for name, until in found.items() if name in watched}

    held = wait_for(lambda: len(holders()) == 3 and holders(), timeout=10)
    assert set(held) == watched
    # Longer than a lease (three intervals of about a second): the holder renews at every run,
    # so its lease never comes near its end and the other process never takes it.
    deadline = time.monotonic() + 3.5
    while time.monotonic() < deadline:
        assert holders() == held
        assert min(expiries().values()) - time.time() > 0.5
        time.sleep(0.2)
    holder_pid = int(held["Reconciler.run_once"].split(":")[1])
    owner, other = (first, second) if _serves(first, holder_pid) else (second, first)
    owner.kill()
    taken = wait_for(
        lambda: holders()["Reconciler.run_once"] != held["Reconciler.run_once"] and holders(),
        timeout=10,
    )
    assert _serves(other, int(taken["Reconciler.run_once"].split(":")[1]))


def _serves(app: AppProcess, pid: int) -> bool:
    """True when `pid` is the app's gunicorn master or one of its workers."""
    return app.process is not None and (
        pid == app.process.pid or f"Booting worker with pid: {pid}" in app.log()
    )


def test_two_gunicorn_workers_share_the_database(app_factory, slack_api, esms, shared_url):
    app = app_factory(DATABASE_URL=shared_url, WEB_CONCURRENCY="2")
    wait_for(lambda: app.log().count("Booting worker with pid") == 2)
    assert "with 2 web processes" in app.log()
    for index in range(4):
        app.command(f"09{index:08d} Hi")
    wait_for(lambda: len(esms.accepted) == 4, timeout=15)
    assert all(len(esms.sends_to(f"09{index:08d}")) == 1 for index in range(4))


def test_two_processes_keep_one_pace_per_channel_between_them(
    app_factory, slack_api, esms, shared_url
):
    apps = [app_factory(DATABASE_URL=shared_url), app_factory(DATABASE_URL=shared_url)]
    phones = [f"09{index:08d}" for index in range(200, 206)]
    for index, phone in enumerate(phones):
        apps[index % 2].command(f"{phone} Hi {index}", channel="C0PACE")
    wait_for(lambda: len(esms.accepted) == len(phones), timeout=15)
    parents = wait_for(
        lambda: len(slack_api.parents("C0PACE")) == len(phones) and slack_api.parents("C0PACE")
    )
    time.sleep(1.2)
    slack_api.rate_limit_per_channel = 1.0  # Slack's pace for posting, from here on
    # Every delivery is called back at once, half through each process: six replies, one channel.
    all_at_once(
        len(phones),
        lambda i: (
            esms.callback(
                esms.accepted_for(phones[i])[0], 5, success=1, via=apps[i % 2].base_url
            ).status_code
        ),
    )
    wait_for(
        lambda: all(
            any(": delivered" in line for line in reply_lines(slack_api, parent))
            for parent in parents
        ),
        timeout=60,  # six turns of one channel, shared by two processes on a busy machine
    )
    assert slack_api.rate_limited == 0  # turns shared through the database: never too fast


def test_the_work_of_a_killed_process_is_finished_by_the_other(
    app_factory, slack_api, esms, shared_url
):
    first = app_factory(DATABASE_URL=shared_url)
    # Slack holds the thread parent for 5 s (and then fails): the process dies meanwhile.
    slack_api.fail_next("chat.postMessage", delay=5, status=500)
    first.submit_composer(composer_values(",".join(PHONES), text="Hi"))
    wait_for(lambda: slack_api.calls_to("chat.postMessage"))
    second = app_factory(DATABASE_URL=shared_url)
    first.kill()
    # The job's lease runs out (JOB_LEASE_SECONDS=3) and the second process takes it over.
    wait_for(lambda: one_acceptance_each(esms), timeout=20)
    parent = wait_for(lambda: slack_api.parents())[0]
    assert all(s.body["CallbackUrl"].startswith(second.base_url) for s in esms.submissions)
    deliver_all(esms)
    wait_for(lambda: "✅ Delivered 2/2" in status(slack_api, parent))
    wait_for(
        lambda: sorted(reply_lines(slack_api, parent)) == [f"✅ {p}: delivered" for p in PHONES]
    )
    assert len(slack_api.parents()) == 1 and len(esms.submissions) == 2
