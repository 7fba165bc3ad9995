"""What the Slack stand-in shows a person: modals, the Home tab, private notes, people's names,
and the conversations the bot is in (conversations.info, .join and .open).

Part of the Web API stand-in (`slack_api.py`), kept apart for its size. Each surface is answered
the way Slack answers it (a view comes back with an `id` and a `hash`; `views.update` keeps the
id and returns a new hash) and recorded, so a test, a benchmark or the demo page can read what a
person would be looking at now.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bot.core.slack_limits import message_problem, view_problems
from sandbox.standins.http import Reply

BOT_USER_ID = "UBOT0001"
TEAM_ID = "T0001"

# Slack's user ids: U… for people (W… in an Enterprise Grid); conversations: C… public channels,
# G… private ones and group DMs, D… direct messages.
_USER_ID = re.compile(r"[UW][A-Z0-9]+")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")


@dataclass
class Modal:
    """A modal as it stands after `method` (views.open, views.update or views.push)."""

    id: str
    hash: str
    view: dict[str, Any]
    method: str
    at: float = field(default_factory=time.time)


@dataclass
class Ephemeral:
    """A note only one person sees: a `chat.postEphemeral` call or a post to a response URL."""

    via: str  # "chat.postEphemeral" | "response_url"
    text: str
    blocks: list[dict[str, Any]]
    channel: str | None = None
    user: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)


@dataclass
class HomeTab:
    user: str
    id: str
    hash: str
    view: dict[str, Any]
    at: float = field(default_factory=time.time)


class SlackSurfaces:
    """The handlers and records of these surfaces, mixed into `SlackApiStandIn`."""

    lock: threading.Lock
    not_member: set[str]

    def _init_surfaces(self) -> None:
        self.users: dict[str, str] = {}  # user id → display name; any other U… id is its own name
        self.modals: list[Modal] = []  # every state of every modal, oldest first
        self.ephemerals: list[Ephemeral] = []
        self.homes: dict[str, HomeTab] = {}  # by user
        self._view_ids = itertools.count(1)
        self._hashes = itertools.count(1)
        self._last_home: HomeTab | None = None
        # The bot is in every well-formed channel but those in `not_member` (chat:write.public
        # for the rest); a C… channel listed here is private (G… ones always are).
        self.private_channels: set[str] = set()
        # Public channels the bot posts to without being in them (chat:write.public): sharing a
        # file there needs a conversations.join first.
        self.unjoined: set[str] = set()
        self.missing_channels: set[str] = set()  # ids Slack does not know: channel_not_found
        self.channel_names: dict[str, str] = {}  # id → name, for conversations.info
        self.joined: list[str] = []  # conversations.join calls that made the bot a member
        self.dms: dict[str, str] = {}  # D… (or group DM G…) id → its users, comma-separated
        self._dm_ids = itertools.count(1)

    # -- reading ------------------------------------------------------------------------------

    def latest_modal(self) -> Modal | None:
        """The modal last opened, updated or pushed."""
        with self.lock:
            return self.modals[-1] if self.modals else None

    def modal(self, view_id: str) -> Modal | None:
        """The latest state of one modal."""
        with self.lock:
            return next((m for m in reversed(self.modals) if m.id == view_id), None)

    def ephemeral_notes(self, limit: int | None = None) -> list[Ephemeral]:
        """The private notes, newest last; the latest `limit` of them when given."""
        with self.lock:
            notes = list(self.ephemerals)
        return notes[-limit:] if limit else notes

    def latest_home(self, user: str | None = None) -> HomeTab | None:
        """The Home tab last published (to `user`, when given)."""
        with self.lock:
            return self.homes.get(user) if user else self._last_home

    def display_name(self, user_id: str) -> str:
        with self.lock:
            return self.users.get(user_id, user_id)

    def is_private(self, channel: str) -> bool:
        return channel.startswith(("G", "D")) or channel in self.private_channels

    def channel_error(self, channel: str) -> str | None:
        """Why the bot cannot share into `channel` (channel_not_found, not_in_channel), or None."""
        if not _CHANNEL_ID.fullmatch(channel) or channel in self.missing_channels:
            return "channel_not_found"
        if channel in self.not_member or channel in self.unjoined:
            return "not_in_channel"
        return None

    # -- recording ----------------------------------------------------------------------------

    def _record_response(self, payload: dict[str, Any]) -> None:
        note = Ephemeral(
            "response_url", str(payload.get("text", "")), blocks_of(payload), payload=payload
        )
        with self.lock:
            self.ephemerals.append(note)

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{next(self._hashes):08x}"

    def _modal(self, method: str, view_id: str, view: dict[str, Any]) -> Reply:
        if problems := view_problems(view):
            return _invalid_view(problems)
        with self.lock:
            modal = Modal(view_id, self._new_hash(), view, method)
            self.modals.append(modal)
        return Reply(200, {"ok": True, "view": {**view, "id": modal.id, "hash": modal.hash}})

    # -- serving ------------------------------------------------------------------------------

    def _views_open(self, args: dict[str, Any]) -> Reply:
        if not args.get("trigger_id"):
            return Reply(200, {"ok": False, "error": "invalid_trigger_id"})
        with self.lock:
            view_id = f"V{next(self._view_ids):04d}"
        return self._modal("views.open", view_id, _view(args))

    def _views_push(self, args: dict[str, Any]) -> Reply:
        if not args.get("trigger_id"):
            return Reply(200, {"ok": False, "error": "invalid_trigger_id"})
        with self.lock:
            view_id = f"V{next(self._view_ids):04d}"
        return self._modal("views.push", view_id, _view(args))

    def _views_update(self, args: dict[str, Any]) -> Reply:
        # Slack would refuse a stale hash (hash_conflict); the stand-in takes every update, since
        # tests replay modals it never opened.
        view_id = str(args.get("view_id") or "")
        if not view_id and args.get("external_id"):
            with self.lock:
                view_id = next(
                    (
                        m.id
                        for m in reversed(self.modals)
                        if m.view.get("external_id") == args["external_id"]
                    ),
                    "",
                )
        if not view_id:
            return Reply(200, {"ok": False, "error": "not_found"})
        return self._modal("views.update", view_id, _view(args))

    def _views_publish(self, args: dict[str, Any]) -> Reply:
        user = str(args.get("user_id") or "")
        if not user:
            return Reply(200, {"ok": False, "error": "invalid_arguments"})
        if problems := view_problems(_view(args)):
            return _invalid_view(problems)
        with self.lock:
            home = HomeTab(user, "VHOME", self._new_hash(), _view(args))
            self.homes[user] = self._last_home = home
        return Reply(200, {"ok": True, "view": {**home.view, "id": home.id, "hash": home.hash}})

    def _chat_postEphemeral(self, args: dict[str, Any]) -> Reply:
        channel = str(args.get("channel", ""))
        if channel in self.not_member:
            return Reply(200, {"ok": False, "error": "not_in_channel"})
        if refused := message_refusal(args):
            return refused
        note = Ephemeral(
            "chat.postEphemeral",
            str(args.get("text", "")),
            blocks_of(args),
            channel=channel,
            user=str(args.get("user", "")) or None,
            payload=dict(args),
        )
        with self.lock:
            self.ephemerals.append(note)
        return Reply(200, {"ok": True, "message_ts": "1700000000.000001"})

    def _users_info(self, args: dict[str, Any]) -> Reply:
        user_id = str(args.get("user", ""))
        if not _USER_ID.fullmatch(user_id):
            return Reply(200, {"ok": False, "error": "user_not_found"})
        name = self.display_name(user_id)
        profile = {"display_name": name, "real_name": name}
        user = {"id": user_id, "name": name, "real_name": name, "is_bot": False}
        return Reply(200, {"ok": True, "user": {**user, "profile": profile}})

    def _conversation(self, channel: str) -> dict[str, Any]:
        is_im, users = channel.startswith("D"), self.dms.get(channel, "")
        if is_im:
            return {"id": channel, "is_im": True, "user": users, "created": 1700000000}
        return {
            "id": channel,
            "name": self.channel_names.get(channel, channel.lower()),
            "is_channel": not self.is_private(channel),
            "is_group": self.is_private(channel) and "," not in users,
            "is_im": False,
            "is_mpim": "," in users,
            "is_private": self.is_private(channel),
            "is_archived": False,
            "is_member": channel not in self.not_member and channel not in self.unjoined,
            "created": 1700000000,
        }

    def _conversations_info(self, args: dict[str, Any]) -> Reply:
        channel = str(args.get("channel") or "")
        if self.channel_error(channel) == "channel_not_found":
            return Reply(200, {"ok": False, "error": "channel_not_found"})
        with self.lock:
            return Reply(200, {"ok": True, "channel": self._conversation(channel)})

    def _conversations_join(self, args: dict[str, Any]) -> Reply:
        channel = str(args.get("channel") or "")
        if self.channel_error(channel) == "channel_not_found":
            return Reply(200, {"ok": False, "error": "channel_not_found"})
        if self.is_private(channel):  # private channels and DMs need an /invite
            return Reply(200, {"ok": False, "error": "method_not_supported_for_channel_type"})
        with self.lock:
            reply: dict[str, Any] = {"ok": True}
            if channel in self.not_member or channel in self.unjoined:
                self.not_member.discard(channel)
                self.unjoined.discard(channel)
                self.joined.append(channel)
            else:
                reply["warning"] = "already_in_channel"
                reply["response_metadata"] = {"warnings": ["already_in_channel"]}
            return Reply(200, {**reply, "channel": self._conversation(channel)})

    def _conversations_open(self, args: dict[str, Any]) -> Reply:
        users = args.get("users") or ""
        users = users if isinstance(users, list) else str(users).split(",")
        users = sorted({str(user).strip() for user in users if str(user).strip()})
        if args.get("channel"):  # reopening a conversation by its id
            if args["channel"] not in self.dms:
                return Reply(200, {"ok": False, "error": "channel_not_found"})
            return Reply(200, {"ok": True, "channel": {"id": args["channel"]}, "no_op": True})
        if not users:
            return Reply(200, {"ok": False, "error": "users_list_not_supplied"})
        if not all(_USER_ID.fullmatch(user) for user in users):
            return Reply(200, {"ok": False, "error": "user_not_found"})
        key = ",".join(users)
        with self.lock:
            channel = next((id_ for id_, with_ in self.dms.items() if with_ == key), None)
            reply: dict[str, Any] = {"ok": True}
            if channel:
                reply.update(no_op=True, already_open=True)
            else:
                channel = f"{'D' if len(users) == 1 else 'G'}0DM{next(self._dm_ids):05d}"
                self.dms[channel] = key
            return Reply(200, {**reply, "channel": {"id": channel}})


def _invalid_view(problems: list[str]) -> Reply:
    """views.*: Slack's invalid_arguments, each problem in response_metadata.messages."""
    reply = {"ok": False, "error": "invalid_arguments"}
    return Reply(200, {**reply, "response_metadata": {"messages": problems}})


def message_refusal(args: dict[str, Any]) -> Reply | None:
    blocks = blocks_of(args)
    problem = message_problem(
        str(args.get("text") or ""), blocks if isinstance(blocks, list) else []
    )
    if problem is None:
        return None
    return Reply(200, {"ok": False, "error": problem[0], "errors": problem[1]})


def _view(args: dict[str, Any]) -> dict[str, Any]:
    view = args.get("view") or {}
    return json.loads(view) if isinstance(view, str) else view


def blocks_of(args: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks
