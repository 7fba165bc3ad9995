"""`viber-bot demo` in a real browser (headless Chromium from Debian's packages): compose, send
to two numbers, approve, and watch one delivered and the other's failed Viber message followed
by a delivered SMS in the thread; then record that customer's opt-out from its reply. A
campaign from a CSV file chosen on this computer, run to its results file; the month's chart,
shown in the direct messages with the app; and an advertisement's stop link, opened from the
eSMS panel once the marketing hours are opened on the page."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from sandbox.demo import stories
from tests.e2e.harness import free_port, wait_for

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "campaign.csv"
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip(
        "Chromium is not installed: apt-get install chromium chromium-driver (as .ci/run does)",
        allow_module_level=True,
    )
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


@pytest.fixture
def demo():
    yield from _demo("--approvals")


@pytest.fixture
def demo_without_approvals():
    yield from _demo()


def _demo(*args: str):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ESMS_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", "--port", str(port), *args],
        env=env,
        cwd=tempfile.mkdtemp(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"

    def answers():
        try:
            return requests.get(url + "api/state", timeout=1).status_code == 200
        except requests.RequestException:
            return process.poll() is not None

    wait_for(answers, timeout=60)
    assert process.poll() is None, process.stdout.read().decode(errors="replace")[-3000:]
    yield url
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C stops everything
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp()
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def text_of(browser, css):
    """What the page shows in those elements now, read in one go (the page redraws itself)."""
    return browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText).join(' ')",
        css,
    )


def click(browser, css):
    """Click the first element matching `css` once the page shows it."""
    browser.execute_script(
        "const e = document.querySelector(arguments[0]); if (!e) throw 'not yet'; e.click();", css
    )


def reply_click(browser, containing, action_id):
    """Click `action_id` in the thread reply that shows `containing`."""
    browser.execute_script(
        "const r = [...document.querySelectorAll('.sk-reply')]"
        "  .find((e) => e.innerText.includes(arguments[0]));"
        "const b = r && r.querySelector(`[data-action-id='${arguments[1]}']`);"
        "if (!b) throw 'not yet'; b.click();",
        containing,
        action_id,
    )


def test_compose_approve_and_see_the_delivery_and_the_sms_fallback(demo, browser):
    browser.get(demo)
    box = wait_for(lambda: browser.find_element(By.ID, "command"))
    wait_for(lambda: "0912345678: its Viber message fails" in text_of(browser, ".try"))
    box.send_keys("/viber\n")
    modal = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "form.sk-modal"))[0]
    modal.find_element(By.CSS_SELECTOR, "[name=recipients]").send_keys("0901234567, 0912345678")
    modal.find_element(By.CSS_SELECTOR, "[name=text]").send_keys("Đơn hàng #A123 đã sẵn sàng")
    assert modal.find_element(By.CSS_SELECTOR, "[name=sms_fallback][value=yes]").is_selected()
    # eSMS takes a customer-care SMS only in a registered template's words.
    sms = "Don hang A123 da san sang. Chi tiet: https://shop.example/a123"
    modal.find_element(By.CSS_SELECTOR, "[name=sms_text]").send_keys(sms)
    modal.find_element(By.CSS_SELECTOR, "button.sk-view-submit").click()
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, "form.sk-modal"), timeout=15)
    wait_for(lambda: "Awaiting approval" in text_of(browser, ".sk-message"), timeout=15)

    Select(browser.find_element(By.ID, "user")).select_by_value("U0MINH")  # the approver
    time.sleep(1.5)  # the page takes the new person on its next poll
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, '[data-action-id="approve_send"]'))
    click(browser, '[data-action-id="approve_send"]')
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "dialog[open] .sk-confirm-yes"))
    click(browser, "dialog[open] .sk-confirm-yes")

    def told():
        shown = text_of(browser, ".sk-reply")
        return "0901234567: delivered" in shown and "SMS delivered" in shown

    wait_for(told, timeout=30)
    assert "0912345678: not delivered" in text_of(browser, ".sk-reply")
    wait_for(lambda: "SMS fallback: delivered 1/1" in text_of(browser, ".sk-message"))
    assert "Delivered 1/2" in text_of(browser, ".sk-message")
    assert "approved by" in text_of(browser, ".sk-message").lower()
    assert "SMS · 0912345678 · delivered" in text_of(browser, "#gateway-log")

    reply_click(browser, "SMS delivered", "opt_out_recipient")  # "Customer asked to stop"
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "dialog[open] .sk-confirm-yes"))
    assert "0912345678 will be added to the opt-outs" in text_of(browser, "dialog[open]")
    click(browser, "dialog[open] .sk-confirm-yes")
    wait_for(lambda: "recorded that 0912345678 asked to stop" in text_of(browser, ".sk-reply"))
    SHOTS.mkdir(exist_ok=True)
    shot = SHOTS / "demo-round-trip.png"
    browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")


def test_a_campaign_from_a_file_on_this_computer_runs_to_its_results_file(
    demo_without_approvals, browser
):
    browser.get(demo_without_approvals)
    box = wait_for(lambda: browser.find_element(By.ID, "command"))
    wait_for(lambda: "examples/campaign.csv" in text_of(browser, ".try"))
    box.send_keys("/viber campaign\n")
    modal = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "form.sk-modal"))[0]
    choice = Select(modal.find_element(By.CSS_SELECTOR, "select[name=file]"))
    assert [o.text for o in choice.options][1:] == [
        "campaign.csv — the example (examples/campaign.csv)"
    ]
    modal.find_element(By.CSS_SELECTOR, "[name=text]").send_keys(stories.CAMPAIGN_TEXT)
    # The file input: its bytes go to the demo server, the form shows the file, chosen.
    modal.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(EXAMPLE))

    def chosen():
        """The file chosen and the text typed, read in one go (the page redraws itself)."""
        return browser.execute_script(
            "const f = document.querySelector('form.sk-modal'); if (!f) return null;"
            "const s = f.querySelector('select[name=file]');"
            "const o = s.options[s.selectedIndex];"
            "return o && o.text.includes('uploaded from this computer')"
            "  ? [o.text, f.querySelector('[name=text]').value] : null;"
        )

    name, typed = wait_for(chosen, timeout=15)
    assert name == "campaign.csv — uploaded from this computer"
    assert typed == stories.CAMPAIGN_TEXT  # redrawn with the new file: what was typed stays
    click(browser, "form.sk-modal button.sk-view-submit")
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, "form.sk-modal"), timeout=15)
    wait_for(lambda: "5 rows read" in text_of(browser, ".sk-reply"), timeout=20)
    # The reply and the parent's update are two calls: the page may draw one before the other.
    wait_for(
        lambda: "preview: nothing is sent until Start" in text_of(browser, ".sk-message"),
        timeout=20,
    )
    click(browser, '[data-action-id="campaign_start"]')
    wait_for(lambda: "✅ finished" in text_of(browser, ".sk-message"), timeout=40)
    wait_for(lambda: "results.csv" in text_of(browser, ".sk-file-card"), timeout=20)
    assert "Campaign results" in text_of(browser, ".sk-file-card")
    href = browser.execute_script(
        "return document.querySelector('.sk-file-card a.sk-file-download').href"
    )
    results = requests.get(href, timeout=5)  # the page's own link, still there to follow
    assert len(results.content.decode("utf-8-sig").splitlines()) == 6  # the header and 5 rows
    assert "submitted 4 · delivered 3 · failed 1" in text_of(browser, ".sk-message")
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / "demo-campaign.png"))


def test_workflow_builder_runs_the_step_from_the_panel(demo_without_approvals, browser):
    browser.get(demo_without_approvals)
    wait_for(lambda: "Workflow Builder" in text_of(browser, ".try"))
    phones = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#workflow-form [name=phones]"))
    phones.clear()
    phones.send_keys("0934567890")
    click(browser, f'.try-step[data-phones="{stories.DELIVERED}"]')  # the hint fills it in
    assert phones.get_attribute("value") == stories.DELIVERED
    Select(browser.find_element(By.CSS_SELECTOR, "#workflow-form [name=wait_for]")).select_by_value(
        "delivered"
    )
    browser.find_element(By.CSS_SELECTOR, "#workflow-form button[type=submit]").click()
    wait_for(lambda: "✓ completed" in text_of(browser, "#workflow-runs"), timeout=30)
    runs = text_of(browser, "#workflow-runs")
    assert "wait for delivered" in runs and f"{stories.DELIVERED}: delivered" in runs
    assert "the thread in #support" in runs
    wait_for(lambda: f"{stories.DELIVERED}: delivered" in text_of(browser, ".sk-reply"))
    click(browser, "#workflow-runs .wf-thread-link")  # the run's link: the thread, shown
    highlighted = wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, "#messages .sk-message.sk-highlight")
    )
    assert "Đơn hàng A123 đã được giao" in highlighted[0].text

    click(browser, f'.try-step[data-phones="{stories.INVALID_STEP_PHONE}"]')
    browser.find_element(By.CSS_SELECTOR, "#workflow-form button[type=submit]").click()
    wait_for(lambda: "✗ failed" in text_of(browser, "#workflow-runs"), timeout=30)
    failed = text_of(browser, "#workflow-runs .wf-failed .wf-status")
    assert failed.startswith("✗ failed: ") and stories.INVALID_STEP_PHONE in failed
    assert len(browser.find_elements(By.CSS_SELECTOR, "#messages .sk-message:not(.sk-reply)")) == 1
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / "demo-workflow-step.png"))


def test_the_months_chart_is_shown_in_the_direct_messages(demo_without_approvals, browser):
    browser.get(demo_without_approvals)
    wait_for(lambda: stories.CHART_COMMAND in text_of(browser, ".try"))
    click(browser, f'.try-command[data-command="{stories.CHART_COMMAND}"]')  # into the box
    box = browser.find_element(By.ID, "command")
    assert box.get_attribute("value") == stories.CHART_COMMAND
    box.send_keys("\n")
    unread = "const b = document.getElementById('dm-unread'); return !b.hidden && b.textContent;"
    assert wait_for(lambda: browser.execute_script(unread), timeout=60) == "1"
    assert browser.find_element(By.ID, "dm-layer").get_attribute("hidden") is not None
    click(browser, "#show-dms")
    drawn = (
        "const i = document.querySelector('#dm-layer:not([hidden]) img.sk-file-picture');"
        "return i && i.complete && i.naturalWidth;"
    )
    assert wait_for(lambda: browser.execute_script(drawn), timeout=15) == 1920  # the PNG itself
    assert "📊 Viber chart · #support" in text_of(browser, "#dm-messages")
    assert not browser.execute_script(unread)  # read now
    assert "in your direct messages" in text_of(browser, "#ephemeral")
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / "demo-chart.png"))
    click(browser, "#dm-layer .dm-close")
    wait_for(lambda: browser.find_element(By.ID, "dm-layer").get_attribute("hidden") is not None)


def test_an_advertisements_stop_link_opens_from_the_esms_panel(demo_without_approvals, browser):
    browser.get(demo_without_approvals)
    wait_for(lambda: f"{stories.CONSENTING} has it" in text_of(browser, ".try"))
    click(browser, ".try-hours")  # the app restarts with the marketing hours open
    wait_for(lambda: "(opened on this page)" in text_of(browser, ".try"), timeout=60)
    box = browser.find_element(By.ID, "command")
    box.send_keys("/viber\n")
    modal = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "form.sk-modal"))[0]
    modal.find_element(By.CSS_SELECTOR, "[name=recipients]").send_keys(stories.CONSENTING)
    modal.find_element(By.CSS_SELECTOR, "[name=text]").send_keys("Giảm 50% hôm nay")
    Select(modal.find_element(By.CSS_SELECTOR, "select[name=category]")).select_by_value(
        "marketing"
    )
    sms = modal.find_element(By.CSS_SELECTOR, "input[name=sms_fallback][value=yes]")
    if sms.is_selected():
        sms.click()  # a marketing message never falls back to a customer-care SMS
    click(browser, "form.sk-modal button.sk-view-submit")
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, "form.sk-modal"), timeout=15)
    wait_for(lambda: "Từ chối nhận tin: http://127.0.0.1:" in text_of(browser, "#gateway-log"))
    link = browser.find_element(By.CSS_SELECTOR, "#gateway-log a.demo-own-link")
    assert "/stop/" in link.get_attribute("href") and link.get_attribute("target") == "_blank"
    page_tab = browser.current_window_handle
    link.click()  # the app's own stop page, in a tab of its own
    wait_for(lambda: len(browser.window_handles) == 2)
    browser.switch_to.window(next(h for h in browser.window_handles if h != page_tab))
    wait_for(lambda: "Dừng nhận các tin nhắn này" in text_of(browser, "h1"))
    browser.find_element(By.CSS_SELECTOR, "form[method=post] button").click()
    # Read in one go, as the answer replaces the page: an element looked up mid-way is gone.
    wait_for(lambda: "Đã nhận yêu cầu của bạn" in text_of(browser, "main"))
    browser.close()
    browser.switch_to.window(page_tab)
    note = f"🛑 {stories.CONSENTING} used the stop link in the advertisement"
    wait_for(lambda: note in text_of(browser, ".sk-reply"), timeout=30)
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / "demo-stop-link.png"))
