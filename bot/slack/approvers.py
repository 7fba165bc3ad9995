"""Who may approve: configured user IDs, and members of configured user groups."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from slack_sdk import WebClient

log = logging.getLogger(__name__)


class ApproverDirectory:
    """Answers "may this user approve?" with the groups' live membership.

    Membership is fetched at click time, so someone removed from a group cannot approve
    what was posted before. The last answer per group is kept for `cache_seconds` and used
    only when Slack cannot answer (rate limit, outage).
    """

    def __init__(self, slack: WebClient, approvers: Sequence[str], *, cache_seconds: float = 60.0):
        self.slack = slack
        self.users = {a for a in approvers if not a.startswith("S")}
        self.groups = [a for a in approvers if a.startswith("S")]
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def may_approve(self, user_id: str) -> bool | None:
        """True or False; None when a group's membership could not be learnt right now."""
        if user_id in self.users:
            return True
        unknown = False
        for group in self.groups:
            members = self._members(group)
            if members is None:
                unknown = True
            elif user_id in members:
                return True
        return None if unknown else False

    def _members(self, group: str) -> frozenset[str] | None:
        try:
            answer = self.slack.usergroups_users_list(usergroup=group)
            members = frozenset(answer.get("users") or [])
        except Exception as error:
            with self._lock:
                cached = self._cache.get(group)
            if cached and time.monotonic() - cached[0] <= self.cache_seconds:
                return cached[1]
            log.warning("could not read user group %s: %s", group, type(error).__name__)
            return None
        with self._lock:
            self._cache[group] = (time.monotonic(), members)
        return members
