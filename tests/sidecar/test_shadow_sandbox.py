"""Shadow mode end to end: the whole sidecar in dry run on the sandbox while a person
assigns the tickets; the shadow report over HTTP compares with their first choices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox import SandboxHandle, start_sandbox
from sandbox.chaos.replicas import wait_for
from sidecar.compose import build_sidecar
from sidecar.service import Sidecar
from tests.secret_values import ADMIN_TOKEN
from tests.sidecar.test_sandbox_e2e import settings_for

TICKETS = 12


@pytest.fixture
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(
        agents=4, tickets=0, seed=11, job_delay=0.01, rate_limits=False, search_lag=0,
        export_lag=0,
    ) as handle:  # fmt: skip
        yield handle


@pytest.fixture
def shadow_sidecar(desk: SandboxHandle, tmp_path: Path) -> Iterator[Sidecar]:
    settings = settings_for(
        "zendesk", desk, tmp_path, dry_run=True, admin_token=ADMIN_TOKEN,
        shadow={"min_compared": 5, "max_p90_ratio": 10},  # the sandbox's person is instant
    )  # fmt: skip
    sidecar = build_sidecar(settings)
    sidecar.start()
    yield sidecar
    sidecar.stop()


def our_picks(sidecar: Sidecar, ids: list[int]) -> dict[int, str | None]:
    rows = {n: sidecar.store.tickets.get(str(n)) for n in ids}
    return {n: None if row is None else row.our_agent for n, row in rows.items()}


def test_a_person_assigning_in_shadow_mode_is_compared_with_our_picks(
    desk: SandboxHandle, shadow_sidecar: Sidecar
) -> None:
    ids = desk.create_tickets(TICKETS)
    assert wait_for(lambda: None not in our_picks(shadow_sidecar, ids).values(), seconds=30)
    ours = our_picks(shadow_sidecar, ids)
    people = desk.sandbox.desk
    team = sorted(people.agents)
    agree, differ = ids[: TICKETS // 2], ids[TICKETS // 2 :]
    for n in agree:
        people.update_ticket(n, {"assignee_id": int(str(ours[n]))}, "human:lead")
    for n in differ:
        other = next(agent for agent in team if str(agent) != ours[n])
        people.update_ticket(n, {"assignee_id": other}, "human:lead")
    people.update_ticket(ids[0], {"status": "solved"}, "human:owner")

    def seen_by_sidecar() -> bool:
        rows = [shadow_sidecar.store.tickets.get(str(n)) for n in ids]
        assigned = all(row is not None and row.ticket.assignee is not None for row in rows)
        return assigned and rows[0] is not None and rows[0].state == "closed"

    assert wait_for(seen_by_sidecar, seconds=30)
    answer = requests.get(
        f"http://127.0.0.1:{shadow_sidecar.port}/admin/shadow-report?days=1",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10,
    )  # fmt: skip
    assert answer.status_code == 200
    report = answer.json()
    assert (report["decided"], report["closed"], report["compared"]) == (TICKETS, 1, TICKETS)
    assert report["agreed"] == len(agree)
    assert sum(report["disagreements"].values()) == len(differ)
    assert not any(
        entry["actor"].startswith("api") and "assignee_id" in entry.get("changes", {})
        for entry in desk.audit()
    )  # dry run: nothing written
    picks = report["load_spread"]["ours"]["picks"]
    assert set(picks) == {str(agent) for agent in team}
    assert max(picks.values()) - min(picks.values()) <= 1  # shadow picks spread as live ones
    assert report["recommendation"]["ready"] is True
    assert report["recommendation"]["text"].startswith(
        f"ready to switch on: 50% agreement over {TICKETS} tickets"
    )
