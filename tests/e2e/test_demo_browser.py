"""`viber-bot demo` in a real browser (headless Chromium from Debian's packages): compose, send
to two numbers, approve, and watch one delivered and the other's failed Viber message followed
by a delivered SMS in the thread; then record that customer's opt-out from its reply."""

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

from tests.e2e.harness import free_port, wait_for

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
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
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ESMS_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", "--port", str(port), "--approvals"],
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
