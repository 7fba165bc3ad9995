"""What the database says about the work, as plain records: the store reads them
(`bot.store.metrics`), `/metrics` and `/healthz?deep=1` present them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetentionFigures:
    """RETENTION_DAYS and its latest runs: a dry run's count, a purge's."""

    days: int = 0  # RETENTION_DAYS as the process answering reads it; 0: unset
    last_sends: dict[bool, int] = field(default_factory=dict)  # dry → sends of its latest run
    last_at: dict[bool, float] = field(default_factory=dict)  # dry → when, epoch s; 0: never


@dataclass(frozen=True)
class Figures:
    """Every figure `/metrics` reads from the database, for the whole deployment."""

    sends: dict[str, int]  # thread state → sends
    awaiting_approval: int  # sends whose approvers have not decided yet
    recipients: dict[tuple[str, str], int]  # (channel, state) → recipients
    esms_results: dict[tuple[str, str], int]  # (channel, eSMS result code) → recipients
    callbacks: dict[str, int]  # outcome (applied, duplicate, unmatched, forged) → callbacks
    jobs: dict[tuple[str, str], int]  # (kind, job state) → jobs
    job_retries: dict[str, int]  # kind → attempts after each job's first
    job_give_ups: dict[str, int]  # kind → jobs that failed for good
    oldest_due_seconds: float  # how long the job waiting longest to run has been due; 0: none
    approval_decisions: dict[str, int]  # approved, rejected, expired → decisions
    slack_rate_limited: int  # Slack answers 429 (Too Many Requests)
    duties: dict[str, bool] = field(default_factory=dict)  # periodic duty → a process holds it
    retention: RetentionFigures = field(default_factory=RetentionFigures)


@dataclass(frozen=True)
class Health:
    """What `/healthz?deep=1` judges, beyond the database answering."""

    oldest_due_seconds: float
    last_callback_at: float | None  # when the latest eSMS callback arrived; None: never
    awaiting_status: int  # recipients accepted in the silence window, still not final
