"""Nothing lost, nothing doubled: real process kills, lost callbacks, Slack outages, bursts."""

import threading
import time

import pytest
import requests

from sandbox.standins.slack_api import SlackApiStandIn, block_text, section_text
from tests.e2e.harness import composer_values, free_port, wait_for

PHONES = ["0901234567", "0912345678"]


def replies(slack_api, parent):
    return [section_text(m.blocks) or m.text for m in slack_api.replies(parent.ts)]


def reply_lines(slack_api, parent):
    return "\n".join(replies(slack_api, parent)).splitlines()


def status(slack_api, parent):
    return block_text(slack_api.messages[parent.ts].blocks)


def one_acceptance_each(esms, phones=PHONES):
    return all(len(esms.accepted_for(phone)) == 1 for phone in phones)


def deliver_all(esms, phones=PHONES):
    for phone in phones:
        (accepted,) = esms.accepted_for(phone)
        response = esms.callback(accepted, 5, success=1)
        assert response.status_code == 200


# -- crash safety: SIGKILL at each point of a send -------------------------------------------


@pytest.mark.process
def test_killed_before_the_esms_call(app, slack_api, esms):
    # Slack holds the thread parent for 5 s (and then fails): the process dies meanwhile.
    slack_api.fail_next("chat.postMessage", delay=5, status=500)
    app.submit_composer(composer_values(",".join(PHONES), text="Hi"))
    wait_for(lambda: slack_api.calls_to("chat.postMessage"))
    app.kill()
    assert esms.submissions == []
    app.start()
    wait_for(lambda: one_acceptance_each(esms), timeout=15)
    parent = wait_for(lambda: slack_api.parents())[0]
    deliver_all(esms)
    wait_for(lambda: "✅ Delivered 2/2" in status(slack_api, parent))
    assert len(slack_api.parents()) == 1 and len(esms.submissions) == 2
    # The parent is refreshed first and the reply follows: wait for the reply itself.
    wait_for(
        lambda: sorted(reply_lines(slack_api, parent)) == [f"✅ {p}: delivered" for p in PHONES]
    )


@pytest.mark.process
def test_a_restart_while_slack_holds_the_parent_posts_it_once(app, slack_api, esms):
    # A deploy or a daily dyno restart is a SIGTERM: the post in flight finishes and is recorded
    # before the process ends, instead of being made again by the next one.
    slack_api.delay["chat.postMessage"] = 2
    app.submit_composer(composer_values(",".join(PHONES), text="Hi"))
    wait_for(lambda: slack_api.calls_to("chat.postMessage"))
    app.restart()
    slack_api.delay.clear()
    wait_for(lambda: one_acceptance_each(esms), timeout=15)
    (parent,) = slack_api.parents()
    deliver_all(esms)
    wait_for(lambda: "✅ Delivered 2/2" in status(slack_api, parent))
    assert len(slack_api.parents()) == 1 and "still running" not in app.log()


@pytest.mark.process
@pytest.mark.parametrize("held_by", ["slack", "esms"])
def test_work_a_killed_server_held_resumes_within_10_s_of_the_restart(
    app_factory, slack_api, esms, held_by
):
    app = app_factory(JOB_LEASE_SECONDS="")  # the default
    phone = "0901234567"
    if held_by == "slack":  # the thread parent is being posted when the server dies
        slack_api.fail_next("chat.postMessage", delay=20, status=500)
        calls = lambda: len(slack_api.calls_to("chat.postMessage"))  # noqa: E731
    else:  # the recipient is being submitted to eSMS when the server dies
        esms.send_delay = 20
        calls = lambda: len(esms.sends_to(phone))  # noqa: E731
    app.submit_composer(composer_values(phone, text="Hi"))
    wait_for(lambda: calls() == 1)
    app.kill()
    esms.send_delay = 0
    app.start()
    healthy = time.monotonic()
    wait_for(lambda: calls() == 2, timeout=30)
    resumed_after = time.monotonic() - healthy
    assert resumed_after <= 10, f"resumed {resumed_after:.1f} s after the restart"
    wait_for(lambda: esms.accepted_for(phone), timeout=30)
    (parent,) = wait_for(lambda: slack_api.parents())
    wait_for(lambda: "Accepted by eSMS 1/1" in status(slack_api, parent))
    assert len(esms.accepted_for(phone)) == 1 and len(slack_api.parents()) == 1


