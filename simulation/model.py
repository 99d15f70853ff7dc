"""The SimPy model: tickets arrive, the real ``Router`` decides on a simulated clock, agents work.

The simulator owns time, arrivals and customer behaviour; routing is the router's. Every
arriving ticket is enriched by the router's rules and given the policy's pick
(``Router.chooser_for``: the untraced form of ``decide``, specialised once per kind of
ticket); a ticket nobody can take waits in the router's ``Backlog`` (``router.backlog``),
the same component ``Router.drain`` uses in the live sidecar, which the model keeps alive
and offers when an agent frees capacity (naming that agent), at shift starts and break
ends, at every sweep, and when a waiting ticket's policy may judge it differently.
Completions, abandonment, SLA-breach escalation (a customer behaviour of the scenario),
reopening, sweeps and shift changes are timers in SimPy's queue, not one process per
ticket, and arrivals, drawn in advance, are merged into the environment's loop
(``simulation.environment``, the one adapter to SimPy's internals). The roster the policy
sees is a ``WorkingRoster`` the model updates in place on every assignment and release.
How an agent's fit changes the work, and who served each customer last, live in
``simulation.agent_fit`` (only for scenarios that use them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from itertools import chain
from typing import Any

from router.backlog import Backlog
from router.decision import Choice
from router.engine import Router
from router.model import Agent
from router.policies.speed import proficiency, slower_by
from router.roster import Roster
from simulation.agent_fit import Work, in_use
from simulation.environment import ArrivalsEnvironment, cycle_collector_paused
from simulation.records import TicketRecord
from simulation.scenario import Scenario
from simulation.team import shift_departures
from simulation.tickets import PRIORITY, SimTicket, TicketMaker
from simulation.traffic import Arrival, Batch, stream

WAITING, SERVED, ABANDONED = "waiting", "served", "abandoned"
_arrival = partial(tuple.__new__, Arrival)  # a batch row as an ``Arrival`` (no Python call)


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
        rows = chain.from_iterable(map(_arrival, zip(*batch, strict=True)) for batch in arrivals)
        self.env = ArrivalsEnvironment(rows, self._admit)
        self.roster = Roster(agents).working_copy()
        self._spare = self.roster.having_spare_capacity()  # live: the working roster's own set
        self.rng = stream(scenario.seed, "policy", replication)
        self.records: list[TicketRecord] = []
        self.backlog: Backlog[SimTicket] = router.backlog()
        self._slowdown = scenario.handle_slowdown
        self._escalation = scenario.traffic.escalation
        self._epoch, self._zone = scenario.start.timestamp(), scenario.start.tzinfo
        self._at: datetime = scenario.start  # ``now`` of the decision under way
        self.tickets = TicketMaker(scenario, router, self.roster, replication)
        self._work = Work(scenario, self.roster, self.tickets.memory) if in_use(scenario) else None
        """Agent fit and customers (None: the plain model, whose hot path stays as it was)."""
        self._refuses = router.refuses
        self.shift_changes = sorted(set(shift_changes))
        if router.roster_wide:  # someone leaving may shrink a reserve: offer then too
            self.shift_changes = sorted({*self.shift_changes, *shift_departures(scenario)})

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
        return datetime.fromtimestamp(self._epoch + self.env.minute * 60.0, self._zone)

    def _schedule_sweeps(self) -> None:
        self.env.call_later(self.scenario.routing.sweep_min, self._on_sweep, None)

    # --- events ----------------------------------------------------------------------

    def _admit(self, arrival: Arrival, reopen: bool = False) -> None:
        """A ticket arrives (or comes back): routed at once if anyone can take it, else it
        waits in the backlog.

        Deciding it alone is what an offer of the whole backlog would do now: every waiting
        ticket was refused by everyone at the last offer, and nothing freed up since.
        """
        self._at = now = self.now()
        job = self.tickets.make(arrival, now, self.env.minute, reopen)
        self.records.append(job.record)
        if not self._try(job):
            job.state = WAITING  # ``_wait`` written out: most tickets of a busy desk wait
            self.backlog.add(job)
            self._arm_timers(job)

    def _on_finish(self, job: SimTicket) -> None:
        agent_id, weight = job.choice
        self.roster.release(agent_id, weight)
        job.record.end = self.env.minute
        again = job.arrival.reopen_after_min
        if (
            again is not None
            and not job.record.reopen
            and (self._work is None or self._work.reopens(job))
        ):
            self.env.call_later(again, self._on_reopen, job.arrival)
        if self.backlog.size:  # only this agent changed: an offer naming it (``_offer``)
            self._at = now = self.now()
            self.backlog.offer(
                now, self.roster, self._attempt, self._start, agent_id, self._refuses
            )

    def _on_reopen(self, arrival: Arrival) -> None:
        self._admit(arrival, reopen=True)

    def _on_abandon(self, job: SimTicket) -> None:
        if job.state == WAITING:
            self.backlog.remove(job)
            job.state = ABANDONED
            job.record.abandoned = True
            job.record.gave_up = self.env.minute

    def _on_escalate(self, job: SimTicket) -> None:
        """The customer's SLA-breach escalation (a scenario behaviour, not routing: on a live
        desk the help desk's own automation raises the ticket, and the sidecar routes the
        changed ticket it reads back)."""
        escalation = self._escalation
        if job.state != WAITING or escalation is None:
            return
        self.backlog.remove(job)
        changes: dict[str, Any] = {"priority": PRIORITY[escalation.set_priority]}
        if escalation.pool:
            changes["pool"] = frozenset(escalation.pool)
        job.ticket = job.ticket.evolve(**changes)
        job.kind = self.tickets.kind(job.ticket)
        job.profile = self.tickets.profile_of(job.ticket, job.kind)
        job.record.escalated = True
        self._at = self.now()
        if not self._try(job):
            self._wait(job)

    def _on_revisit(self, job: SimTicket) -> None:
        if job.state == WAITING:
            self.backlog.remove(job)
            self._at = self.now()
            if not self._try(job):
                self._wait(job)

    def _on_shift_change(self, _: None) -> None:
        self._offer(None)

    def _on_sweep(self, _: None) -> None:
        self._offer(None)
        self._schedule_sweeps()

    # --- routing ---------------------------------------------------------------------

    def _try(self, job: SimTicket) -> bool:
        """Ask the router for an agent now (``_at``); start the work if it found one."""
        if not self._spare:
            return False
        choice = job.kind.choose(job.ticket, self.roster, self._at, self.rng)
        if choice is None:
            return False
        self._start(job, choice)
        return True

    def _start(self, job: SimTicket, choice: Choice) -> Roster:
        """Start the work now (``_at``); returns the roster (updated in place)."""
        agent_id, weight = choice
        roster = self.roster
        roster.assign(agent_id, weight, self._at)
        job.state, job.choice = SERVED, choice
        record = job.record
        record.assigned = self.env.minute
        record.agent = agent_id
        matches = job.kind.matches  # learnt per agent, for the kinds template copies share
        match = None if matches is None else matches.get(agent_id)
        if match is None:
            match = proficiency(self.roster.agents[agent_id], job.ticket)
            if matches is not None:
                matches[agent_id] = match
        record.skill_match = match
        handle = job.arrival.base_handle_min
        if self._work is not None:
            handle *= self._work.start(job, agent_id, match, self._at)
        elif self._slowdown:
            handle *= slower_by(match, self._slowdown)
        record.handle = handle
        self.env.call_later(handle, self._on_finish, job)
        return roster

    def _offer(self, freed: str | None) -> None:
        """Offer the backlog now (``freed``: the agent who just freed capacity, if that is
        the only change since the last offer)."""
        if not self._spare:
            return
        self._at = now = self.now()
        self.backlog.offer(now, self.roster, self._attempt, self._start, freed, self._refuses)

    def _attempt(self, job: SimTicket, view: Roster) -> Choice | None:
        return job.kind.choose(job.ticket, view, self._at, self.rng)

    # --- waiting ---------------------------------------------------------------------

    def _wait(self, job: SimTicket) -> None:
        job.state = WAITING
        self.backlog.add(job)

    def _arm_timers(self, job: SimTicket) -> None:
        """The customer's timers (patience, SLA-breach escalation) and the re-check."""
        patience = job.arrival.patience_min
        if patience < math.inf and not job.record.reopen:
            self.env.call_later(patience, self._on_abandon, job)
        if self._escalation is not None and job.record.sla_target < math.inf:
            self.env.call_later(job.record.sla_target, self._on_escalate, job)
        for wait in job.kind.revisits:
            self.env.call_later(wait / 60.0, self._on_revisit, job)
