"""The policy plug-in interface: one protocol, and what a plug-in gets for free."""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from router.decision import Assignment, Decision, DecisionTrace, NoAssignment
from router.engine import Router
from router.model import Ticket
from router.policies import DecidingPolicy, Policy, make_policy, policy_names
from router.roster import Roster
from tests.router.builders import NOW, agent, ticket


class FirstOnline(DecidingPolicy):
    """A plug-in that writes only ``decide``: the first agent with spare capacity."""

    name = "first_online"

    def decide(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Decision:
        trace = DecisionTrace(policy=self.name, ticket_id=ticket.id, at=now)
        for agent_id in roster.agent_ids:
            if roster.spare(agent_id) >= 1:
                return Assignment(ticket_id=ticket.id, agent_id=agent_id, weight=1.0, trace=trace)
        return NoAssignment(ticket_id=ticket.id, reason="everyone is full", trace=trace)


def test_every_registered_policy_implements_the_one_protocol() -> None:
    for name in policy_names():
        assert isinstance(make_policy(name), Policy), name


def test_a_plug_in_that_only_decides_is_a_whole_policy() -> None:
    plug_in = FirstOnline()
    assert isinstance(plug_in, Policy)
    router = Router(policy=plug_in)
    roster = Roster([agent("a", capacity={"max_load": 1}), agent("b")], {"a": 1.0})
    work = ticket("t1")
    assert router.choose(work, roster, NOW, Random(0)) == ("b", 1.0)
    assert router.chooser_for(work, roster)(work, roster, NOW, Random(0)) == ("b", 1.0)
    assert not router.refuses("a", work, roster, NOW)  # never certain: False is safe
    assert router.revisit_after(work) is None


def test_threshold_overflow_refuses_a_helper_only_until_the_ticket_may_overflow() -> None:
    policy = make_policy("threshold_overflow", wait_s=600, overflow={"billing": ["tier2"]})
    roster = Roster([agent("own", groups={"billing"}), agent("helper", groups={"tier2"})])
    fresh = ticket("t1", group="billing", created_at=NOW - timedelta(minutes=5))
    waited = ticket("t2", group="billing", created_at=NOW - timedelta(minutes=15))
    assert policy.refuses("helper", fresh, roster, NOW)
    assert not policy.refuses("helper", waited, roster, NOW)
    assert not policy.refuses("own", fresh, roster, NOW)