def test_a_slack_call_slower_than_the_lease_is_made_once(app_factory, slack_api, esms):
    app = app_factory(JOB_LEASE_SECONDS="1")
    slack_api.delay["chat.postMessage"] = 4  # four leases long: the heartbeat keeps it held
    app.submit_composer(composer_values("0901234567", text="Hi"))
    wait_for(lambda: esms.accepted_for("0901234567"), timeout=20)
    assert len(slack_api.calls_to("chat.postMessage")) == 1 and len(slack_api.parents()) == 1


@pytest.mark.process
def test_killed_after_esms_accepted_but_before_the_smsid_was_stored(app_factory, slack_api, esms):
    app = app_factory(STATUS_POLL_SECONDS="1", STATUS_GRACE_SECONDS="0")
    esms.next_failures = ["timeout_after_accept"]  # accepts, then answers only after 3 s
    app.command("0901234567 Hi")
    wait_for(lambda: esms.accepted)
    app.kill()
    app.start()
    parent = wait_for(lambda: slack_api.parents())[0]
    # The retry reuses the RequestId: eSMS answers 124 and sends nothing a second time.
    wait_for(lambda: any(s.code == 124 for s in esms.submissions), timeout=15)
    (accepted,) = esms.accepted_for("0901234567")
    esms.settle(accepted, 5, success=1)  # its callback is lost; reconciliation finds the truth
    wait_for(lambda: "✅ Delivered 1/1" in status(slack_api, parent), timeout=15)
    wait_for(lambda: reply_lines(slack_api, parent) == ["✅ 0901234567: delivered"])
    assert len(esms.accepted) == 1


@pytest.mark.process
def test_killed_after_the_smsid_was_stored_but_before_slack_was_updated(app, slack_api, esms):
    app.submit_composer(composer_values(",".join(PHONES), text="Hi"))
    parent = wait_for(lambda: slack_api.parents())[0]
    wait_for(lambda: "Accepted by eSMS 2/2" in status(slack_api, parent))
    slack_api.fail_next("chat.update", delay=5, status=500)
    deliver_all(esms)
    wait_for(lambda: len(slack_api.calls_to("chat.update")) >= 3)
    app.kill()
    app.start()
    wait_for(lambda: "✅ Delivered 2/2" in status(slack_api, parent), timeout=15)
    wait_for(lambda: len(reply_lines(slack_api, parent)) == 2)
    time.sleep(0.5)
    # The parent is refreshed first and the reply follows: wait for the reply itself.
    wait_for(
        lambda: sorted(reply_lines(slack_api, parent)) == [f"✅ {p}: delivered" for p in PHONES]
    )
    assert one_acceptance_each(esms) and len(esms.submissions) == 2


# -- lost callbacks ---------------------------------------------------------------------------


def test_a_send_whose_callbacks_never_come_is_settled_by_reconciliation(
    app_factory, slack_api, esms
):
    app = app_factory(STATUS_POLL_SECONDS="1", STATUS_GRACE_SECONDS="0", PUBLIC_URL="")
    app.command(f"{','.join(PHONES)} Hi")
    wait_for(lambda: one_acceptance_each(esms))
    assert all("CallbackUrl" not in s.body for s in esms.submissions)  # no public URL: polling only
    parent = wait_for(lambda: slack_api.parents())[0]
    delivered, rejected = (esms.accepted_for(phone)[0] for phone in PHONES)
    esms.settle(delivered, 5, success=1)
    esms.settle(rejected, 4, failed=1)
    wait_for(
        lambda: "Delivered 1/2 · rejected by eSMS 1/2" in status(slack_api, parent), timeout=15
    )
    expected = {
        "✅ 0901234567: delivered",
        "⛔ 0912345678: rejected by eSMS",
    }
    wait_for(lambda: set(reply_lines(slack_api, parent)) == expected)


# -- Slack failing for a while ----------------------------------------------------------------


