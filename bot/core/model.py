"""The domain model: sends, recipients, approvals and durable jobs as plain records and enums.

One word per idea, the same in columns, code and the UI: a *send* is one request by one agent;
a *recipient* is one phone in it with its delivery *state*; the *thread* is the send's parent
message in Slack, whose *thread state* says whether it was posted; a *job* is durable work with
a *job state*. eSMS's own `SendStatus` code is kept as `esms_send_status`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from bot.core.message import ViberMessage
from bot.core.phones import is_masked


class ThreadState(StrEnum):
    """Where a send's thread parent stands (recipients carry their own delivery states)."""

    NEW = "new"  # stored, parent message not posted yet
    POSTED = "posted"  # parent posted, recipients submitted or being submitted
    NOT_POSTED = "not_posted"  # Slack refused the parent; nothing was sent


class Approval(StrEnum):
    """Where a send stands with its approvers."""

    NONE = "none"  # the send needed no approval
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # the workflow step that asked for it ended first


class Category(StrEnum):
    """Why a send goes out: the rules for advertising (Decree 91/2020/ND-CP) apply to marketing."""

    CARE = "care"  # a service message the customer expects: an order, an appointment, a reply
    MARKETING = "marketing"  # advertising: consent, hours, a daily cap per number


class Channel(StrEnum):
    """How a recipient's message travels: Viber, or the customer-care SMS standing in for it."""

    VIBER = "viber"
    SMS = "sms"


class JobKind(StrEnum):
    POST_PARENT = "post_parent"
    POST_APPROVAL = "post_approval"
    SUBMIT = "submit"
    SYNC_THREAD = "sync_thread"
    READ_CAMPAIGN = "read_campaign"  # download the campaign's file, plan it, post the preview
    # Upload the campaign's results file into its thread. The stored kind keeps its first
    # name: queued and finished jobs already carry it, and /metrics labels it.
    CAMPAIGN_RESULTS = "campaign_report"
    HOST_IMAGE = "host_image"  # download an uploaded picture, re-encode it, host it
    # Gather what the app holds about a number and send it to the asker by direct message.
    PRIVACY_ACCESS = "privacy_access"
    ERASE = "erase"  # carry out an erasure request: wait for eSMS, erase, tell the admin
    EDIT_POSTS = "edit_posts"  # edit (or delete) a send's posts an erasure masked, paced


class CampaignState(StrEnum):
    READING = "reading"  # the file is being downloaded and read
    UNREADABLE = "unreadable"  # the file could not be read; nothing will be sent
    PREVIEW = "preview"  # planned: waiting for Start (or an approver's decision)
    RUNNING = "running"
    PAUSED = "paused"  # by a person, or by eSMS's balance (103)
    CANCELLED = "cancelled"
    FINISHED = "finished"  # every recipient final


class JobState(StrEnum):
    QUEUED = "queued"  # waiting for its time and for the jobs before it on its line
    RUNNING = "running"  # held by one process, whose heartbeat renews its lease
    DONE = "done"
    FAILED = "failed"  # gave up after its policy's attempts


@dataclass(frozen=True)
class NewSend:
    team_id: str
    channel_id: str
    user_id: str
    message: ViberMessage
    phones: tuple[str, ...]
    brandname: str
    test_send: bool  # accepted by eSMS, never delivered, never charged (IsSandBox)
    response_url: str | None = None
    approval_ttl_seconds: float | None = None  # None: no approval needed
    approval_channel: str | None = None  # None: approve in the send's own thread
    scheduled_at: float | None = None  # None: send as soon as possible
    thread_ts: str | None = None  # a message whose thread the send lives in (message shortcut)
    category: str = Category.CARE
    sms_fallback: bool = False  # an SMS goes out when the Viber message fails
    sms_text: str | None = None  # what that SMS says
    held_until: float | None = None  # marketing: scheduled_at moved to the next opening
    campaign_file: tuple[str, str, str] | None = None  # a campaign's (file id, name, download URL)
    step_run: StepRunStart | None = None  # the Workflow Builder run that asked for it
    image_file: str | None = None  # a Slack file to host as the message's image, by its id
    consent_required: bool = False  # marketing: only to numbers with consent on record
    stop_links: bool = False  # an advertisement: each recipient's text ends with its stop link


@dataclass(frozen=True)
class StepRunStart:
    """A run of the Workflow Builder step, recorded with its send in one transaction."""

    execution_id: str
    token: str  # Slack's short-lived token for this run
    wait_for: str  # accepted | delivered
    timeout_at: float


