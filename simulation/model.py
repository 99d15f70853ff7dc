"""The SimPy model: tickets arrive, the real ``Router`` decides on a simulated clock, agents work.

Events are plain SimPy callbacks (arrivals, completions, abandonment, escalation, sweeps),
not one process per ticket, which keeps a decision's overhead small. Every routing choice
goes through ``router.engine.Router``: its rules enrich each arriving ticket, its policy
picks the agent (``Router.choose``, the untraced form of ``decide``), its queue order and
the policy's class ranking decide which waiting ticket a freed agent is offered first.
The roster the policy sees is updated with ``with_assignment`` / ``with_release``.
"""

from __future__ import annotations

import gc
import math
from bisect import bisect_left, insort
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import simpy

from router.eligibility import EXPLAIN_EVERY_AGENT_UP_TO
from router.engine import Router
from router.model import Agent, Ticket
from router.policies import QueueAware, QueueState
from router.policies.base import Choice
from router.policies.speed import handle_factor, proficiency
from router.queue import queue_key
from router.roster import Roster
from simulation.records import TicketRecord
from simulation.scenario import Scenario
from simulation.tickets import PRIORITY, TicketMaker
from simulation.traffic import Arrival, stream


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a run (reference counting still frees everything).

    A run allocates millions of small objects and keeps every record; the cycle collector
    would scan that growing heap again and again (a quarter of the run time at 200,000
    tickets), while the model creates no reference cycles it relies on it to free. Any there
    are get collected as usual once it resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Waiting:
    """A ticket in the queue (or being served) and its record."""

    __slots__ = ("arrival", "key", "klass", "profile", "record", "state", "ticket")

    def __init__(self, ticket: Ticket, record: TicketRecord, arrival: Arrival) -> None:
        self.ticket, self.record, self.arrival = ticket, record, arrival
        self.key: tuple[Any, ...] = ()
        self.klass = ""
        self.profile: Hashable | None = None
        self.state = "new"  # new -> waiting -> served | abandoned


