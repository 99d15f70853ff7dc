"""The SimPy model: tickets arrive, the real ``Router`` decides on a simulated clock, agents work.

Events are plain SimPy callbacks (completions, abandonment, escalation, reopening, sweeps,
shift changes), not one process per ticket, which keeps a decision's overhead small;
arrivals, drawn in advance, are merged into the environment's step instead of being
events (``ArrivalsEnvironment``). Every routing choice
goes through ``router.engine.Router``: its rules enrich each arriving ticket, its policy
picks the agent (``Router.choose``, the untraced form of ``decide``), its queue order and
the policy's class ranking decide which waiting ticket a freed agent is offered first.
The roster the policy sees is a ``WorkingRoster`` the model updates in place on every
assignment and release (it keeps no older snapshot, so deriving new ones would only cost
time). Arrivals come in NumPy-drawn batches of columns, read row by row.
"""

from __future__ import annotations

import gc
import math
from bisect import bisect_left, insort
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from heapq import heappop, heappush
from itertools import chain
from typing import Any

import simpy
from simpy.events import NORMAL, Timeout

from router.decision import Choice
from router.eligibility import EXPLAIN_EVERY_AGENT_UP_TO
from router.engine import Router
from router.model import Agent, Ticket
from router.policies import QueueAware, QueueState
from router.policies.speed import proficiency, slower_by
from router.queue import queue_key
from router.roster import Roster
from simulation.records import TicketRecord
from simulation.scenario import Scenario
from simulation.tickets import PRIORITY, TicketMaker
from simulation.traffic import Batch, stream


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


Row = tuple[int, float, str, str, str, str, float, float, "float | None"]
"""An arrival's values in ``Arrival`` field order (a batch row, or an ``Arrival`` itself)."""

WAITING, SERVED, ABANDONED = "waiting", "served", "abandoned"


class Job:
    """One ticket in the model: the router's ``Ticket``, its record and the arrival's draws."""

    __slots__ = ("arrival", "choice", "key", "klass", "profile", "record", "state", "ticket")

    choice: Choice  # set when the work starts
    key: tuple[Any, ...]  # key, klass and profile: set when the ticket starts waiting
    klass: str
    profile: Hashable | None

    def __init__(self, ticket: Ticket, record: TicketRecord, arrival: Row) -> None:
        self.ticket, self.record, self.arrival = ticket, record, arrival
        self.state = "new"  # new -> waiting -> served | abandoned

    @property
    def kind(self) -> tuple[str, str, str]:
        """Category, language and channel: what a template ticket's routing depends on."""
        arrival = self.arrival
        return arrival[2], arrival[4], arrival[5]


class Call(Timeout):
    """A timeout that calls one callback with its event (the only kind of event the model
    schedules): built in one step instead of ``env.timeout`` plus ``callbacks.append``."""

    def __init__(self, env: simpy.Environment, delay: float, payload: Any,
                 callback: Callable[[Call], None]) -> None:
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        self.env, self.callbacks = env, [callback]
        self._value, self._delay, self._ok = payload, delay, True
        # env.schedule(self, NORMAL, delay), without the extra call
        heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), self))

    @property
    def payload(self) -> Any:
        """What the event was created with."""
        return self._value


