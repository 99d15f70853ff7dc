"""Waiting for asynchronous bulk jobs (Zendesk job_statuses, Freshdesk jobs).

Jobs are submitted first and awaited together: while the desk works on one batch we are
already sending the next, so a burst costs about one job's latency, not one per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import WriteResult
from connectors.budget import Sleep
from connectors.errors import RetriableError
from connectors.outcomes import WriteOutcome

MAX_IN_FLIGHT = 30
"""Bulk jobs submitted before we wait for them (Zendesk queues at most about 30 per account)."""

Job = Mapping[str, Any]


@dataclass
class PendingJob:
    """A submitted job: the ticket ids it covers and how to read its status."""

    ids: list[str]
    read: Callable[[], Job]
    ref: str
    """The help desk's id of the job."""
    outcome: Job | RetriableError | None = field(default=None)


def wait_for_jobs(
    jobs: list[PendingJob],
    *,
    is_finished: Callable[[Job], bool],
    interval: float,
    timeout: float,
    sleep: Sleep,
) -> list[PendingJob]:
    """Wait for each job in submission order; ``timeout`` bounds the total wait.

    Jobs finish roughly in the order they were queued, so polling the oldest unfinished
    one (and only it) costs about one status read per job. A job still running when the
    time is up, or whose status cannot be read, is failed alone.
    """
    waited = 0.0
    for job in jobs:
        while job.outcome is None:
            _poll(job, is_finished)
            if job.outcome is not None:
                break
            if waited >= timeout:
                job.outcome = RetriableError(f"bulk job still running after {timeout:.0f}s")
                break
            sleep(interval)
            waited += interval
    return jobs


def _poll(job: PendingJob, is_finished: Callable[[Job], bool]) -> None:
    try:
        status = job.read()
    except RetriableError as error:
        job.outcome = error
        return
    if is_finished(status):
        job.outcome = status


def finish_jobs(
    jobs: list[PendingJob],
    *,
    is_finished: Callable[[Job], bool],
    results_of: Callable[[list[str], Job], dict[str, WriteResult]],
    interval: float,
    timeout: float,
    sleep: Sleep,
) -> dict[str, WriteResult]:
    """Wait for submitted jobs; one result per ticket (``results_of`` reads a finished job;
    a job still running at the timeout, or whose status cannot be read, fails its tickets)."""
    wait_for_jobs(jobs, is_finished=is_finished, interval=interval, timeout=timeout, sleep=sleep)
    results: dict[str, WriteResult] = {}
    for job in jobs:
        if isinstance(job.outcome, RetriableError) or job.outcome is None:
            results.update(failed(job.ids, job.outcome or RetriableError("no status")))
        else:
            results.update(results_of(job.ids, job.outcome))
    return results


def failed(ids: list[str], error: Exception) -> dict[str, WriteResult]:
    """The same ``retry_later`` result for every id (the caller retries them later)."""
    return {
        tid: WriteResult(ticket_id=tid, outcome=WriteOutcome.RETRY_LATER, detail=str(error))
        for tid in ids
    }