class DeskModel:
    """One replication of one scenario under one router."""

    def __init__(
        self,
        scenario: Scenario,
        router: Router,
        agents: list[Agent],
        arrivals: Iterable[Arrival],
        replication: int = 0,
        shift_changes: Iterable[float] = (),
    ) -> None:
        self.scenario, self.router, self.replication = scenario, router, replication
        self.env = simpy.Environment()
        self.roster = Roster(agents)
        self.rng = stream(scenario.seed, "policy", replication)
        self.records: list[TicketRecord] = []
        self.lanes: dict[str, list[tuple[tuple[Any, ...], Waiting]]] = {}
        self.waiting = 0
        self._source: Iterator[Arrival] = iter(arrivals)
        self._key = queue_key(router.order)
        self._queue_aware = isinstance(router.policy, QueueAware)
        self._slowdown = scenario.handle_slowdown
        self._start_at = scenario.start
        self._clock: tuple[float, datetime] = (-1.0, scenario.start)
        self._large = len(self.roster) > EXPLAIN_EVERY_AGENT_UP_TO
        self.tickets = TicketMaker(scenario, router, replication)
        self._choose = router.choose  # the real policy path, looked up once
        self.shift_changes = sorted(set(shift_changes))

    # --- running ---------------------------------------------------------------------

    def run(self) -> list[TicketRecord]:
        """Simulate until the horizon plus the drain time; return one record per ticket."""
        self._next_arrival()
        self._schedule_sweeps()
        for minute in self.shift_changes:
            event = self.env.timeout(minute)
            event.callbacks.append(self._on_shift_change)
        with cycle_collector_paused():
            self.env.run(until=self.scenario.horizon_min + self.scenario.drain_days * 1440.0)
        return self.records

    def now(self) -> datetime:
        """The simulated clock as an aware datetime (what the router receives as ``now``)."""
        minute = self.env.now
        if self._clock[0] != minute:
            self._clock = (minute, self._start_at + timedelta(minutes=minute))
        return self._clock[1]

    def _next_arrival(self) -> None:
        arrival = next(self._source, None)
        if arrival is not None:
            event = self.env.timeout(max(arrival.at_min - self.env.now, 0.0), arrival)
            event.callbacks.append(self._on_arrival)

    def _schedule_sweeps(self) -> None:
        every = self.scenario.routing.sweep_min
        event = self.env.timeout(every)
        event.callbacks.append(self._on_sweep)

    # --- events ----------------------------------------------------------------------

    def _on_arrival(self, event: simpy.Event) -> None:
        arrival: Arrival = _value(event)
        self._next_arrival()
        self._admit(arrival, reopen=False)

    def _admit(self, arrival: Arrival, reopen: bool) -> None:
        now = self.now()
        ticket, record = self.tickets.make(arrival, now, self.env.now, reopen)
        entry = Waiting(ticket, record, arrival)
        self.records.append(record)
        if not self._try(entry, now):
            self._enqueue(entry)
            self._arm_timers(entry)

    def _on_finish(self, event: simpy.Event) -> None:
        entry, choice = _value(event)
        self.roster = self.roster.with_release(choice.agent_id, choice.weight)
        entry.record.end = self.env.now
        again = entry.arrival.reopen_after_min
        if again is not None and not entry.record.reopen:
            later = self.env.timeout(again, entry.arrival)
            later.callbacks.append(self._on_reopen)
        self._offer(self.roster.agents[choice.agent_id])

    def _on_reopen(self, event: simpy.Event) -> None:
        self._admit(_value(event), reopen=True)

    def _on_abandon(self, event: simpy.Event) -> None:
        entry: Waiting = _value(event)
        if entry.state == "waiting":
            self._dequeue(entry)
            entry.state = "abandoned"
            entry.record.abandoned = True
            entry.record.gave_up = self.env.now

    def _on_escalate(self, event: simpy.Event) -> None:
        entry: Waiting = _value(event)
        escalation = self.scenario.traffic.escalation
        if entry.state != "waiting" or escalation is None:
            return
        self._dequeue(entry)
        changes: dict[str, Any] = {"priority": PRIORITY[escalation.set_priority]}
        if escalation.pool:
            changes["pool"] = frozenset(escalation.pool)
        entry.ticket = entry.ticket.evolve(**changes)
        entry.record.escalated = True
        if not self._try(entry, self.now()):
            self._enqueue(entry)

    def _on_revisit(self, event: simpy.Event) -> None:
        entry: Waiting = _value(event)
        if entry.state == "waiting":
            self._dequeue(entry)
            if not self._try(entry, self.now()):
                self._enqueue(entry)

    def _on_shift_change(self, event: simpy.Event) -> None:
        self._offer(None)

    def _on_sweep(self, event: simpy.Event) -> None:
        self._offer(None)
        self._schedule_sweeps()

    # --- routing ---------------------------------------------------------------------

    def _try(self, entry: Waiting, now: datetime) -> bool:
        """Ask the router for an agent; start the work if it found one."""
        if not self.roster.having_spare_capacity():
            return False
        choice = self._choose(entry.ticket, self.roster, now, self.rng)
        if choice is None:
            return False
        self._start(entry, choice, now)
        return True

    def _start(self, entry: Waiting, choice: Choice, now: datetime) -> None:
        self.roster = self.roster.with_assignment(choice.agent_id, choice.weight, now)
        entry.state = "served"
        record = entry.record
        record.assigned = self.env.now
        record.agent = choice.agent_id
        agent = self.roster.agents[choice.agent_id]
        record.skill_match = proficiency(agent, entry.ticket)
        handle = entry.arrival.base_handle_min
        if self._slowdown:
            handle *= handle_factor(agent, entry.ticket, self._slowdown)
        record.handle = handle
        done = self.env.timeout(handle, (entry, choice))
        done.callbacks.append(self._on_finish)

    def _offer(self, agent: Agent | None) -> None:
        """Offer waiting tickets, in the router's order, while anyone has spare capacity."""
        if not self.waiting or not self.roster.having_spare_capacity():
            return
        now = self.now()
        refused: set[Hashable] = set()
        for klass in self._classes(agent, now):
            lane = self.lanes[klass]
            index = 0
            while index < len(lane):
                entry = lane[index][1]
                # the pre-check pays off on large rosters or once a decision came back empty
                check = agent if refused or self._large else None
                if self._skip(entry, check, refused, now):
                    index += 1
                    continue
                choice = self._choose(entry.ticket, self.roster, now, self.rng)
                if choice is None:
                    refused.add(entry.profile if entry.profile is not None else id(entry))
                    index += 1
                    continue
                del lane[index]
                self.waiting -= 1
                self._start(entry, choice, now)
                spare = self.roster.having_spare_capacity()
                if not spare or (agent is not None and agent.id not in spare):
                    return
                if self._queue_aware:  # class ranks moved: rank again
                    self._offer(agent)
                    return

    def _skip(self, entry: Waiting, agent: Agent | None, refused: set[Hashable],
              now: datetime) -> bool:
        """Whether offering ``entry`` now is certainly pointless.

        Waiting tickets were already refused by everyone else with spare capacity, so when
        one agent frees up only tickets that agent could take are worth a decision; tickets
        sharing a routing profile with one refused at this instant are refused again.
        """
        profile = entry.profile
        if profile is None:
            return False
        if profile in refused:
            return True
        if agent is not None and self.router.refuses(agent.id, entry.ticket, self.roster, now):
            refused.add(profile)
            return True
        return False

    def _classes(self, agent: Agent | None, now: datetime) -> list[str]:
        if not self._queue_aware:
            return [""] if "" in self.lanes else []
        live = sorted((lane[0][0], klass) for klass, lane in self.lanes.items() if lane)
        state = QueueState(
            counts={klass: len(self.lanes[klass]) for _, klass in live},
            heads={klass: self.lanes[klass][0][1].ticket for _, klass in live},
        )
        return self.router.rank_classes(state, now, agent)

    # --- the queue -------------------------------------------------------------------

    def _enqueue(self, entry: Waiting) -> None:
        ticket = entry.ticket
        entry.key = self._key(ticket)
        entry.klass = self.router.queue_class(ticket) if self._queue_aware else ""
        entry.profile, _ = self.tickets.routing(ticket, entry.arrival, entry.record.escalated)
        entry.state = "waiting"
        insort(self.lanes.setdefault(entry.klass, []), (entry.key, entry))
        self.waiting += 1

    def _dequeue(self, entry: Waiting) -> None:
        lane = self.lanes[entry.klass]
        index = bisect_left(lane, (entry.key,))
        del lane[index]
        self.waiting -= 1

    def _arm_timers(self, entry: Waiting) -> None:
        patience = entry.arrival.patience_min
        if patience < math.inf and not entry.record.reopen:
            event = self.env.timeout(patience, entry)
            event.callbacks.append(self._on_abandon)
        if self.scenario.traffic.escalation is not None and entry.record.sla_target < math.inf:
            event = self.env.timeout(entry.record.sla_target, entry)
            event.callbacks.append(self._on_escalate)
        _, revisit = self.tickets.routing(entry.ticket, entry.arrival, entry.record.escalated)
        if revisit is not None:
            event = self.env.timeout(revisit / 60.0, entry)
            event.callbacks.append(self._on_revisit)



def _value(event: simpy.Event) -> Any:
    """The payload a timeout was created with."""
    return event.value
