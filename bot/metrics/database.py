"""The database's figures as Prometheus metrics, read at each scrape: a custom collector.

Counts of things that only ever grow (callbacks, decisions, retries …) are counters; how many
sends, recipients and jobs stand in each state now are gauges. A database that does not answer
is `viber_database_up 0` and no other figure, never a failed scrape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.metrics.figures import Figures

log = logging.getLogger(__name__)


class DatabaseCollector(Collector):
    """`read` gives the figures, or None when the database is out of reach."""

    def __init__(self, read: Callable[[], Figures | None]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        try:
            figures = self._read()
        except Exception as error:
            log.warning("metrics: the database's figures could not be read (%s)", error)
            figures = None
        up = GaugeMetricFamily("viber_database_up", "1 when the database answered this scrape.")
        up.add_metric([], 0 if figures is None else 1)
        yield up
        if figures is not None:
            yield from families(figures)


def families(figures: Figures) -> Iterator[Metric]:
    yield _family(
        GaugeMetricFamily,
        "viber_sends",
        "Sends by the state of their thread (new, posted, not_posted).",
        ["state"],
        figures.sends,
    )
    yield _family(
        GaugeMetricFamily,
        "viber_sends_awaiting_approval",
        "Sends whose approvers have not decided yet.",
        [],
        {(): figures.awaiting_approval},
    )
    yield _family(
        GaugeMetricFamily,
        "viber_recipients",
        "Recipients by channel (viber, or sms for a fallback) and delivery state.",
        ["channel", "state"],
        figures.recipients,
    )
    yield _family(
        CounterMetricFamily,
        "viber_esms_results",
        "eSMS's answers to submissions by channel and result code (100: accepted).",
        ["channel", "code"],
        figures.esms_results,
    )
    yield _family(
        CounterMetricFamily,
        "viber_callbacks",
        "eSMS callbacks by outcome: applied, duplicate (changed nothing), unmatched (unknown "
        "SMSID).",
        ["outcome"],
        figures.callbacks,
    )
    yield _family(
        GaugeMetricFamily,
        "viber_jobs",
        "Durable jobs by kind and state (queued, running, done, failed).",
        ["kind", "state"],
        figures.jobs,
    )
    yield _family(
        GaugeMetricFamily,
        "viber_job_oldest_due_seconds",
        "How long the job waiting longest to run has been due (0: none waits).",
        [],
        {(): figures.oldest_due_seconds},
    )
    yield _family(
        CounterMetricFamily,
        "viber_job_retries",
        "Job attempts after each job's first, by kind.",
        ["kind"],
        figures.job_retries,
    )
    yield _family(
        CounterMetricFamily,
        "viber_job_give_ups",
        "Jobs that failed for good after their policy's attempts, by kind.",
        ["kind"],
        figures.job_give_ups,
    )
    yield _family(
        CounterMetricFamily,
        "viber_slack_rate_limited",
        "Slack Web API calls answered 429 (Too Many Requests).",
        [],
        {(): figures.slack_rate_limited},
    )
    yield _family(
        CounterMetricFamily,
        "viber_approval_decisions",
        "Approval decisions: approved, rejected, expired.",
        ["decision"],
        figures.approval_decisions,
    )
    yield _family(
        GaugeMetricFamily,
        "viber_duty_held",
        "1 while a process holds the lease of this periodic duty.",
        ["duty"],
        {name: int(held) for name, held in figures.duties.items()},
    )
    yield from _retention(figures)


def _retention(figures: Figures) -> Iterator[Metric]:
    retention = figures.retention
    yield _family(
        GaugeMetricFamily,
        "viber_retention_days",
        "RETENTION_DAYS: sends older than this are purged once a day (0: unset, kept until "
        "purged by hand).",
        [],
        {(): retention.days},
    )
    dry = {True: "true", False: "false"}
    yield _family(
        GaugeMetricFamily,
        "viber_retention_last_run_sends",
        'Sends the latest retention run purged (dry="false") or, a dry run, found it would '
        "purge (0: none yet).",
        ["dry"],
        {dry[kind]: retention.last_sends.get(kind, 0) for kind in dry},
    )
    yield _family(
        GaugeMetricFamily,
        "viber_retention_last_run_timestamp_seconds",
        "When the latest retention run of each kind (dry or not) ran, in seconds since the "
        "epoch (0: never).",
        ["dry"],
        {dry[kind]: retention.last_at.get(kind, 0.0) for kind in dry},
    )


def _family(
    kind: type[GaugeMetricFamily] | type[CounterMetricFamily],
    name: str,
    documentation: str,
    labels: list[str],
    values: dict,
) -> Metric:
    family = kind(name, documentation, labels=labels)
    for key, value in sorted(values.items(), key=lambda item: str(item[0])):
        label_values = list(key) if isinstance(key, tuple) else [key]
        family.add_metric([str(part) for part in label_values], value)
    return family
