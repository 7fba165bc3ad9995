"""Customer-care SMS (SmsType 2) in the eSMS stand-in: `SendMultipleMessage_V4_post_json` and
`GetTemplate`.

Part of `esms.py` (mixed into `EsmsStandIn`), kept apart for its size. A send is checked as eSMS
checks it, in this order: credentials (101), SmsType "2" (118), a customer-care brandname
(`sms_brandnames`, 104), `Phone` a comma-separated string of `0` + 9 digit numbers (108), the
phones refused on every channel (`refuse_phone`) and on SMS only (`sms_refuse_phone`, e.g. 177),
the text against the brandname's registered templates (`sms_templates`, 146), the balance (103),
then RequestId reuse (124). A template's `{Pn,len}` slot stands for 1 to len characters of any
kind; everything else in it is literal; line breaks are compared as `\\n`. Every template of the
brandname counts, whatever its NetworkID.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sandbox.standins.esms_outcomes import refusal
from sandbox.standins.esms_play import SMS, VIBER, Submission
from sandbox.standins.http import Reply

SMS_BRANDNAME = "TESTCSKH"
# What eSMS has registered for TESTCSKH: each has literal parts, so a free text matches none (146).
DEFAULT_TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "NetworkID": 1,
        "TempContent": "Don hang {P1,20} da san sang. Chi tiet: {P2,100}",
        "TempId": 12640,
    },
    {"NetworkID": 2, "TempContent": "Ma xac nhan cua ban la {P1,10}", "TempId": 12641},
    {"NetworkID": 3, "TempContent": "Thong bao tu {P1,20}: {P2,160}", "TempId": 12642},
)
_SLOT = re.compile(r"\{P[0-9]+,([0-9]+)\}")
_PHONES = re.compile(r"0[0-9]{9}(?:,0[0-9]{9})*")


class EsmsSms:
    """The SMS endpoints and their settings, for `EsmsStandIn`."""

    lock: threading.Lock
    submissions: list[Submission]
    balance: int
    refuse_phone: dict[str, tuple[int, str]]
    _authorized: Callable[[dict[str, Any]], bool]
    _accept: Callable[[dict[str, Any], Submission], dict[str, Any]]

    def _init_sms(self) -> None:
        self.sms_brandnames = [SMS_BRANDNAME]  # registered for customer care (SmsType 2)
        # brandname → GetTemplate's BrandnameTemplates: {"NetworkID", "TempContent", "TempId"}
        self.sms_templates: dict[str, list[dict[str, Any]]] = {
            SMS_BRANDNAME: [dict(template) for template in DEFAULT_TEMPLATES]
        }
        self.sms_refuse_phone: dict[str, tuple[int, str]] = {}  # phone → (code, ErrorMessage)
        self.template_queries: list[dict[str, Any]] = []  # every GetTemplate body received

    def sms_to(self, phone: str) -> list[Submission]:
        """The SMS submissions (accepted or not) that named `phone`."""
        with self.lock:
            return [s for s in self.submissions if s.channel == SMS and phone in s.phones]

    def viber_to(self, phone: str) -> list[Submission]:
        """The Viber submissions (accepted or not) that named `phone`."""
        with self.lock:
            return [s for s in self.submissions if s.channel == VIBER and phone in s.phones]

    def _templates(self, raw: bytes) -> Reply:
        """GetTemplate: the brandname's registered customer-care templates."""
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return Reply(400, raw=b"<html>Request Error</html>")
        with self.lock:
            self.template_queries.append(data)
        if not isinstance(data, dict) or not self._authorized(data):
            return Reply(200, {"CodeResult": "101", "ErrorMessage": "Authorize Failed"})
        brandname = data.get("Brandname")
        if brandname not in self.sms_brandnames:
            return Reply(200, {"CodeResult": "104", "ErrorMessage": "Brandname not exist"})
        with self.lock:
            templates = [dict(t) for t in self.sms_templates.get(brandname, [])]
        return Reply(200, {"CodeResult": "100", "BrandnameTemplates": templates})

    def _decide_sms(self, body: dict[str, Any], submission: Submission) -> dict[str, Any]:
        def refuse(code: int, message: str) -> dict[str, Any]:
            submission.code = code
            return refusal(code, message)

        if not self._authorized(body):
            return refuse(101, "Authorize Failed")
        if body.get("SmsType") != "2":
            return refuse(118, "SmsType not supported")
        brandname = body.get("Brandname")
        if brandname not in self.sms_brandnames:
            return refuse(104, "Brandname not exist")
        phone = body.get("Phone")
        if not isinstance(phone, str) or not _PHONES.fullmatch(phone):
            return refuse(108, "Phone invalid")
        for number in submission.phones:
            for refused in (self.refuse_phone, self.sms_refuse_phone):
                if number in refused:
                    return refuse(*refused[number])
        with self.lock:
            templates = [
                str(t.get("TempContent") or "") for t in self.sms_templates.get(brandname, [])
            ]
        content = body.get("Content")
        if not isinstance(content, str) or not any(matches(content, t) for t in templates):
            return refuse(146, "Sai template Brandname CSKH")
        if self.balance <= 0:
            return refuse(103, "Balance not enough")
        return self._accept(body, submission)


def matches(content: str, template: str) -> bool:
    """Whether `content` fits `template`: each `{Pn,len}` slot 1..len characters, the rest as is."""
    return bool(_pattern(template.replace("\r\n", "\n")).fullmatch(content.replace("\r\n", "\n")))


@lru_cache(maxsize=256)
def _pattern(template: str) -> re.Pattern[str]:
    parts, last = [], 0
    for slot in _SLOT.finditer(template):
        parts.append(re.escape(template[last : slot.start()]))
        parts.append(f".{{1,{max(1, int(slot.group(1)))}}}")
        last = slot.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)