@dataclass(frozen=True)
class Recipient:
    id: int
    send_id: str
    phone: str
    request_id: str
    sms_id: str | None
    state: str
    esms_send_status: int | None
    error_code: int | None
    error_detail: str | None
    reported_state: str | None
    submitted_at: float | None = None
    updated_at: float | None = None
    channel: str = Channel.VIBER
    fallback_for: int | None = None  # an SMS: the Viber recipient it stands in for
    fallback_reason: str | None = None  # an SMS: "failed" (Viber failed) or "late" (undelivered)
    telco_id: int | None = None
    price: float | None = None
    row_number: int | None = None  # a campaign's row in its file (the header is row 1)
    text: str | None = None  # a campaign row's own message; None: the send's
    image_url: str | None = None
    button_label: str | None = None
    button_url: str | None = None
    row_values: str | None = None  # the row's columns, as JSON
    stop_token: str | None = None  # an advertisement's: the recipient's own stop link
    stopped_at: float | None = None  # when the customer used it
    phone_digest: str | None = None  # erased: the number's keyed digest stands for it

    @property
    def opt_out_key(self) -> str | None:
        """What an opt-out of this recipient is recorded under: the number, or once it was
        erased its digest (which every opt-out look-up matches); None once purged."""
        return self.phone_digest if is_masked(self.phone) else self.phone

    @property
    def is_sms(self) -> bool:
        return self.channel == Channel.SMS

    def message_in(self, send: Send) -> ViberMessage:
        """What this recipient is sent: a campaign row's own message, or the send's."""
        if self.row_number is None:
            return send.message
        return ViberMessage(
            self.text or "", self.image_url or "", self.button_label or "", self.button_url or ""
        )


@dataclass(frozen=True)
class Send:
    id: str
    created_at: float
    team_id: str
    channel_id: str
    user_id: str
    message: ViberMessage
    brandname: str
    test_send: bool
    thread_state: str
    thread_note: str | None  # why the thread is not as usual (not posted, buttons moved here)
    parent_ts: str | None
    response_url: str | None
    approval: str = Approval.NONE
    approval_expires_at: float | None = None
    approval_channel: str | None = None
    approval_ts: str | None = None
    decided_by: str | None = None
    decided_at: float | None = None
    decision_reason: str | None = None
    decision_reported: bool = False
    scheduled_at: float | None = None
    thread_ts: str | None = None
    cancelled_by: str | None = None
    cancelled_at: float | None = None
    category: str = Category.CARE
    sms_fallback: bool = False
    sms_text: str | None = None
    held_until: float | None = None  # a marketing send waits for the marketing hours until then
    campaign: bool = False  # recipients from a spreadsheet, each with its own message
    image_file: str | None = None  # an uploaded picture still to be hosted (its Slack file id)
    image_token: str | None = None  # the uploaded picture, hosted: image_url is the app's own
    image_problem: str | None = None  # why the uploaded picture cannot be used: nothing is sent
    image_first_frame: bool = False  # the uploaded picture was animated: its first frame is sent
    consent_required: bool = False  # marketing only to numbers with consent on record

    @property
    def awaiting_approval(self) -> bool:
        return self.approval == Approval.PENDING

    @property
    def reply_ts(self) -> str | None:
        """Where replies go: the thread the send was started from, or the send's own parent."""
        return self.thread_ts or self.parent_ts


MAX_OPT_OUT_REASON = 200


@dataclass(frozen=True)
class OptOut:
    """A number that asked to be left alone: nothing is sent to it on any path."""

    phone: str
    added_at: float
    added_by: str | None
    reason: str | None


@dataclass(frozen=True)
class Campaign:
    send_id: str
    state: str
    file_name: str | None
    file_url: str | None
    rows_read: int | None
    invalid: list[tuple[int, str]]
    duplicates: int | None
    unknown: list[str]
    columns: list[str]
    problem: str | None
    pause_reason: str | None
    started_by: str | None
    started_at: float | None
    finished_at: float | None
    results_file_id: str | None  # the results file last uploaded (Slack's file ID)
    reported: str | None = None  # the last milestone the thread was told of


@dataclass(frozen=True)
class Decision:
    """What a click or the expiry sweep achieved: `won` is True for exactly one caller."""

    won: bool
    send: Send


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    send_id: str
    recipient_id: int | None
    attempts: int
    crashes: int = 0  # times its process died while running it


@dataclass(frozen=True)
class Callback:
    """One delivery status from eSMS, as its callback's query string says it."""

    sms_id: str | None
    request_id: str | None
    send_status: int
    success: int | None
    failed: int | None
    phone: str | None
    telco_id: int | None
    total_price: float | None


@dataclass(frozen=True)
class CallbackOutcome:
    matched: bool
    changed: bool
    send_id: str | None = None


class LookUp(NamedTuple):
    """What a look-up found: the sends the asker may read, and how many others it only counts
    (sent by someone else from a channel other than the one asked in, perhaps a private one)."""

    sends: list[Send]
    elsewhere: int = 0
