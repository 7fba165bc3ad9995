"""The demo's world: the Slack and eSMS stand-ins, and the real app (`viber-bot serve`) started
against them as its own process, with nothing configured by the person running it: the SMS
fallback on (as the stand-in's customer-care brandname), one number whose Viber message fails
and whose SMS is delivered, and marketing hours closed at the start (see `stories`), which the
page can open all day: the app is restarted with them, as an operator changes a setting."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import requests
from slack_sdk.signature import SignatureVerifier

from sandbox.demo import stories
from sandbox.demo.history import NAMES as PAST_AGENTS
from sandbox.launch import AppLauncher
from sandbox.standins import esms as esms_standin
from sandbox.standins.esms import EsmsStandIn
from sandbox.standins.slack_api import SlackApiStandIn

BOT_TOKEN = "xoxb-demo-not-a-real-token"
SIGNING_SECRET = "demo-signing-secret-not-real"
TEAM_ID = "T0DEMO"
APP_ID = "A0DEMO"
CHANNEL_ID = "C0SUPPORT"
CHANNEL_NAME = "support"
AGENT, APPROVER = "U0LINH", "U0MINH"
PEOPLE = {AGENT: "Linh (agent)", APPROVER: "Minh (approver)"}
DELIVERY_SECONDS = 3.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DemoWorld:
    """Everything the page talks to; `start()` returns once the app answers /healthz."""

    def __init__(self, *, database: Path | None, approvals: bool, language: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="viber-bot-demo-"))
        self.database = database or self.folder / "demo.db"
        self.approvals = approvals
        self.language = language
        self.slack = SlackApiStandIn(token=BOT_TOKEN)
        self.slack.users.update(PEOPLE)
        # The agents of the month of history the demo starts with (`seeding`), and the channel's
        # name, for the names in the chart and its summary.
        self.slack.users.update(PAST_AGENTS)
        self.slack.channel_names[CHANNEL_ID] = CHANNEL_NAME
        self.esms = EsmsStandIn(
            auto_deliver_seconds=DELIVERY_SECONDS,
            outcomes={phone: choice.viber for phone, choice in stories.PRECHOSEN.items()},
            sms_outcomes={phone: choice.sms for phone, choice in stories.PRECHOSEN.items()},
        )
        # Closed now, open within a few hours: a marketing send composed in the demo waits.
        self.marketing_hours = stories.marketing_hours(time.time())
        self.app_port = free_port()
        self.app_url = f"http://127.0.0.1:{self.app_port}"
        self.app: AppLauncher | None = None
        self._restarting = threading.Lock()
        self.http = requests.Session()
        self.http.trust_env = False  # straight to 127.0.0.1, whatever proxy this machine sets

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database}"

    def environment(self) -> dict[str, str]:
        # Only what a process needs to run: none of this machine's own settings for the app (an
        # ALLOWED_CHANNELS or a proxy would get in the demo's way).
        env = {
            k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ") if k in os.environ
        }
        env.update(
            NO_PROXY="127.0.0.1,localhost",
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=self.slack.url + "api/",
            SLACK_TEAM_ID=TEAM_ID,
            ESMS_API_KEY=esms_standin.API_KEY,
            ESMS_SECRET_KEY=esms_standin.SECRET_KEY,
            ESMS_BRANDNAME=esms_standin.BRANDNAME,
            ESMS_API_URL=self.esms.url,
            ESMS_ALLOW_TEST_SENDS="true",
            ESMS_SMS_BRANDNAME=esms_standin.SMS_BRANDNAME,
            SMS_FALLBACK="true",
            SMS_ASCII="true",  # as the stand-in's templates are written (and cheaper)
            MARKETING_HOURS=self.marketing_hours,
            MARKETING_PREFIX="[QC]",  # every advertisement labelled, campaign rows included
            PUBLIC_URL=self.app_url,
            DATABASE_URL=self.database_url,
            TEMPLATE_ADMINS=AGENT,  # and so the privacy admin (PRIVACY_ADMINS, REPORT_ADMINS)
            # A demo's own key, so that `/viber privacy erase` answers here as it would live.
            DATA_KEY="demo-data-key-not-a-secret-anywhere-else",
            # Quick enough to watch a silent gateway being caught up with.
            STATUS_POLL_SECONDS="10",
            STATUS_GRACE_SECONDS="10",
            LANGUAGE=self.language,
            WEB_CONCURRENCY="1",
        )
        if os.environ.get("PYTHONPATH"):  # a checkout run without installing
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        if self.approvals:
            env.update(APPROVAL_REQUIRED="true", APPROVERS=APPROVER)
        return env

    def start(self) -> None:
        self.slack.start()
        self.esms.start()
        # Its log goes to this console; away from a .env in the working directory.
        self.app = AppLauncher(
            self.environment(), self.app_port, None, cwd=self.folder, start_seconds=30
        )
        self.app.start()

    def open_marketing_hours(self) -> bool:
        """MARKETING_HOURS open all day from now on: the app restarted with them (a few
        seconds); False when they were open already."""
        with self._restarting:
            if self.app is None or self.marketing_hours == stories.OPEN_ALL_DAY:
                return False
            self.app.env = {**self.environment(), "MARKETING_HOURS": stories.OPEN_ALL_DAY}
            self.app.restart()
            # Said on the page once the app answers with them.
            self.marketing_hours = stories.OPEN_ALL_DAY
        return True

    def stop(self) -> None:
        if self.app is not None:
            self.app.stop()
        self.esms.stop()
        self.slack.stop()

    def esms_choices(self) -> tuple[dict[str, str], dict[str, str]]:
        """The outcomes chosen so far, by phone: for Viber messages, and for SMS."""
        with self.esms.lock:
            return dict(self.esms.outcomes), dict(self.esms.sms_outcomes)

    def to_app(self, body: str, content_type: str) -> requests.Response:
        """Post to the app as Slack does: signed with the app's signing secret."""
        stamp = str(int(time.time()))
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        }
        return self.http.post(
            self.app_url + "/slack/events", data=body.encode(), headers=headers, timeout=10
        )
