"""The pieces of a chaos run that differ by desk, and its outage schedule."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.chaos.faces import BulkWrites, SandboxFace
from sandbox.chaos.harness import ChaosPlan, Outages, make_face
from sandbox.chaos.replicas import wait_for


@pytest.mark.parametrize(
    ("bulk", "expected"),
    [
        pytest.param(BulkWrites(), "none", id="no-bulk-write-is-visible"),
        pytest.param(
            BulkWrites(requests=3, sizes=[5, 100, 31]),
            "3 requests, 3 jobs, 136 tickets, size min/median/max 5/31/100",
            id="jobs",
        ),
        pytest.param(
            BulkWrites(requests=2), "2 requests, 0 jobs, 0 tickets", id="requests-the-desk-refused"
        ),
    ],
)
def test_bulk_writes_summary(bulk: BulkWrites, expected: str) -> None:
    assert bulk.summary() == expected


def steps(outages: Outages, times: list[float]) -> list[str | None]:
    return [outages.step(at) for at in times]


@pytest.mark.parametrize(
    ("every", "times", "expected"),
    [
        pytest.param(None, [0, 100, 1000], [None, None, None], id="none-planned"),
        pytest.param(
            (10.0, 10.0),
            [5, 10, 12, 13, 14, 20, 23, 24],
            [None, "down", None, "up", None, None, "down", None],
            id="down-for-3-s-every-10-s-after-the-last-ended",
        ),
    ],
)
def test_outages_come_and_go_on_schedule(
    every: tuple[float, float] | None, times: list[float], expected: list[str | None]
) -> None:
    outages = Outages(every, (3.0, 3.0), random.Random(1))
    assert steps(outages, times) == expected
    assert outages.count == expected.count("down")


def test_stopped_outages_never_come_back() -> None:
    outages = Outages((10.0, 10.0), (3.0, 3.0), random.Random(1))
    outages.stop()
    assert steps(outages, [10, 20, 100]) == [None, None, None]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        pytest.param({"desk": "kayako"}, "unknown desk", id="an-unknown-desk"),
        pytest.param(
            {"desk": "rt", "profile": "zendesk-team"},
            "do not apply to a real RT",
            id="a-sandbox-profile-for-rt",
        ),
    ],
)
def test_a_plan_names_a_desk_that_exists(
    tmp_path: Path, changes: dict[str, str], error: str
) -> None:
    plan = ChaosPlan(workdir=tmp_path)
    for name, value in changes.items():
        setattr(plan, name, value)
    with pytest.raises(ValueError, match=error):
        make_face(plan)


@pytest.fixture
def freshdesk() -> Iterator[SandboxFace]:
    face = SandboxFace("freshdesk", agents=3, seed=1)
    face.start()
    yield face
    face.close()


def test_the_freshdesk_face_points_replicas_at_itself(freshdesk: SandboxFace) -> None:
    env = freshdesk.env()
    assert env["DESKROUTE_HELPDESK"] == "freshdesk"
    assert env["DESKROUTE_FRESHDESK__BASE_URL"] == freshdesk.handle.freshdesk_url
    assert env["DESKROUTE_FRESHDESK__API_KEY"] == freshdesk.handle.api_key
    assert not any(key.startswith("DESKROUTE_ZENDESK__") for key in env)


def test_the_freshdesk_face_counts_bulk_writes_and_answers(freshdesk: SandboxFace) -> None:
    freshdesk.create_tickets(4)
    assert freshdesk.waiting()
    agent = sorted(freshdesk.handle.sandbox.desk.agents)[0]
    answer = requests.post(
        f"{freshdesk.handle.freshdesk_url}/api/v2/tickets/bulk_update",
        auth=(freshdesk.handle.api_key, "X"),
        timeout=5,
        json={"bulk_action": {"ids": [1, 2, 3], "properties": {"responder_id": agent}}},
    )
    assert answer.status_code == 202
    bulk = freshdesk.bulk()
    assert (bulk.requests, bulk.sizes) == (1, [3])
    assert freshdesk.requests()["status.202"] == 1
    assert wait_for(
        lambda: any(e["event"] == "ticket.agent_assignment_changed" for e in freshdesk.audit()), 5
    )
    writers = {
        e["actor"] for e in freshdesk.audit() if e["event"] == "ticket.agent_assignment_changed"
    }
    assert writers == {freshdesk.router_actor}


def test_the_zendesk_face_names_deskroute_as_its_api_user() -> None:
    face = SandboxFace("zendesk", agents=3, seed=1)
    face.start()
    try:
        env = face.env()
        assert env["DESKROUTE_HELPDESK"] == "zendesk"
        assert face.router_actor == f"api:{env['DESKROUTE_ZENDESK__EMAIL']}"
        assert face.bulk() == BulkWrites()
    finally:
        face.close()
