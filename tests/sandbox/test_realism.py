"""Realism on by default: search and export lag, Freshdesk credits, the update limit people
share with the API, and a bulk update that ignores per-ticket safe updates."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from sandbox import SandboxHandle, SandboxOptions, TrafficRates, start_sandbox
from sandbox.limits import RateLimiter
from sandbox.seed import seed_desk
from sandbox.store import Desk
from sandbox.texts import load_texts
from sandbox.traffic import UI_TAG, Humans


def zd(desk: SandboxHandle, path: str, method: str = "GET", **kwargs: Any) -> requests.Response:
    return requests.request(
        method,
        f"{desk.zendesk_url}/api/v2{path}",
        auth=(f"{desk.email}/token", desk.api_token),
        timeout=5,
        **kwargs,
    )


def fd(desk: SandboxHandle, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(
        f"{desk.freshdesk_url}/api/v2{path}", auth=(desk.api_key, "X"), timeout=5, **kwargs
    )


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll ``check`` until it holds (True) or ``seconds`` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_realistic_defaults() -> None:
    options = SandboxOptions()
    assert (options.search_lag, options.export_lag) == (120.0, 60.0)
    assert (options.zendesk_profile, options.freshdesk_profile) == (
        "zendesk-professional",
        "freshdesk-pro",
    )
    assert options.bulk_safe_update is None and options.schedule == "24/7"


# -- search lag ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lagging() -> Iterator[SandboxHandle]:
    with start_sandbox(
        agents=3, tickets=2, search_lag=1.0, export_lag=0, rate_limits=False
    ) as handle:
        yield handle


def zendesk_found(desk: SandboxHandle, query: str) -> set[int]:
    return {
        row["id"] for row in zd(desk, "/search.json", params={"query": query}).json()["results"]
    }


def freshdesk_found(desk: SandboxHandle, query: str) -> set[int]:
    return {
        row["id"] for row in fd(desk, "/search/tickets", params={"query": query}).json()["results"]
    }


@pytest.mark.parametrize(
    ("search", "query"),
    [
        pytest.param(zendesk_found, "type:ticket status<solved", id="zendesk"),
        pytest.param(freshdesk_found, '"status:2"', id="freshdesk"),
    ],
)
def test_a_new_ticket_is_missing_from_search_until_the_lag_passes(
    lagging: SandboxHandle, search: Callable[[SandboxHandle, str], set[int]], query: str
) -> None:
    assert {1, 2} <= search(lagging, query)  # the tickets the sandbox started with
    (ticket_id,) = lagging.create_tickets(1)
    assert ticket_id not in search(lagging, query)
    assert eventually(lambda: ticket_id in search(lagging, query))


def test_a_just_assigned_ticket_still_searches_as_unassigned(lagging: SandboxHandle) -> None:
    store = lagging.sandbox.desk
    agent = min(store.agents.values(), key=lambda a: a.id)
    ticket_id = min(store.tickets)
    store.update_ticket(
        ticket_id, {"assignee_id": agent.id, "group_id": min(agent.group_ids)}, "api:bot"
    )
    assert ticket_id in zendesk_found(lagging, "type:ticket assignee:none")
    assert ticket_id in freshdesk_found(lagging, '"agent_id:null"')
    assert eventually(lambda: ticket_id in zendesk_found(lagging, f"assignee:{agent.id}"))


# -- Freshdesk credits ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("include", "cost"),
    [
        pytest.param(None, 1, id="plain"),
        pytest.param("stats", 3, id="stats-costs-3"),
        pytest.param("description,stats", 5, id="two-includes-5"),
        pytest.param("stats,stats", 3, id="repeated-counted-once"),
    ],
)
def test_includes_cost_credits_in_headers_and_in_the_limiter(
    include: str | None, cost: int
) -> None:
    with start_sandbox(agents=1, tickets=1, rate_limit=20, rate_window=30.0) as desk:
        params = {"include": include} if include else {}
        first = fd(desk, "/tickets", params=params)
        assert first.status_code == 200
        assert first.headers["x-ratelimit-used-currentrequest"] == str(cost)
        assert first.headers["x-ratelimit-remaining"] == str(20 - cost)
        assert desk.sandbox.limiter.used("freshdesk") == cost


def test_a_request_the_budget_cannot_pay_for_is_refused() -> None:
    with start_sandbox(agents=1, tickets=1, rate_limit=6, rate_window=30.0) as desk:
        assert fd(desk, "/tickets", params={"include": "description,stats"}).status_code == 200
        refused = fd(desk, "/tickets", params={"include": "stats"})  # 3 > 1 left
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert fd(desk, "/groups").status_code == 200  # the last credit still pays for one


@pytest.mark.parametrize(
    ("used", "cost", "allowed", "remaining"),
    [
        pytest.param(0, 3, True, 7, id="fits"),
        pytest.param(8, 3, False, 2, id="too-dear"),
        pytest.param(7, 3, True, 0, id="exactly"),
    ],
)
def test_limiter_charges_costs(used: int, cost: int, allowed: bool, remaining: int) -> None:
    limiter = RateLimiter(60, clock=lambda: 0.0)
    if used:
        limiter.hit("k", 10, used)
    verdict = limiter.hit("k", 10, cost)
    assert (verdict.allowed, verdict.remaining) == (allowed, remaining)


def test_spending_counts_even_past_the_limit() -> None:
    limiter = RateLimiter(60, clock=lambda: 0.0)
    for _ in range(3):
        limiter.spend("k", 2)
    assert limiter.used("k") == 3 and not limiter.hit("k", 2).allowed


# -- the update limit people share -----------------------------------------------------------
@pytest.fixture
def humans() -> Humans:
    desk = Desk()
    seed_desk(desk, agents=4, rng=random.Random(1))
    spent: list[int] = []
    found = Humans(desk, load_texts(), random.Random(2), spend=lambda: spent.append(1))
    found.spent = spent  # type: ignore[attr-defined]
    return found


def assigned(humans: Humans) -> int:
    desk = humans.desk
    ticket_id = humans.new_ticket()
    agent = min(desk.agents.values(), key=lambda a: a.id)
    desk.update_ticket(
        ticket_id, {"assignee_id": agent.id, "group_id": min(agent.group_ids)}, "api:bot"
    )
    return ticket_id


@pytest.mark.parametrize(
    "act",
    [
        pytest.param(lambda h, t: h.reassign(t), id="reassign"),
        pytest.param(lambda h, t: h.reply(t), id="reply"),
        pytest.param(lambda h, t: h.ui_update(t), id="ui-update"),
        pytest.param(lambda h, t: h.solve(), id="solve"),
    ],
)
def test_every_change_a_person_makes_spends_the_shared_limit(
    humans: Humans, act: Callable[[Humans, int], int | None]
) -> None:
    ticket_id = assigned(humans)
    before = humans.desk.ticket(ticket_id).updated_at
    assert act(humans, ticket_id) == ticket_id
    assert humans.spent == [1]  # type: ignore[attr-defined]
    assert humans.desk.ticket(ticket_id).updated_at > before


def test_a_ui_update_is_a_private_note_or_a_tag(humans: Humans) -> None:
    kinds = set()
    for _ in range(12):
        ticket_id = assigned(humans)
        notes = len(humans.desk.ticket(ticket_id).notes)
        humans.ui_update(ticket_id)
        ticket = humans.desk.ticket(ticket_id)
        kinds.add("tag" if UI_TAG in ticket.tags else "note")
        assert UI_TAG in ticket.tags or len(ticket.notes) == notes + 1
    assert kinds == {"tag", "note"}
    assert humans.ui_update(humans.new_ticket()) is None  # unassigned: nobody edits it


def test_a_failed_change_spends_nothing(humans: Humans) -> None:
    assert humans.reassign(humans.new_ticket()) is None
    assert humans.spent == []  # type: ignore[attr-defined]


def test_people_can_use_up_the_update_limit_of_the_api() -> None:
    with start_sandbox(agents=3, tickets=1, search_lag=0, export_lag=0) as desk:
        store = desk.sandbox.desk
        agent = min(store.agents.values(), key=lambda a: a.id)
        store.update_ticket(
            1, {"assignee_id": agent.id, "group_id": min(agent.group_ids)}, "api:bot"
        )
        for _ in range(100):
            desk.sandbox.humans.ui_update(1)
        refused = zd(desk, "/tickets/1.json", "PUT", json={"ticket": {"priority": "high"}})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert zd(desk, "/tickets/1.json").status_code == 200  # reads are not refused


def test_ui_updates_are_a_traffic_rate() -> None:
    assert TrafficRates(ui_updates_per_minute=3).total() == 3
    with start_sandbox(agents=1) as desk:
        answer = requests.put(
            f"{desk.control_url}/traffic", timeout=5, json={"ui_updates_per_minute": 2}
        )
        assert answer.json()["ui_updates_per_minute"] == 2 and answer.json()["running"]


# -- bulk guard ----------------------------------------------------------------------------
def stale_bulk_write(desk: SandboxHandle) -> dict[str, Any]:
    """A person changes a ticket after it was read; a bulk write then names the old stamp."""
    (ticket_id,) = desk.create_tickets(1)
    stamp = zd(desk, f"/tickets/{ticket_id}.json").json()["ticket"]["updated_at"]
    desk.sandbox.desk.update_ticket(ticket_id, {"priority": "urgent"}, "human:Ada")
    item = {"id": ticket_id, "priority": "low", "safe_update": True, "updated_stamp": stamp}
    job = zd(desk, "/tickets/update_many.json", "PUT", json={"tickets": [item]}).json()
    assert eventually(
        lambda: (
            zd(desk, f"/job_statuses/{job['job_status']['id']}.json").json()["job_status"]["status"]
            == "completed"
        )
    )
    result = zd(desk, f"/job_statuses/{job['job_status']['id']}.json").json()["job_status"]
    return {
        "result": result["results"][0],
        "priority": desk.ticket(ticket_id).priority,
        "single": zd(
            desk,
            f"/tickets/{ticket_id}.json",
            "PUT",
            json={"ticket": {"priority": "low", "safe_update": True, "updated_stamp": stamp}},
        ).status_code,
    }


@pytest.mark.parametrize(
    ("options", "overwritten"),
    [
        pytest.param({}, True, id="ignored-by-default"),
        pytest.param({"zendesk_profile": "zendesk-enterprise"}, True, id="ignored-on-enterprise"),
        pytest.param({"bulk_safe_update": True}, False, id="honoured-when-asked"),
    ],
)
def test_the_bulk_guard(options: dict[str, Any], overwritten: bool) -> None:
    with start_sandbox(agents=1, job_delay=0.01, search_lag=0, export_lag=0, **options) as desk:
        found = stale_bulk_write(desk)
    assert found["result"]["success"] is overwritten
    assert found["priority"] == ("low" if overwritten else "urgent")
    assert found["single"] == 409  # the single-ticket update always honours it
