"""Waiting for an asynchronous bulk job (Zendesk job_statuses, Freshdesk jobs)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connectors.budget import Sleep
from connectors.errors import RetriableError


def wait_for_job(
    read: Callable[[], Mapping[str, Any]],
    *,
    is_finished: Callable[[Mapping[str, Any]], bool],
    interval: float,
    timeout: float,
    sleep: Sleep,
) -> Mapping[str, Any]:
    """Read the job until ``is_finished``; a job still running after ``timeout`` is retriable."""
    waited = 0.0
    while True:
        job = read()
        if is_finished(job):
            return job
        if waited >= timeout:
            raise RetriableError(f"bulk job still {job.get('status')!r} after {timeout:.0f}s")
        sleep(interval)
        waited += interval
