"""Waiting for bulk jobs: about one status read per job, a shared time limit, isolation."""

from __future__ import annotations

from collections.abc import Iterator

from connectors.errors import RetriableError
from connectors.jobs import Job, PendingJob, wait_for_jobs
from tests.connectors.fakes import FakeTime


def job(states: list[str | Exception], reads: list[str], name: str) -> PendingJob:
    replies: Iterator[str | Exception] = iter(states)

    def read() -> Job:
        reads.append(name)
        reply = next(replies)
        if isinstance(reply, Exception):
            raise reply
        return {"status": reply}

    return PendingJob(ids=[name], read=read, ref=name)


def finished(status: Job) -> bool:
    return status["status"] == "done"


def test_jobs_are_awaited_in_order_one_read_each_once_the_first_is_done() -> None:
    reads: list[str] = []
    time = FakeTime()
    jobs = [
        job(["queued", "working", "done"], reads, "a"),
        job(["done"], reads, "b"),
        job(["done"], reads, "c"),
    ]
    wait_for_jobs(jobs, is_finished=finished, interval=1.0, timeout=60, sleep=time.sleep)
    assert reads == ["a", "a", "a", "b", "c"]
    assert time.sleeps == [1.0, 1.0]
    assert all(j.outcome == {"status": "done"} for j in jobs)


def test_the_time_limit_is_shared_and_fails_only_late_jobs() -> None:
    reads: list[str] = []
    time = FakeTime()
    jobs = [
        job(["done"], reads, "a"),
        job(["working"] * 10, reads, "b"),
        job(["working"] * 10, reads, "c"),
    ]
    wait_for_jobs(jobs, is_finished=finished, interval=1.0, timeout=3, sleep=time.sleep)
    assert jobs[0].outcome == {"status": "done"}
    assert isinstance(jobs[1].outcome, RetriableError)
    assert isinstance(jobs[2].outcome, RetriableError)
    assert sum(time.sleeps) == 3.0


def test_an_unreadable_job_fails_alone() -> None:
    reads: list[str] = []
    time = FakeTime()
    jobs = [job([RetriableError("HTTP 503")], reads, "a"), job(["done"], reads, "b")]
    wait_for_jobs(jobs, is_finished=finished, interval=1.0, timeout=60, sleep=time.sleep)
    assert isinstance(jobs[0].outcome, RetriableError)
    assert jobs[1].outcome == {"status": "done"}
