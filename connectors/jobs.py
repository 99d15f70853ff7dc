"""Waiting for asynchronous bulk jobs (Zendesk job_statuses, Freshdesk jobs).

Jobs are submitted first and awaited together: while the desk works on one batch we are
already sending the next, so a burst costs about one job's latency, not one per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.base import WriteResult
from connectors.budget import Sleep
from connectors.errors import RetriableError


@dataclass(frozen=True, kw_only=True, slots=True)
class ConnectorOptions:
    """Knobs every bulk-capable connector shares (all but ``start_time`` have defaults)."""

    start_time: datetime
    max_load: float = 10.0
    bulk_threshold: int = 5
    job_poll_interval: float = 1.0
    job_timeout: float = 120.0


MAX_IN_FLIGHT = 30
"""Bulk jobs submitted before we wait for them (Zendesk queues at most about 30 per account)."""

Job = Mapping[str, Any]


@dataclass
class PendingJob:
    """A submitted job: the ticket ids it covers and how to read its status."""

    ids: list[str]
    read: Callable[[], Job]
    outcome: Job | RetriableError | None = field(default=None)


def wait_for_jobs(
    jobs: list[PendingJob],
    *,
    is_finished: Callable[[Job], bool],
    interval: float,
    timeout: float,
    sleep: Sleep,
) -> list[PendingJob]:
    """Poll every unfinished job each round until all finish; late ones become retriable.

    A read that fails after the transport's own retries marks only that job as failed.
    """
    waited = 0.0
    while True:
        for job in jobs:
            if job.outcome is None:
                _poll(job, is_finished)
        running = [job for job in jobs if job.outcome is None]
        if not running:
            return jobs
        if waited >= timeout:
            for job in running:
                job.outcome = RetriableError(f"bulk job still running after {timeout:.0f}s")
            return jobs
        sleep(interval)
        waited += interval


def _poll(job: PendingJob, is_finished: Callable[[Job], bool]) -> None:
    try:
        status = job.read()
    except RetriableError as error:
        job.outcome = error
        return
    if is_finished(status):
        job.outcome = status


def failed(ids: list[str], error: Exception) -> dict[str, WriteResult]:
    """The same ``failed`` result for every id (the caller retries them later)."""
    return {tid: WriteResult(ticket_id=tid, outcome="failed", detail=str(error)) for tid in ids}