def test_every_update_is_posted_once_after_a_slack_outage(app_factory, esms, tmp_path):
    port = free_port()
    app = app_factory(SLACK_API_URL=f"http://127.0.0.1:{port}/api/")  # nothing listens yet: refused
    app.command(f"{','.join(PHONES)} Hi")
    time.sleep(1.5)
    assert esms.submissions == []  # no thread, so nothing is sent yet
    slack_api = SlackApiStandIn(port=port)
    slack_api.fail_next("chat.postMessage", times=2, status=503)
    slack_api.fail_next("chat.postMessage", times=2, status=429, retry_after=1)
    slack_api.start()
    try:
        parent = wait_for(lambda: slack_api.parents(), timeout=30)[0]
        wait_for(lambda: one_acceptance_each(esms))
        wait_for(lambda: "Accepted by eSMS 2/2" in status(slack_api, parent))
        slack_api.fail_next("chat.update", times=3, status=500)
        slack_api.fail_next("chat.postMessage", times=2, status=429, retry_after=1)
        esms.callback(esms.accepted_for(PHONES[0])[0], 1)
        esms.callback(esms.accepted_for(PHONES[1])[0], 5, success=1)
        esms.callback(esms.accepted_for(PHONES[0])[0], 5, failed=1)
        wait_for(lambda: "Delivered 1/2 · failed 1/2" in status(slack_api, parent), timeout=30)
        wait_for(
            lambda: any(
                "0901234567: not delivered" in line for line in reply_lines(slack_api, parent)
            )
        )
        time.sleep(1)
        lines = reply_lines(slack_api, parent)
        assert len(lines) == len(set(lines))  # nothing posted twice
        assert "✅ 0912345678: delivered" in lines
        first_recipient = [line for line in lines if "0901234567" in line]
        assert first_recipient[-1].startswith(
            "❌ 0901234567: not delivered"
        )  # the latest truth last
        assert len(slack_api.parents()) == 1
    finally:
        slack_api.stop()


# -- bursts of callbacks ----------------------------------------------------------------------


def test_hundreds_of_concurrent_callbacks_lose_nothing_and_reply_once(app, slack_api, esms):
    phones = [f"09{index:08d}" for index in range(10, 30)]
    for start in (0, 10):
        app.command(f"{','.join(phones[start : start + 10])} Hi")
    wait_for(lambda: len(esms.accepted) == 20, timeout=15)
    wait_for(lambda: len(slack_api.parents()) == 2)
    accepted = list(esms.accepted.values())
    sequence = [(1, {}), (7, {}), (5, {"success": 1}), (7, {}), (5, {"success": 1})]
    jobs = [
        (sub, status, extra) for sub in accepted for status, extra in sequence
    ] * 3  # 300 callbacks
    results = []
    barrier = threading.Barrier(30)
    session = requests.Session()

    def fire(chunk):
        barrier.wait()
        for sub, status, extra in chunk:
            results.append(esms.callback(sub, status, **extra).status_code)

    threads = [threading.Thread(target=fire, args=(jobs[i::30],)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    session.close()
    assert results.count(200) == len(jobs) == 300
    for parent in slack_api.parents():
        wait_for(
            lambda parent=parent: "✅ Delivered 10/10" in status(slack_api, parent), timeout=20
        )
    time.sleep(1)
    for parent in slack_api.parents():
        delivered = [line for line in reply_lines(slack_api, parent) if "delivered" in line]
        assert len(delivered) == len(set(delivered)) == 10


@pytest.mark.parametrize("secrets", ["new-secret-000000001,old-secret-000000001"])
def test_two_callback_secrets_work_during_a_rotation(app_factory, slack_api, esms, secrets):
    app = app_factory(ESMS_CALLBACK_SECRET=secrets)
    app.command("0901234567 Hi")
    (accepted,) = wait_for(lambda: esms.accepted_for("0901234567"))
    assert accepted.body["CallbackUrl"].endswith("/esms/callback/new-secret-000000001")
    old = accepted.body["CallbackUrl"].replace("new-secret", "old-secret")
    query = f"?SMSID={accepted.sms_id}&SendStatus=5&SendSuccess=1"
    assert requests.get(old + query, timeout=5).status_code == 200
    parent = wait_for(lambda: slack_api.parents())[0]
    wait_for(lambda: reply_lines(slack_api, parent) == ["✅ 0901234567: delivered"])
