"""The demo's page: a small Slack on 127.0.0.1 that shows what the app posts and sends the app
what Slack would when someone types, clicks or submits.

Everything is rendered here, in Python (`render.py`); the page's script only fetches the HTML
every second and posts what the person did to `/api/…`.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from typing import Any

from bot.core.slack_limits import block_problems
from sandbox.demo import payloads, stories
from sandbox.demo.builder import WorkflowBuilder
from sandbox.demo.conversations import NAMES, as_dict, render_conversation, render_dms
from sandbox.demo.files import DemoFiles, examples
from sandbox.demo.gateway import choose_outcome, force_refusal
from sandbox.demo.notes import as_json, named_note, shown_notes
from sandbox.demo.render import render_message, render_view
from sandbox.demo.sent import sent_panel
from sandbox.demo.state import BadSubmission, with_files
from sandbox.demo.world import AGENT, APP_ID, CHANNEL_ID, CHANNEL_NAME, PEOPLE, TEAM_ID, DemoWorld
from sandbox.standins.slack_api import HomeTab, Modal

log = logging.getLogger(__name__)


class Page:
    """What the person sees and does; one lock keeps the page's own state consistent."""

    def __init__(self, world: DemoWorld) -> None:
        self.world = world
        self.workspace = payloads.Workspace(team_id=TEAM_ID, api_app_id=APP_ID)
        self.user = AGENT
        # What commands answered straight away, and when: shown among the app's later notes
        # (a chart's "⏳ Preparing…" before its "📊 … in your direct messages").
        self.answers: list[tuple[float, dict[str, Any]]] = []
        self.closed_at = 0.0  # a modal opened or updated after this is on screen
        self.view_errors: dict[str, str] = {}
        self.home_open = False
        self.files = DemoFiles(world.slack, examples())
        self.builder = WorkflowBuilder(world, CHANNEL_NAME)  # the page's Workflow Builder
        self._count = itertools.count(1)
        self._lock = threading.Lock()

    def seed(self) -> None:
        """Once the app is up: put the demo's opted-out number on the opt-outs, through the
        page's own command path (as the agent), so the composer can be seen refusing it."""
        answer = self._run_command(stories.OPT_OUT_COMMAND)
        if answer.status_code != 200:
            raise RuntimeError(
                f"the app did not take {stories.OPT_OUT_COMMAND!r} (HTTP {answer.status_code})"
            )

    # -- what the page shows --------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        slack, names = self.world.slack, NAMES
        channel, _shown = render_conversation(slack, {CHANNEL_ID})
        dms, dm_count = render_dms(slack, self.user)
        with self._lock:
            notes = shown_notes(slack.ephemeral_notes(), self.answers)
            latest = slack.latest_modal()
            modal = latest if latest is not None and latest.at > self.closed_at else None
            errors = dict(self.view_errors)
            home = slack.latest_home(self.user) if self.home_open else None
        offered = self.files.offered(modal.id, modal.view, self.user) if modal else []
        return {
            "user": self.user,
            "people": PEOPLE,
            "approvals": self.world.approvals,
            "messages": channel,
            "dms": dms,  # the app's direct messages with this person
            "dm_count": dm_count,
            "ephemeral": "".join(
                render_message(note, names=names, ephemeral=True) for _at, note in notes
            ),
            "modal": render_view(
                modal.view,
                names=names,
                errors=errors,
                view_id=modal.id,
                view_hash=modal.hash,
                files=offered,
            )
            if modal
            else None,
            "home": render_view(home.view, names=names, view_id=home.id, view_hash=home.hash)
            if home
            else None,
            **sent_panel(self.world.esms.recent(12), self.world.app_url),
            "delay": self.world.esms.auto_deliver_seconds,
            "choices": [vars(choice) for choice in stories.CHOICES],
            "outcomes": stories.chosen(*self.world.esms_choices()),
            "hints": stories.hints(
                marketing=self.world.marketing_hours,
                approvals=self.world.approvals,
                delay=self.world.esms.auto_deliver_seconds,
            ),
            **self.builder.state(names),
        }

    # -- what the person does -------------------------------------------------------------

    def act(self, what: str, data: dict[str, Any]) -> dict[str, Any] | None:
        """Do what the person did; None when the page knows no such thing."""
        handler = {
            "user": self._user,
            "command": self._command,
            "click": self._click,
            "suggest": self._suggest,
            "submit": self._submit,
            "close": self._close,
            "home": self._home,
            "upload": self._upload,
            "outcome": lambda data: choose_outcome(self.world.esms, data),
            "force": lambda data: force_refusal(self.world.esms, data),
            "step": self.builder.run,
            "stop": self.builder.stop,
            "hours": lambda _data: {"opened": self.world.open_marketing_hours()},
        }.get(what)
        return handler(data) if handler else None

    def _person(self) -> payloads.Person:
        return payloads.Person(self.user, PEOPLE.get(self.user, self.user))

    def _user(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("user") not in PEOPLE:
            return {"error": "nobody of that name here"}
        self.user = data["user"]
        return {}

    def _command(self, data: dict[str, Any]) -> dict[str, Any]:
        asked = time.time()  # before anything the command sets off can answer later
        answer = self._run_command(str(data.get("text", "")))
        self._note_answer(answer, asked)
        return {"status": answer.status_code}

    def _run_command(self, typed: str) -> Any:
        text = typed.strip()
        if text.startswith("/viber"):
            text = text.removeprefix("/viber").strip()
        fields = payloads.slash_command(
            text,
            workspace=self.workspace,
            person=self._person(),
            channel_id=CHANNEL_ID,
            channel_name=CHANNEL_NAME,
            response_url=self._response_url(),
            now=time.time(),
        )
        return self.world.to_app(payloads.form_body(fields), _FORM)

    def _click(self, data: dict[str, Any]) -> dict[str, Any]:
        block_id, action_id = str(data.get("block_id")), str(data.get("action_id"))
        choice = data.get("choice")
        now = time.time()
        if data.get("view_id"):
            view = self._view(str(data["view_id"]))  # a modal, or the Home tab
            if view is None:
                return {"error": "that form is gone"}
            try:
                submitted = with_files(
                    view.view, data.get("values") or {}, self.files.objects(view.id)
                )
            except BadSubmission as refused:
                return {"error": str(refused)}
            payload = payloads.view_block_actions(
                view.view,
                view_id=view.id,
                view_hash=view.hash,
                block_id=block_id,
                action_id=action_id,
                submitted=submitted,
                workspace=self.workspace,
                person=self._person(),
                now=now,
                choice=choice,
            )
        else:
            # A private note (as its reader clicks it: Slack sends no message back), or one
            # posted in a channel.
            ts = str(data.get("ts"))
            note = self._note(ts)
            message = None if note else self.world.slack.messages.get(ts)
            if note is None and message is None:
                return {"error": "that message is gone"}
            payload = payloads.message_block_actions(
                note or as_dict(message),
                block_id=block_id,
                action_id=action_id,
                workspace=self.workspace,
                person=self._person(),
                channel_id=message.channel if message else CHANNEL_ID,
                channel_name=CHANNEL_NAME,
                response_url=self._response_url(),
                now=now,
                choice=choice,
                is_ephemeral=note is not None,
            )
        answer = self.world.to_app(payloads.interactive_body(payload), _FORM)
        return {"status": answer.status_code}

    def _suggest(self, data: dict[str, Any]) -> dict[str, Any]:
        """What a searchable select offers for what was typed: asked of the app as Slack does
        (block_suggestion), its answer held to Slack's limits."""
        view = self._view(str(data.get("view_id")))
        if view is None:
            return {"error": "that form is gone"}
        payload = payloads.block_suggestion(
            view.view,
            view_id=view.id,
            view_hash=view.hash,
            block_id=str(data.get("block_id")),
            action_id=str(data.get("action_id")),
            value=str(data.get("value") or "")[:200],
            workspace=self.workspace,
            person=self._person(),
            now=time.time(),
        )
        answer = self.world.to_app(payloads.interactive_body(payload), _FORM)
        options = as_json(answer.text).get("options")
        if answer.status_code != 200 or not isinstance(options, list):
            return {"error": f"the app answered the search with HTTP {answer.status_code}"}
        problems = block_problems(
            [{"type": "actions", "elements": [{"type": "static_select", "options": options}]}]
        )
        if problems:
            return {"error": f"Slack would refuse these options: {problems[0]}"}
        return {
            "options": [
                {"value": str(o.get("value")), "text": str((o.get("text") or {}).get("text"))}
                for o in options
                if isinstance(o, dict)
            ]
        }

    def _submit(self, data: dict[str, Any]) -> dict[str, Any]:
        modal = self.world.slack.modal(str(data.get("view_id")))
        if modal is None:
            return {"error": "that form is gone"}
        try:
            submitted = with_files(
                modal.view, data.get("values") or {}, self.files.objects(modal.id)
            )
            payload = payloads.view_submission(
                modal.view,
                view_id=modal.id,
                view_hash=modal.hash,
                submitted=submitted,
                workspace=self.workspace,
                person=self._person(),
                now=time.time(),
            )
        except BadSubmission as refused:  # what Slack's own client would not send
            with self._lock:
                self.view_errors = dict(refused.errors)
            return {"status": 200}
        answer = self.world.to_app(payloads.interactive_body(payload), _FORM)
        body = as_json(answer.text)
        with self._lock:
            if body.get("response_action") == "errors":
                self.view_errors = dict(body.get("errors") or {})
            else:  # an empty answer closes the modal, as in Slack
                self.closed_at, self.view_errors = time.time(), {}
        return {"status": answer.status_code}

    def _close(self, data: dict[str, Any]) -> dict[str, Any]:
        """Close the modal (`what`: "modal"), the Home tab ("home"), or both (nothing said)."""
        what = data.get("what")
        with self._lock:
            if what in (None, "modal"):
                self.closed_at, self.view_errors = time.time(), {}
            if what in (None, "home"):
                self.home_open = False
        return {}

    def _upload(self, data: dict[str, Any]) -> dict[str, Any]:
        """A file chosen on this computer for a modal's file input (`content`: base64)."""
        modal = self.world.slack.modal(str(data.get("view_id")))
        if modal is None:
            return {"error": "that form is gone"}
        return self.files.upload(modal.id, modal.view, data, self.user)

    def _home(self, data: dict[str, Any]) -> dict[str, Any]:
        event = payloads.app_home_opened(
            workspace=self.workspace, person=self._person(), now=time.time()
        )
        answer = self.world.to_app(json.dumps(event), "application/json")
        with self._lock:
            self.home_open = True
        return {"status": answer.status_code}

    # -- helpers --------------------------------------------------------------------------

    def _view(self, view_id: str) -> Modal | HomeTab | None:
        """The open modal with that id, or this person's Home tab (both have id, hash, view)."""
        home = self.world.slack.latest_home(self.user)
        if home is not None and home.id == view_id:
            return home
        return self.world.slack.modal(view_id)

    def _note(self, name: str) -> dict[str, Any] | None:
        """A private note by the name the page gave it (a button in it was clicked)."""
        with self._lock:
            return named_note(name, self.world.slack.ephemeral_notes(), self.answers)

    def _response_url(self) -> str:
        return self.world.slack.response_url(f"{self.user}-{next(self._count)}")

    def _note_answer(self, answer: Any, asked: float) -> None:
        body = as_json(answer.text)
        if body.get("text") or body.get("blocks"):
            with self._lock:
                self.answers.append((asked, body))


_FORM = "application/x-www-form-urlencoded"
