"""The RT connector against a real Request Tracker 5: read, roster, write, refusals."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from connectors.base import WriteRequest
from connectors.errors import FatalError, SkippableError
from connectors.rt import RtConnector, from_settings
from router.decision import Assignment, DecisionTrace
from router.model import Priority
from tests.integration.rt.conftest import (
    BILLING_OWNERS,
    SUPPORT_OWNERS,
    RtDesk,
    RtServer,
)
from tests.secret_values import RT_TOKEN


def connector(server: RtServer, **overrides: object) -> RtConnector:
    return from_settings(server.settings(**overrides))


def write(
    ticket_id: str,
    agent: str,
    *,
    note: str | None = "routed by the test",
    group: str | None = None,
    expected: datetime | None = None,
) -> WriteRequest:
    trace = DecisionTrace(policy="test", ticket_id=ticket_id, at=datetime.now(UTC))
    assignment = Assignment(
        ticket_id=ticket_id, agent_id=agent, weight=1.0, trace=trace, group=group
    )
    return WriteRequest.of(assignment=assignment, expected_updated_at=expected, note=note)


def poll_all(rt: RtConnector, cursor: str | None = None) -> tuple[list[str], str | None, int]:
    """Ticket ids over every page until done, the final cursor and the pages read."""
    ids, pages = [], 0
    while True:
        page = rt.poll(cursor)
        pages += 1
        ids += [t.id for t in page.tickets]
        cursor = page.cursor
        if page.done:
            return ids, cursor, pages


def test_poll_maps_new_tickets_as_rt_stores_them(rt_server: RtServer, desk: RtDesk) -> None:
    ticket_id = desk.create(
        "Billing",
        "Charged twice",
        body="Invoice 1001 was charged twice",
        priority=95,
        CustomFields={"Category": "refund"},
    )
    (ticket,) = connector(rt_server).poll(None).tickets
    assert (ticket.id, ticket.source, ticket.group, ticket.assignee) == (
        ticket_id,
        "rt",
        "Billing",
        None,
    )
    assert (ticket.subject, ticket.body) == ("Charged twice", "Invoice 1001 was charged twice")
    assert ticket.priority == Priority.URGENT
    assert ticket.requester == "customer@example.com"
    assert ticket.custom_fields["Category"] == "refund"
    assert ticket.custom_fields["status"] == "new"
    assert ticket.updated_at is not None and ticket.created_at <= datetime.now(UTC)


def test_poll_pages_through_every_queue_and_resumes_from_its_cursor(
    rt_server: RtServer, desk: RtDesk
) -> None:
    created = [
        desk.create(queue, f"ticket {n}")
        for n, queue in enumerate(["Billing", "Support", "Billing", "Support", "Billing"])
    ]
    desk.create("General", "not a routed queue")
    rt = connector(rt_server, page_size=2, read_body=False)
    ids, cursor, pages = poll_all(rt)
    assert ids == created
    assert pages == 3
    later = desk.create("Support", "after the cursor")
    assert poll_all(rt, cursor)[0] == [later]


def test_owned_tickets_are_not_polled(rt_server: RtServer, desk: RtDesk) -> None:
    owned = desk.create("Billing", "taken by a human")
    desk.update(owned, Owner="alice")
    assert connector(rt_server).poll(None).tickets == ()


def test_roster_from_group_and_admincc_with_loads(rt_server: RtServer, desk: RtDesk) -> None:
    desk.update(desk.create("Support", "bob works on it"), Owner="bob")
    roster = connector(rt_server).roster()
    groups = {agent.id: agent.groups for agent in roster.agents}
    assert {a for a, g in groups.items() if "Billing" in g} == BILLING_OWNERS
    assert {a for a, g in groups.items() if "Support" in g} == SUPPORT_OWNERS
    assert "Billing Agents" in groups["alice"]
    assert "carol" not in groups
    assert roster.loads == {"bob": 1.0}
    assert next(a.name for a in roster.agents if a.id == "alice") == "Alice"


def test_assign_sets_owner_and_comment_and_reads_back(rt_server: RtServer, desk: RtDesk) -> None:
    ticket_id = desk.create("Billing", "please route me")
    rt = connector(rt_server)
    seen = rt.fetch(ticket_id)
    result = rt.assign(
        write(ticket_id, "alice", note="alice knows refunds", expected=seen.updated_at)
    )
    assert result.outcome == "written", result.detail
    assert desk.owner(ticket_id) == "alice"
    assert desk.comments(ticket_id) == ["alice knows refunds"]
    assert desk.ticket(ticket_id)["Status"] == "new"  # RT opens it on the first reply


@pytest.mark.parametrize(
    ("agent", "reason"),
    [
        pytest.param("carol", "may not own tickets", id="no-own-right"),
        pytest.param("ghost", "does not exist", id="unknown-user"),
        pytest.param("dave", "may not own tickets", id="owner-of-another-queue"),
    ],
)
def test_refused_owner_change_is_reported_not_done(
    rt_server: RtServer, desk: RtDesk, agent: str, reason: str
) -> None:
    ticket_id = desk.create("Billing", "owner will be refused")
    result = connector(rt_server).assign(write(ticket_id, agent))
    assert not result.ok
    assert result.outcome == "agent_gone"  # the sidecar decides again without them
    assert reason in result.detail
    assert desk.owner(ticket_id) == "Nobody"
    assert desk.comments(ticket_id) == []


@pytest.mark.parametrize(
    ("human_edit", "owner_after"),
    [
        pytest.param({"Owner": "bob"}, "bob", id="a-human-took-it"),
        pytest.param({"Priority": 99}, "Nobody", id="a-human-edited-it"),
    ],
)
def test_a_humans_change_after_our_read_is_a_conflict(
    rt_server: RtServer, desk: RtDesk, human_edit: dict[str, object], owner_after: str
) -> None:
    ticket_id = desk.create("Billing", "a human is faster")
    rt = connector(rt_server)
    seen = rt.fetch(ticket_id)
    time.sleep(1.1)  # RT keeps whole seconds: let the edit land in a later one
    desk.update(ticket_id, **human_edit)
    assert rt.fetch(ticket_id).updated_at != seen.updated_at
    result = rt.assign(write(ticket_id, "alice", expected=seen.updated_at))
    assert result.outcome == "conflict"
    assert desk.owner(ticket_id) == owner_after


class HumanFirst(requests.Session):
    """The HTTP seam, with a human who assigns the ticket just before our owner write."""

    def __init__(self, desk: RtDesk, owner: str) -> None:
        super().__init__()
        self.desk, self.owner = desk, owner

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        body = kwargs.get("json")
        if method == "PUT" and isinstance(body, dict) and "Owner" in body:
            self.desk.update(str(url).rsplit("/", 1)[-1], Owner=self.owner)
        return super().request(method, url, *args, **kwargs)


def test_rt_refuses_to_take_a_ticket_a_human_took_after_our_read(
    rt_server: RtServer, desk: RtDesk
) -> None:
    """The bot has no ReassignTicket right, so RT closes the read-to-write gap itself."""
    ticket_id = desk.create("Billing", "a human assigns it mid-write")
    rt = from_settings(rt_server.settings(), HumanFirst(desk, "bob"))
    result = rt.assign(write(ticket_id, "alice"))
    assert result.outcome == "conflict"
    assert "owner is bob" in result.detail
    assert desk.owner(ticket_id) == "bob"
    assert desk.comments(ticket_id) == []


def test_replaying_a_write_changes_nothing(rt_server: RtServer, desk: RtDesk) -> None:
    ticket_id = desk.create("Billing", "written twice after a crash")
    rt = connector(rt_server)
    assert rt.assign(write(ticket_id, "bob")).ok
    assert rt.assign(write(ticket_id, "bob")).ok
    assert desk.owner_changes(ticket_id) == 1
    assert len(desk.comments(ticket_id)) == 1


def test_move_queue_then_set_an_owner_of_that_queue(rt_server: RtServer, desk: RtDesk) -> None:
    ticket_id = desk.create("Support", "this is really billing")
    rt = connector(rt_server, move_queue=True)
    result = rt.assign(write(ticket_id, "alice", group="Billing"))
    assert result.ok, result.detail
    ticket = rt.fetch(ticket_id)
    assert (ticket.group, ticket.assignee) == ("Billing", "alice")


def test_assign_many_writes_each_ticket(rt_server: RtServer, desk: RtDesk) -> None:
    ids = [desk.create("Support", f"batch {n}") for n in range(3)]
    results = connector(rt_server).assign_many(
        [write(ids[0], "bob"), write(ids[1], "carol"), write(ids[2], "dave")]
    )
    assert [r.outcome for r in results] == ["written", "agent_gone", "written"]
    assert [desk.owner(i) for i in ids] == ["bob", "Nobody", "dave"]


def test_missing_ticket_is_skippable(rt_server: RtServer, desk: RtDesk) -> None:
    rt = connector(rt_server)
    with pytest.raises(SkippableError):
        rt.fetch("999999")
    assert rt.assign(write("999999", "alice")).outcome == "parked"


def test_bad_token_is_fatal(rt_server: RtServer) -> None:
    rt = from_settings(rt_server.settings(token=SecretStr(RT_TOKEN)))
    with pytest.raises(FatalError, match="401"):
        rt.poll(None)
