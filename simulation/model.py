"""The SimPy model: tickets arrive, the real ``Router`` decides on a simulated clock, agents work.

Completions, abandonment, escalation, reopening, sweeps and shift changes are timers in
SimPy's queue, not one process per ticket, and arrivals, drawn in advance, are merged into
the environment's loop instead of being events (``simulation.environment``): a decision's
overhead stays small. Every routing choice goes through ``router.engine.Router``: its
rules enrich each arriving ticket, its policy picks the agent (``Router.chooser_for``:
the untraced form of ``decide``, specialised once per kind of ticket), its queue order and
the policy's class ranking decide which waiting ticket a freed agent is offered first.
The roster the policy sees is a ``WorkingRoster`` the model updates in place on every
assignment and release (it keeps no older snapshot, so deriving new ones would only cost
time). Arrivals come in NumPy-drawn batches of columns, read row by row.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Hashable, Iterable
from datetime import datetime
from itertools import chain
from typing import Any

from router.decision import Choice
from router.eligibility import EXPLAIN_EVERY_AGENT_UP_TO
from router.engine import Router
from router.model import Agent
from router.policies import QueueAware, QueueState
from router.policies.speed import proficiency, slower_by
from router.queue import queue_key
from router.roster import Roster
from simulation.environment import ArrivalsEnvironment, cycle_collector_paused
from simulation.records import TicketRecord
from simulation.scenario import Scenario
from simulation.tickets import PRIORITY, Job, TicketMaker
from simulation.traffic import Batch, Row, stream

WAITING, SERVED, ABANDONED = "waiting", "served", "abandoned"


class DeskModel:
    """One replication of one scenario under one router."""

    def __init__(
        self,
        scenario: Scenario,
        router: Router,
        agents: list[Agent],
        arrivals: Iterable[Batch],
        replication: int = 0,
        shift_changes: Iterable[float] = (),
    ) -> None:
        self.scenario, self.router, self.replication = scenario, router, replication
        rows = chain.from_iterable(zip(*batch, strict=True) for batch in arrivals)
        self.env = ArrivalsEnvironment(rows, self._admit)
        self.roster = Roster(agents).working_copy()
        self._spare = self.roster.having_spare_capacity()  # live: the working roster's own set
        self.rng = stream(scenario.seed, "policy", replication)
        self.records: list[TicketRecord] = []
        self.lanes: defaultdict[str, list[tuple[tuple[Any, ...], Job]]] = defaultdict(list)
        self.waiting = 0
        self._key = queue_key(router.order)
        self._queue_aware = isinstance(router.policy, QueueAware)
        self._slowdown = scenario.handle_slowdown
        self._escalation = scenario.traffic.escalation
        self._epoch, self._zone = scenario.start.timestamp(), scenario.start.tzinfo
        self._large = len(self.roster) > EXPLAIN_EVERY_AGENT_UP_TO
        self.tickets = TicketMaker(scenario, router, self.roster, replication)
        self.shift_changes = sorted(set(shift_changes))

    # --- running ---------------------------------------------------------------------

    def run(self) -> list[TicketRecord]:
        """Simulate until the horizon plus the drain time; return one record per ticket."""
        self._schedule_sweeps()
        for minute in self.shift_changes:
            self.env.call_later(minute, self._on_shift_change, None)
        with cycle_collector_paused():
            self.env.run(until=self.scenario.horizon_min + self.scenario.drain_days * 1440.0)
        return self.records

    def now(self) -> datetime:
        """The simulated clock as an aware datetime (what the router receives as ``now``)."""
        return datetime.fromtimestamp(self._epoch + self.env._now * 60.0, self._zone)

    def _schedule_sweeps(self) -> None:
        self.env.call_later(self.scenario.routing.sweep_min, self._on_sweep, None)

    # --- events ----------------------------------------------------------------------

    def _admit(self, arrival: Row, reopen: bool = False) -> None:
        """A ticket arrives (or comes back): routed at once if anyone can take it, else queued."""
        now = self.now()
        job = self.tickets.make(arrival, now, self.env._now, reopen)
        self.records.append(job.record)
        if not self._try(job, now):
            self._arm_timers(job, self._enqueue(job))

    def _on_finish(self, job: Job) -> None:
        agent_id, weight = job.choice
        self.roster.release(agent_id, weight)
        job.record.end = self.env._now
        again = job.arrival[8]
        if again is not None and not job.record.reopen:
            self.env.call_later(again, self._on_reopen, job.arrival)
        if self.waiting:
            self._offer(agent_id)

    def _on_reopen(self, arrival: Row) -> None:
        self._admit(arrival, reopen=True)

    def _on_abandon(self, job: Job) -> None:
        if job.state == WAITING:
            self._dequeue(job)
            job.state = ABANDONED
            job.record.abandoned = True
            job.record.gave_up = self.env.now

    def _on_escalate(self, job: Job) -> None:
        escalation = self._escalation
        if job.state != WAITING or escalation is None:
            return
        self._dequeue(job)
        changes: dict[str, Any] = {"priority": PRIORITY[escalation.set_priority]}
        if escalation.pool:
            changes["pool"] = frozenset(escalation.pool)
        job.ticket = job.ticket.evolve(**changes)
        job.kind = self.tickets.kind(job.ticket)
        job.record.escalated = True
        if not self._try(job, self.now()):
            self._enqueue(job)

    def _on_revisit(self, job: Job) -> None:
        if job.state == WAITING:
            self._dequeue(job)
            if not self._try(job, self.now()):
                self._enqueue(job)

    def _on_shift_change(self, _: None) -> None:
        self._offer(None)

    def _on_sweep(self, _: None) -> None:
        self._offer(None)
        self._schedule_sweeps()

    # --- routing ---------------------------------------------------------------------

    def _try(self, job: Job, now: datetime) -> bool:
        """Ask the router for an agent; start the work if it found one."""
        if not self._spare:
            return False
        choice = job.kind.choose(job.ticket, self.roster, now, self.rng)
        if choice is None:
            return False
        self._start(job, choice, now)
        return True

    def _start(self, job: Job, choice: Choice, now: datetime) -> None:
        agent_id, weight = choice
        self.roster.assign(agent_id, weight, now)
        job.state, job.choice = SERVED, choice
        record = job.record
        record.assigned = self.env._now
        record.agent = agent_id
        matches = job.kind.matches  # learnt per agent, for the kinds template copies share
        match = None if matches is None else matches.get(agent_id)
        if match is None:
            match = proficiency(self.roster.agents[agent_id], job.ticket)
            if matches is not None:
                matches[agent_id] = match
        record.skill_match = match
        handle = job.arrival[6]
        if self._slowdown:
            handle *= slower_by(match, self._slowdown)
        record.handle = handle
        self.env.call_later(handle, self._on_finish, job)

    def _offer(self, agent_id: str | None) -> None:
        """Offer waiting tickets, in the router's order, while anyone has spare capacity
        (``agent_id``: the agent who just freed up, if that is why)."""
        if not self.waiting or not self._spare:
            return
        now = self.now()
        refused: set[Hashable] = set()  # routing profiles refused at this instant
        for klass in self._classes(agent_id, now) if self._queue_aware else ("",):
            lane = self.lanes[klass]
            index = 0
            while index < len(lane):
                job = lane[index][1]
                # the pre-check pays off on large rosters or once a decision came back empty
                if (refused or self._large) and self._skip(job, agent_id, refused, now):
                    index += 1
                    continue
                choice = job.kind.choose(job.ticket, self.roster, now, self.rng)
                if choice is None:
                    profile = job.kind.profile
                    refused.add(profile if profile is not None else id(job))
                    index += 1
                    continue
                del lane[index]
                self.waiting -= 1
                self._start(job, choice, now)
                spare = self._spare
                if not spare or (agent_id is not None and agent_id not in spare):
                    return
                if self._queue_aware:  # class ranks moved: rank again
                    self._offer(agent_id)
                    return

    def _skip(self, job: Job, agent_id: str | None, refused: set[Hashable],
              now: datetime) -> bool:
        """Whether offering ``entry`` now is certainly pointless.

        Waiting tickets were already refused by everyone else with spare capacity, so when
        one agent frees up only tickets that agent could take are worth a decision; tickets
        sharing a routing profile with one refused at this instant are refused again.
        """
        profile = job.kind.profile
        if profile is None:
            return False
        if profile in refused:
            return True
        if agent_id is not None and self.router.refuses(agent_id, job.ticket, self.roster, now):
            refused.add(profile)
            return True
        return False

    def _classes(self, agent_id: str | None, now: datetime) -> list[str]:
        """The lanes of a queue-aware policy in the order the policy ranks them now."""
        live = sorted((lane[0][0], klass) for klass, lane in self.lanes.items() if lane)
        state = QueueState(
            counts={klass: len(self.lanes[klass]) for _, klass in live},
            heads={klass: self.lanes[klass][0][1].ticket for _, klass in live},
        )
        agent = None if agent_id is None else self.roster.agents[agent_id]
        return self.router.rank_classes(state, now, agent)

    # --- the queue -------------------------------------------------------------------

    def _enqueue(self, job: Job) -> float | None:
        """Put ``job`` in its lane; return the seconds after which to offer it again, if any."""
        ticket = job.ticket
        job.key = self._key(ticket)
        job.klass = self.router.queue_class(ticket) if self._queue_aware else ""
        job.state = WAITING
        insort(self.lanes[job.klass], (job.key, job))
        self.waiting += 1
        return job.kind.revisit

    def _dequeue(self, job: Job) -> None:
        lane = self.lanes[job.klass]
        index = bisect_left(lane, (job.key,))
        del lane[index]
        self.waiting -= 1

    def _arm_timers(self, job: Job, revisit: float | None) -> None:
        patience = job.arrival[7]
        if patience < math.inf and not job.record.reopen:
            self.env.call_later(patience, self._on_abandon, job)
        if self._escalation is not None and job.record.sla_target < math.inf:
            self.env.call_later(job.record.sla_target, self._on_escalate, job)
        if revisit is not None:
            self.env.call_later(revisit / 60.0, self._on_revisit, job)
