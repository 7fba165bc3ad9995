"""The eSMS stand-in calling the app back, and playing along on its own for the demo.

Part of `esms.py` (mixed into `EsmsStandIn`), kept apart for its size. `callback()` is eSMS's GET
of a submission's CallbackUrl (TypeId 23 for Viber, 2 for SMS). Playing along is off until
`auto_deliver_seconds` is set: then each accepted submission, Viber or SMS, gets its delivery
status that long after it was accepted, as eSMS would give it, with the outcome chosen for its
phone on that channel (`choose()` for Viber, `choose_sms()` for SMS, so one phone can fail on
Viber and get its SMS). GetSendStatus changes first, then the callback GET (one per phone), so the two always
agree; a `silent` phone gets no callback, only the status, which the app's reconciliation finds.
A callback the app does not take (down, slow, an error) is logged and dropped, as eSMS drops it
after its retries.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from bot.core.phones import normalize_phone
from sandbox.standins.esms_outcomes import (
    DEFAULT_OUTCOME,
    OUTCOMES,
    DeliveryStatus,
    checked_outcome,
    combined,
    status_word,
)
from sandbox.standins.timers import Timers

log = logging.getLogger(__name__)

VIBER = "viber"  # Send_Multiple_Sms_OTT, SmsType 23, `Phones` a list
SMS = "sms"  # SendMultipleMessage_V4_post_json, SmsType 2, `Phone` a comma-separated string


@dataclass
class Submission:
    body: dict[str, Any]
    at: float = field(default_factory=time.time)
    code: int = 0
    sms_id: str | None = None
    # When playing along: per phone, the outcome chosen on acceptance and what became of its
    # callback ("HTTP 200", "dropped (ConnectTimeout)", "silent" …).
    outcomes: dict[str, str] = field(default_factory=dict)
    callback_results: dict[str, str] = field(default_factory=dict)
    channel: str = VIBER  # the endpoint it came to: VIBER or SMS
    # A Viber message's picture, fetched from its OttImgUrl as eSMS does: "HTTP 200 image/jpeg
    # 81234 bytes", or why not. None: no picture, or one on the internet (never fetched here).
    image_fetch: str | None = None
    image_usable: bool = True  # False: eSMS could not show it, and the message fails

    @property
    def phones(self) -> list[str]:
        """Its recipients as sent: Viber's `Phones` list, or SMS's `Phone` split on commas."""
        if self.channel == SMS:
            phone = self.body.get("Phone")
            return [p for p in phone.split(",") if p] if isinstance(phone, str) else []
        phones = self.body.get("Phones")
        return [str(p) for p in phones] if isinstance(phones, list) else []


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
    callback_result: str | None
    channel: str = VIBER  # VIBER or SMS
    text: str = ""  # what the customer reads (`Content`), whichever the channel


class EsmsPlayAlong:
    """`choose`, `choose_sms`, `force_next`, `recent`, `callback` and the delivery timers, for
    `EsmsStandIn`."""

    lock: threading.Lock
    submissions: list[Submission]
    status: dict[str, dict[str, Any]]
    callback_timeout: float

    def _init_play_along(
        self,
        auto_deliver_seconds: float | None,
        outcomes: dict[str, str] | None,
        sms_outcomes: dict[str, str] | None = None,
    ) -> None:
        self.auto_deliver_seconds = auto_deliver_seconds
        self.outcomes: dict[str, str] = {}  # phone (as eSMS gets it) → an outcome of OUTCOMES
        self.sms_outcomes: dict[str, str] = {}  # the same, for customer-care SMS
        self.forced: deque[int] = deque()  # result codes for the next sends, in order
        self._timers = Timers("esms-deliveries")
        for phone, outcome in (outcomes or {}).items():
            self.choose(phone, outcome)
        for phone, outcome in (sms_outcomes or {}).items():
            self.choose_sms(phone, outcome)

    def choose(self, phone: str, outcome: str) -> None:
        """What eSMS gives for `phone` from now on: deliver, fail, reject or silent."""
        checked_outcome(outcome)
        with self.lock:
            self.outcomes[normalize_phone(phone) or phone] = outcome

    def choose_sms(self, phone: str, outcome: str) -> None:
        """What eSMS gives for an SMS to `phone` from now on (Viber keeps its own choice)."""
        checked_outcome(outcome)
        with self.lock:
            self.sms_outcomes[normalize_phone(phone) or phone] = outcome

    def force_next(self, code: int) -> None:
        """Refuse the next send, Viber or SMS, with `code` and eSMS's ErrorMessage for it."""
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
                    phone=phone,
                    request_id=str(submission.body.get("RequestId") or ""),
                    sms_id=submission.sms_id,
                    code=submission.code,
                    status=status_word(submission.code, self.status.get(submission.sms_id or "")),
                    outcome=submission.outcomes.get(phone),
                    callback_result=submission.callback_results.get(phone),
                    channel=submission.channel,
                    text=str(submission.body.get("Content") or ""),
                )
                for submission in reversed(self.submissions)
                for phone in submission.phones
            ]
        return rows[:limit]

    def callback(
        self,
        submission: Submission,
        send_status: int,
        *,
        success: int = 0,
        failed: int = 0,
        via: str | None = None,
        **extra: Any,
    ) -> requests.Response:
        """GET the submission's CallbackUrl the way eSMS does; returns the app's answer.

        `via` sends it to another address with the same path: another process of the app."""
        url = submission.body["CallbackUrl"]
        if via:
            url = via + urlsplit(url).path
        params = {
            "SMSID": submission.sms_id or "",
            "SendFailed": failed,
            "SendStatus": send_status,
            "SendSuccess": success,
            "TotalPrice": "470.0000",
            "TotalReceiver": 1,
            "TotalSent": 1 if send_status == 5 else 0,
            "RequestId": submission.body.get("RequestId", ""),
            "TypeId": 2 if submission.channel == SMS else 23,
            "telcoid": 2,
            "phonenumber": (submission.phones or [""])[0],
            **extra,
        }
        return requests.get(f"{url}?{urlencode(params)}", timeout=self.callback_timeout)

    def _stop_timers(self) -> None:
        self._timers.stop()

    def _play_along(self, submission: Submission, delay: float) -> None:
        with self.lock:
            chosen = self.sms_outcomes if submission.channel == SMS else self.outcomes
            submission.outcomes = {
                phone: chosen.get(phone, DEFAULT_OUTCOME) for phone in submission.phones
            }
        self._timers.call_later(delay, lambda: self._deliver(submission))

    def _deliver(self, submission: Submission) -> None:
        """Give a submission's delivery status as eSMS would: GetSendStatus first, then the
        callback GET. A picture eSMS cannot fetch fails the message."""
        with self.lock:
            if not submission.image_usable:
                submission.outcomes = dict.fromkeys(submission.outcomes, "fail")
            given = {phone: OUTCOMES[word] for phone, word in submission.outcomes.items()}
            if submission.sms_id in self.status:  # a test may have made eSMS forget it (105)
                self.status[submission.sms_id].update(combined(list(given.values())))
        url = submission.body.get("CallbackUrl")
        for phone, status in given.items():
            if not status.calls_back:
                result = "silent"
            elif not url:
                result = "no CallbackUrl"
            else:
                result = self._call_back(submission, phone, status)
            with self.lock:
                submission.callback_results[phone] = result

    def _call_back(self, submission: Submission, phone: str, status: DeliveryStatus) -> str:
        try:
            answer = self.callback(
                submission,
                status.send_status,
                success=status.success,
                failed=status.failed,
                TotalSent=status.success + status.failed,
                TotalPrice=f"{status.price:.4f}",
                phonenumber=phone,
            )
        except requests.RequestException as error:
            # eSMS gives up after its retries; the app's reconciliation is what finds it then.
            log.warning("callback for %s dropped: %s", submission.sms_id, type(error).__name__)
            return f"dropped ({type(error).__name__})"
        if not answer.ok:
            log.warning("callback for %s answered HTTP %s", submission.sms_id, answer.status_code)
        return f"HTTP {answer.status_code}"


LOOPBACK = {"127.0.0.1", "localhost"}
MAX_IMAGE_BYTES = 10 * 1024 * 1024


def fetch_image(url: str) -> tuple[str, bool]:
    """GET a Viber message's picture as eSMS would: what came back, and whether it is a picture
    it can show (a 200 with an image type and a body)."""
    try:
        with requests.get(url, timeout=5, stream=True) as answer:
            data = answer.raw.read(MAX_IMAGE_BYTES + 1)
            kind = answer.headers.get("Content-Type", "")
            seen = f"HTTP {answer.status_code} {kind} {len(data)} bytes"
            return seen, answer.status_code == 200 and kind.startswith("image/") and bool(data)
    except requests.RequestException as error:
        return f"unreachable ({type(error).__name__})", False
