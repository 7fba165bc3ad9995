"""Lists of Slack people given as user IDs and user-group IDs, who is on them, and the
directory that keeps one list per configured setting."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from slack_sdk import WebClient

log = logging.getLogger(__name__)


class PeopleList:
    """Answers "is this user on the list?", resolving user groups with usergroups.users.list.

    Each group's membership is kept for `cache_seconds`. `fresh=True` reads it from Slack
    anyway (approvals: someone removed from a group must lose the right at once); the kept
    copy then only stands in while Slack cannot answer.
    """

    def __init__(self, slack: WebClient, ids: Sequence[str], *, cache_seconds: float = 60.0):
        self.slack = slack
        self.users = {item for item in ids if not item.startswith("S")}
        self.groups = [item for item in ids if item.startswith("S")]
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def contains(self, user_id: str, *, fresh: bool) -> bool | None:
        """True or False; None when a group's membership could not be learnt right now."""
        if user_id in self.users:
            return True
        unknown = False
        for group in self.groups:
            members = self._members(group, fresh=fresh)
            if members is None:
                unknown = True
            elif user_id in members:
                return True
        return None if unknown else False

    def _members(self, group: str, *, fresh: bool) -> frozenset[str] | None:
        with self._lock:
            cached = self._cache.get(group)
        recent = None  # the kept copy, while it is young enough
        if cached is not None and time.monotonic() - cached[0] <= self.cache_seconds:
            recent = cached[1]
        if recent is not None and not fresh:
            return recent
        try:
            answer = self.slack.usergroups_users_list(usergroup=group)
            members = frozenset(answer.get("users") or [])
        except Exception as error:
            if recent is not None:
                return recent
            log.warning("could not read user group %s: %s", group, type(error).__name__)
            return None
        with self._lock:
            self._cache[group] = (time.monotonic(), members)
        return members


class People:
    """The directory of configured lists: one PeopleList (and one user-group cache) per set of
    IDs, so listeners given the same setting (APPROVERS for approvals and cancels) share it."""

    def __init__(self, slack: WebClient, *, cache_seconds: float = 60.0) -> None:
        self.slack = slack
        self.cache_seconds = cache_seconds
        self._lists: dict[tuple[str, ...], PeopleList] = {}
        self._lock = threading.Lock()

    def list_of(self, ids: Sequence[str]) -> PeopleList:
        key = tuple(ids)
        with self._lock:
            if key not in self._lists:
                self._lists[key] = PeopleList(self.slack, key, cache_seconds=self.cache_seconds)
            return self._lists[key]
