"""The desk's own rules: what a change may do, who made it, and strictly moving stamps."""

from __future__ import annotations

import pytest

from sandbox.store import REPEATED_ASSIGNMENT, AgentRecord, Desk, DeskError


@pytest.fixture
def desk() -> Desk:
    d = Desk()
    d.add_group(1, "Billing")
    d.add_group(2, "Shipping")
    d.add_agent(AgentRecord(id=10, name="Ada", email="ada@x.invalid", group_ids={1}))
    return d


def test_assigning_opens_a_new_ticket_and_records_who(desk: Desk) -> None:
    ticket = desk.create_ticket("customer", subject="s", description="d")
    desk.update_ticket(ticket.id, {"assignee_id": 10, "group_id": 1}, "api:bot")
    assert ticket.status == "open" and ticket.initially_assigned_at is not None
    assert desk.audit[-1]["actor"] == "api:bot"
    assert desk.audit[-1]["event"] == "ticket.agent_assignment_changed"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"assignee_id": 10, "group_id": 2}, "assignee_id", id="not-in-group"),
        pytest.param({"assignee_id": 99}, "assignee_id", id="not-an-agent"),
        pytest.param({"group_id": 7}, "group_id", id="no-such-group"),
    ],
)
def test_invalid_changes_are_refused(desk: Desk, changes: dict, field: str) -> None:
    ticket = desk.create_ticket("customer", subject="s", description="d")
    with pytest.raises(DeskError) as caught:
        desk.update_ticket(ticket.id, changes, "api:bot")
    assert caught.value.kind == "invalid" and caught.value.field_name == field


def test_closed_tickets_only_take_tags_subject_and_priority(desk: Desk) -> None:
    ticket = desk.create_ticket("customer", subject="s", description="d", status="closed")
    desk.update_ticket(ticket.id, {"priority": "low"}, "human:x")
    with pytest.raises(DeskError):
        desk.update_ticket(ticket.id, {"assignee_id": 10}, "human:x")


def test_every_change_moves_updated_at_forward(desk: Desk) -> None:
    ticket = desk.create_ticket("customer", subject="s", description="d")
    stamps = [ticket.updated_at]
    for priority in ("low", "high", "urgent"):
        desk.update_ticket(ticket.id, {"priority": priority}, "human:x")
        stamps.append(ticket.updated_at)
    assert stamps == sorted(set(stamps))


def test_a_stale_safe_update_is_a_conflict(desk: Desk) -> None:
    ticket = desk.create_ticket("customer", subject="s", description="d")
    read = ticket.updated_at
    desk.update_ticket(ticket.id, {"priority": "high"}, "human:x")
    with pytest.raises(DeskError) as caught:
        desk.update_ticket(ticket.id, {"assignee_id": 10}, "api:bot", expected=read)
    assert caught.value.kind == "conflict" and ticket.assignee_id is None


def test_a_job_isolates_bad_tickets(desk: Desk) -> None:
    ticket = desk.create_ticket("customer", subject="s", description="d")
    job = desk.new_job("zendesk", 2)
    desk.run_job(job, [(ticket.id, {"assignee_id": 10}), (12345, {"assignee_id": 10})], "api")
    assert job.status == "completed"
    assert [r["success"] for r in job.results] == [True, False]


def test_unchanged_values_are_not_audited(desk: Desk) -> None:
    ticket = desk.create_ticket("customer", subject="s", description="d", priority="low")
    before = len(desk.audit)
    desk.update_ticket(ticket.id, {"priority": "low"}, "human:x")
    assert len(desk.audit) == before


@pytest.mark.parametrize(
    ("actor", "private", "replied"),
    [
        pytest.param("human:Ada", False, True, id="agent-public-comment"),
        pytest.param("api:bot", False, True, id="api-public-comment"),
        pytest.param("api:bot", True, False, id="private-note"),
        pytest.param("customer", False, False, id="customer-comment"),
    ],
)
def test_the_first_public_agent_comment_is_the_first_reply(
    desk: Desk, actor: str, private: bool, replied: bool
) -> None:
    ticket = desk.create_ticket("customer", subject="s", description="d")
    desk.add_note(ticket.id, "hello", actor, private)
    assert (ticket.first_reply_at is not None) is replied


def test_an_assignment_records_the_assignee_it_replaced(desk: Desk) -> None:
    desk.add_agent(AgentRecord(id=11, name="Bo", email="bo@x.invalid", group_ids={1}))
    ticket = desk.create_ticket("customer", subject="s", description="d", group_id=1)
    desk.update_ticket(ticket.id, {"assignee_id": 10}, "human:Ada")
    desk.update_ticket(ticket.id, {"assignee_id": 11}, "api:bot")
    assert desk.audit[-1]["before"] == {"assignee_id": 10}
    assert desk.audit[-1]["changes"] == {"assignee_id": 11}


def test_a_repeated_assignment_is_audited_but_heard_by_no_listener(desk: Desk) -> None:
    heard: list[str] = []
    desk.listeners.append(lambda ticket, event, changes: heard.append(event))
    ticket = desk.create_ticket("customer", subject="s", description="d")
    desk.update_ticket(ticket.id, {"assignee_id": 10, "group_id": 1}, "api:bot")
    desk.update_ticket(ticket.id, {"assignee_id": 10, "group_id": 1}, "api:bot")
    assert desk.audit[-1]["event"] == REPEATED_ASSIGNMENT
    assert desk.audit[-1]["requested"] == {"assignee_id": 10}
    assert heard == ["ticket.created", "ticket.agent_assignment_changed"]


def test_a_job_refuses_a_ticket_changed_since_its_stamp(desk: Desk) -> None:
    desk.add_agent(AgentRecord(id=11, name="Bo", email="bo@x.invalid", group_ids={1}))
    ticket = desk.create_ticket("customer", subject="s", description="d", group_id=1)
    read = ticket.updated_at
    desk.update_ticket(ticket.id, {"assignee_id": 10}, "human:Ada")  # after our read
    job = desk.new_job("zendesk", 1)
    desk.run_job(job, [(ticket.id, {"assignee_id": 11})], "api:bot", {ticket.id: read})
    assert job.results[0]["error"] == "conflict" and ticket.assignee_id == 10
