"""The eSMS stand-in playing along on its own, for the demo: deliveries reported after a delay.

Part of `esms.py` (mixed into `EsmsStandIn`), kept apart for its size. Off until
`auto_deliver_seconds` is set: then each accepted submission is reported that long after it was
accepted, as eSMS would report it. GetSendStatus changes first, then the callback GET (one per
phone, `EsmsStandIn.callback()`), so the two always agree; a `silent` phone gets no callback,
only the status, which the app's reconciliation finds. A callback the app does not take (down,
slow, an error) is logged and dropped, as eSMS drops it after its retries.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from bot.core.phones import normalize_phone
from bot.standins.esms_outcomes import (
    DEFAULT_OUTCOME,
    OUTCOMES,
    Report,
    checked_outcome,
    combined,
    status_word,
)
from bot.standins.timers import Timers

log = logging.getLogger(__name__)


@dataclass
class Submission:
    body: dict[str, Any]
    at: float = field(default_factory=time.time)
    code: int = 0
    sms_id: str | None = None
    # When playing along: per phone, the outcome chosen on acceptance and what became of its
    # report ("HTTP 200", "dropped (ConnectTimeout)", "silent" …).
    outcomes: dict[str, str] = field(default_factory=dict)
    reported: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recent:
    """One phone of a submission, as the demo page lists it."""

    at: float
    phone: str
    request_id: str
    sms_id: str | None
    code: int
    status: str  # no answer | refused | duplicate | waiting | delivered | failed | rejected …
    outcome: str | None
    reported: str | None


class EsmsPlayAlong:
    """`choose`, `force_next`, `recent` and the delivery timers, for `EsmsStandIn`."""

    lock: threading.Lock
    submissions: list[Submission]
    status: dict[str, dict[str, Any]]
    callback: Callable[..., requests.Response]  # EsmsStandIn.callback

    def _init_play_along(
        self, auto_deliver_seconds: float | None, outcomes: dict[str, str] | None
    ) -> None:
        self.auto_deliver_seconds = auto_deliver_seconds
        self.outcomes: dict[str, str] = {}  # phone (as eSMS gets it) → an outcome of OUTCOMES
        self.forced: deque[int] = deque()  # result codes for the next sends, in order
        self._timers = Timers("esms-deliveries")
        for phone, outcome in (outcomes or {}).items():
            self.choose(phone, outcome)

    def choose(self, phone: str, outcome: str) -> None:
        """What eSMS reports for `phone` from now on: deliver, fail, reject or silent."""
        checked_outcome(outcome)
        with self.lock:
            self.outcomes[normalize_phone(phone) or phone] = outcome

    def force_next(self, code: int) -> None:
        """Refuse the next Send_Multiple_Sms_OTT with `code` and eSMS's ErrorMessage for it."""
        if int(code) == 100:
            raise ValueError("100 is acceptance, not a refusal")
        with self.lock:
            self.forced.append(int(code))

    def recent(self, limit: int = 20) -> list[Recent]:
        """The latest submissions, newest first, one row per phone."""
        with self.lock:
            rows = [
                Recent(
                    at=submission.at,
                    phone=str(phone),
                    request_id=str(submission.body.get("RequestId") or ""),
                    sms_id=submission.sms_id,
                    code=submission.code,
                    status=status_word(submission.code, self.status.get(submission.sms_id or "")),
                    outcome=submission.outcomes.get(str(phone)),
                    reported=submission.reported.get(str(phone)),
                )
                for submission in reversed(self.submissions)
                for phone in submission.body.get("Phones") or []
            ]
        return rows[:limit]

    def _stop_timers(self) -> None:
        self._timers.stop()

    def _play_along(self, submission: Submission, delay: float) -> None:
        with self.lock:
            submission.outcomes = {
                str(phone): self.outcomes.get(str(phone), DEFAULT_OUTCOME)
                for phone in submission.body["Phones"]
            }
        self._timers.call_later(delay, lambda: self._deliver(submission))

    def _deliver(self, submission: Submission) -> None:
        """Report a submission as eSMS would: GetSendStatus first, then the callback GET."""
        with self.lock:
            reports = {phone: OUTCOMES[word] for phone, word in submission.outcomes.items()}
            if submission.sms_id in self.status:  # a test may have made eSMS forget it (105)
                self.status[submission.sms_id].update(combined(list(reports.values())))
        url = submission.body.get("CallbackUrl")
        for phone, report in reports.items():
            if not report.calls_back:
                result = "silent"
            elif not url:
                result = "no CallbackUrl"
            else:
                result = self._report(submission, phone, report)
            with self.lock:
                submission.reported[phone] = result

    def _report(self, submission: Submission, phone: str, report: Report) -> str:
        try:
            answer = self.callback(
                submission,
                report.send_status,
                success=report.success,
                failed=report.failed,
                TotalSent=report.success + report.failed,
                TotalPrice=f"{report.price:.4f}",
                phonenumber=phone,
            )
        except requests.RequestException as error:
            # eSMS gives up after its retries; the app's reconciliation is what finds it then.
            log.warning("callback for %s dropped: %s", submission.sms_id, type(error).__name__)
            return f"dropped ({type(error).__name__})"
        if not answer.ok:
            log.warning("callback for %s answered HTTP %s", submission.sms_id, answer.status_code)
        return f"HTTP {answer.status_code}"