class ArrivalsEnvironment(simpy.Environment):
    """A SimPy environment that also walks a time-ordered stream of arrivals.

    Arrivals are known in advance and come sorted, so instead of scheduling each one as an
    event (an allocation, a heap push and a heap pop per ticket) the environment merges the
    stream with its event queue: ``step`` hands the next arrival to ``on_arrival`` when it
    is due strictly before the next queued event, and otherwise processes that event as
    SimPy always does. The clock never moves back: an arrival stamped earlier than now (a
    replayed export need not be sorted) arrives now.

    The model reads the clock as ``_now`` on its hot paths (the ``now`` property's value
    without the call).
    """

    def __init__(self, arrivals: Iterator[Row], on_arrival: Callable[[Row], None]) -> None:
        super().__init__()
        self._arrivals, self._on_arrival = arrivals, on_arrival
        self._upcoming: Row | None = next(arrivals, None)

    def step(self) -> None:
        """Process the next arrival or the next event, whichever is due first.

        The model's own ``Call`` events (one callback each, never failing) are run here
        directly; every other event goes through ``simpy.Environment.step``.
        """
        queue, upcoming = self._queue, self._upcoming
        if upcoming is not None and (not queue or upcoming[1] < queue[0][0]):
            if upcoming[1] > self._now:
                self._now = upcoming[1]
            self._upcoming = next(self._arrivals, None)
            self._on_arrival(upcoming)
        elif queue and queue[0][3].__class__ is Call:
            self._now, _, _, event = heappop(queue)
            callback, = event.callbacks
            event.callbacks = None  # type: ignore[assignment]  # processed, as SimPy marks it
            callback(event)
        else:
            simpy.Environment.step(self)


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
        self.env = ArrivalsEnvironment(rows, self._on_arrival)
        self.roster = Roster(agents).working_copy()
        self.rng = stream(scenario.seed, "policy", replication)
        self.records: list[TicketRecord] = []
        self.lanes: dict[str, list[tuple[tuple[Any, ...], Job]]] = {}
        self.waiting = 0
        self._key = queue_key(router.order)
        self._queue_aware = isinstance(router.policy, QueueAware)
        self._slowdown = scenario.handle_slowdown
        self._epoch, self._zone = scenario.start.timestamp(), scenario.start.tzinfo
        self._clock_minute, self._clock = -1.0, scenario.start
        self._large = len(self.roster) > EXPLAIN_EVERY_AGENT_UP_TO
        self.tickets = TicketMaker(scenario, router, replication)
        self._choose = router.chooser  # Router.choose's policy path, looked up once
        self._skill_match: dict[tuple[str, str], float] = {}
        self.shift_changes = sorted(set(shift_changes))

    # --- running ---------------------------------------------------------------------

    def run(self) -> list[TicketRecord]:
        """Simulate until the horizon plus the drain time; return one record per ticket."""
        self._schedule_sweeps()
        for minute in self.shift_changes:
            Call(self.env, minute, None, self._on_shift_change)
        with cycle_collector_paused():
            self.env.run(until=self.scenario.horizon_min + self.scenario.drain_days * 1440.0)
        return self.records

    def now(self) -> datetime:
        """The simulated clock as an aware datetime (what the router receives as ``now``)."""
        minute = self.env._now
        if self._clock_minute != minute:
            self._clock_minute = minute
            self._clock = datetime.fromtimestamp(self._epoch + minute * 60.0, self._zone)
        return self._clock

    def _schedule_sweeps(self) -> None:
        every = self.scenario.routing.sweep_min
        Call(self.env, every, None, self._on_sweep)

    # --- events ----------------------------------------------------------------------

    def _on_arrival(self, arrival: Row) -> None:
        self._admit(arrival, reopen=False)

    def _admit(self, arrival: Row, reopen: bool) -> None:
        now = self.now()
        number, _, category, priority, language, channel, _, _, _ = arrival
        ticket, record = self.tickets.make(
            number, category, priority, language, channel, now, self.env._now, reopen
        )
        job = Job(ticket, record, arrival)
        self.records.append(record)
        if not self._try(job, now):
            self._arm_timers(job, self._enqueue(job))

    def _on_finish(self, event: Call) -> None:
        job: Job = event.payload
        agent_id, weight = job.choice
        self.roster.release(agent_id, weight)
        job.record.end = self.env._now
        again = job.arrival[8]
        if again is not None and not job.record.reopen:
            Call(self.env, again, job.arrival, self._on_reopen)
        self._offer(self.roster.agents[agent_id])

    def _on_reopen(self, event: Call) -> None:
        self._admit(event.payload, reopen=True)

    def _on_abandon(self, event: Call) -> None:
        job: Job = event.payload
        if job.state == WAITING:
            self._dequeue(job)
            job.state = ABANDONED
            job.record.abandoned = True
            job.record.gave_up = self.env.now

    def _on_escalate(self, event: Call) -> None:
        job: Job = event.payload
        escalation = self.scenario.traffic.escalation
        if job.state != WAITING or escalation is None:
            return
        self._dequeue(job)
        changes: dict[str, Any] = {"priority": PRIORITY[escalation.set_priority]}
        if escalation.pool:
            changes["pool"] = frozenset(escalation.pool)
        job.ticket = job.ticket.evolve(**changes)
        job.record.escalated = True
        if not self._try(job, self.now()):
            self._enqueue(job)

    def _on_revisit(self, event: Call) -> None:
        job: Job = event.payload
        if job.state == WAITING:
            self._dequeue(job)
            if not self._try(job, self.now()):
                self._enqueue(job)

    def _on_shift_change(self, event: Call) -> None:
        self._offer(None)

    def _on_sweep(self, event: Call) -> None:
        self._offer(None)
        self._schedule_sweeps()

    # --- routing ---------------------------------------------------------------------

    def _try(self, job: Job, now: datetime) -> bool:
        """Ask the router for an agent; start the work if it found one."""
        if not self.roster.having_spare_capacity():
            return False
        choice = self._choose(job.ticket, self.roster, now, self.rng)
        if choice is None:
            return False
        self._start(job, choice, now)
        return True

    def _start(self, job: Job, choice: Choice, now: datetime) -> None:
        agent_id = choice.agent_id
        self.roster.assign(agent_id, choice.weight, now)
        job.state, job.choice = SERVED, choice
        record = job.record
        record.assigned = self.env._now
        record.agent = agent_id
        record.skill_match = match = self._match(job, agent_id)
        handle = job.arrival[6]
        if self._slowdown:
            handle *= slower_by(match, self._slowdown)
        record.handle = handle
        Call(self.env, handle, job, self._on_finish)

    def _match(self, job: Job, agent_id: str) -> float:
        """The agent's proficiency on the ticket, remembered per agent and ticket category."""
        ticket = job.ticket
        if not ticket.required_skills and not ticket.optional_skills:
            return 1.0
        agent = self.roster.agents[agent_id]
        if self.tickets.rules or job.record.escalated:  # the ticket may differ from its template
            return proficiency(agent, ticket)
        key = (agent_id, job.arrival[2])
        known = self._skill_match.get(key)
        if known is None:
            known = self._skill_match[key] = proficiency(agent, ticket)
        return known

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
                job = lane[index][1]
                # the pre-check pays off on large rosters or once a decision came back empty
                if (refused or self._large) and self._skip(job, agent, refused, now):
                    index += 1
                    continue
                choice = self._choose(job.ticket, self.roster, now, self.rng)
                if choice is None:
                    refused.add(job.profile if job.profile is not None else id(job))
                    index += 1
                    continue
                del lane[index]
                self.waiting -= 1
                self._start(job, choice, now)
                spare = self.roster.having_spare_capacity()
                if not spare or (agent is not None and agent.id not in spare):
                    return
                if self._queue_aware:  # class ranks moved: rank again
                    self._offer(agent)
                    return

    def _skip(self, job: Job, agent: Agent | None, refused: set[Hashable],
              now: datetime) -> bool:
        """Whether offering ``entry`` now is certainly pointless.

        Waiting tickets were already refused by everyone else with spare capacity, so when
        one agent frees up only tickets that agent could take are worth a decision; tickets
        sharing a routing profile with one refused at this instant are refused again.
        """
        profile = job.profile
        if profile is None:
            return False
        if profile in refused:
            return True
        if agent is not None and self.router.refuses(agent.id, job.ticket, self.roster, now):
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

    def _enqueue(self, job: Job) -> float | None:
        """Put ``job`` in its lane; return the seconds after which to offer it again, if any."""
        ticket = job.ticket
        job.key = self._key(ticket)
        job.klass = self.router.queue_class(ticket) if self._queue_aware else ""
        job.profile, revisit = self.tickets.routing(ticket, job.kind, job.record.escalated)
        job.state = WAITING
        insort(self.lanes.setdefault(job.klass, []), (job.key, job))
        self.waiting += 1
        return revisit

    def _dequeue(self, job: Job) -> None:
        lane = self.lanes[job.klass]
        index = bisect_left(lane, (job.key,))
        del lane[index]
        self.waiting -= 1

    def _arm_timers(self, job: Job, revisit: float | None) -> None:
        patience = job.arrival[7]
        if patience < math.inf and not job.record.reopen:
            Call(self.env, patience, job, self._on_abandon)
        if self.scenario.traffic.escalation is not None and job.record.sla_target < math.inf:
            Call(self.env, job.record.sla_target, job, self._on_escalate)
        if revisit is not None:
            Call(self.env, revisit / 60.0, job, self._on_revisit)
