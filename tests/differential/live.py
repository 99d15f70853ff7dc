"""Side (a): the script through the real sidecar, on simulated time and an in-memory desk.

The sidecar is built by its composition root (``build_sidecar``: the policy file, the
classifier model file, an SQLite store) around a ``SolvingDesk``, and its jobs run at the
instants the simulator handles something: a ticket arrives (the customer opens it on the
desk), a ticket is finished (the desk shows it solved), a shift or break starts, the
periodic sweep, and a waiting ticket's re-check time. At each instant the desk changes
first and, for a changed ticket, sends its webhook (stored as a hint, as the HTTP handler
stores it); then the leader's ``react`` job runs (take the hinted tickets in, route,
write back), after the roster job when work was finished. An assignment counts when the
sidecar's write reaches the desk; its ticket is solved ``base_handle_min`` later.

Follow-through is switched off (no reassignment of an absent agent's tickets, no
first-reply timers): the simulator does not model it, so it is not part of the promise.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from config.settings import Settings
from router.model import Priority, Ticket
from sidecar import lifecycle
from sidecar.compose import build_sidecar
from simulation.team import build_agents, shift_changes, shift_departures
from simulation.traffic import Arrival, stream
from tests.differential.script import Assigned, DeskScript
from tests.sidecar.fakes import FakeClock, FakeDesk

STATUS = "status"
"""Where connectors put the help desk's status (``connectors.base.STATUS_FIELD``)."""
TIMER, ARRIVAL = 0, 1
"""At one instant the simulator handles its queued timers before an arrival."""
FOLLOW_THROUGH_OFF = {
    "reassign_unavailable": False, "first_reply_minutes_urgent": 0,
    "first_reply_minutes_high": 0, "first_reply_minutes_normal": 0,
    "first_reply_minutes_low": 0,
}  # fmt: skip


class SolvingDesk(FakeDesk):
    """The in-memory help desk, where agents solve tickets: a solved ticket no longer
    counts towards its assignee's load."""

    def solve(self, ticket_id: str) -> None:
        """The assignee finished the ticket: its status becomes ``solved``."""
        ticket = self.tickets[ticket_id]
        self.human_edit(ticket_id, custom_fields={**ticket.custom_fields, STATUS: "solved"})

    def load_of(self, agent_id: str) -> float:
        """Open tickets assigned to the agent."""
        return float(sum(
            1 for t in self.tickets.values()
            if t.assignee == agent_id and t.custom_fields.get(STATUS) != "solved"
        ))  # fmt: skip


@dataclass(order=True)
class Instant:
    """Something that happens at ``minute``: on the desk (``happen``), or only the jobs."""

    minute: float
    rank: int
    sequence: int
    happen: Callable[[], None] = field(compare=False)
    what: str = field(default="", compare=False)
    """What happens, in words (shown when the two sides part)."""
    arriving: str | None = field(default=None, compare=False)
    """The ticket that opens at this instant, if any."""
    frees: bool = field(default=False, compare=False)
    """Whether agents' loads drop on the desk (work finished): the roster job runs."""


def live_settings(script: DeskScript, workdir: Path) -> Settings:
    """The sidecar's settings: an SQLite store in ``workdir``, the script's policy file and
    triage model, follow-through off."""
    return Settings(
        database_url=f"sqlite:///{workdir / f'store-{script.policy}.sqlite3'}",
        policy_file=script.policy_file,
        sidecar={"classifier_models": (script.model_file,)},
        follow_through=FOLLOW_THROUGH_OFF,
    )


class LiveDesk:
    """The sidecar over a solving desk, driven instant by instant through a script."""

    def __init__(self, script: DeskScript, workdir: Path) -> None:
        self.script = script
        self.clock = FakeClock(script.moment(0.0))
        self.desk = SolvingDesk(clock=self.clock)
        self.desk.agents = {agent.id: agent for agent in build_agents(script.scenario)}
        self.sidecar = build_sidecar(
            live_settings(script, workdir), self.desk, clock=self.clock,
            rng=stream(script.scenario.seed, "policy", 0),
        )  # fmt: skip
        self.router = self.sidecar.pipeline.router
        self.handle = {str(a.number): a.base_handle_min for a in script.arrivals}
        self.assigned: list[Assigned] = []
        self._instants: list[Instant] = []
        self._sequence = count()
        self._written = 0
        self.happened: dict[float, list[str]] = {}
        """What happened at each minute, in words."""

    def run(self) -> list[Assigned]:
        """Play the script to its end; every assignment, in time order."""
        self.sidecar.store.migrate(self.clock())
        self.sidecar.pipeline.refresh_roster()
        self._plan()
        try:
            while self._instants and self._instants[0].minute < self.script.until:
                instant = heapq.heappop(self._instants)
                self.clock.now = self.script.moment(instant.minute)
                instant.happen()
                self.happened.setdefault(instant.minute, []).append(instant.what)
                self._jobs(instant.minute, roster=instant.frees)
                if instant.arriving is not None:
                    self._recheck_later(instant.arriving, instant.minute)
        finally:
            self.sidecar.store.close()
        return sorted(self.assigned)

    # --- what happens, and when ---------------------------------------------------------

    def _plan(self) -> None:
        """Queue the first sweep, the starts of shifts and breaks, and the arrivals."""
        self._sweep_at(self.script.scenario.routing.sweep_min)
        for minute in shift_changes(self.script.scenario):
            self._at(minute, nothing, "a shift or a break starts")
        if self.router.roster_wide:  # a reserve shrinks as agents leave: the poll sees it
            for minute in shift_departures(self.script.scenario):
                self._at(minute, nothing, "a shift ends or a break starts")
        for arrival in self.script.arrivals:
            ticket_id = str(arrival.number)
            self._at(arrival.at_min, self._opener(arrival), f"ticket {ticket_id} opens",
                     ARRIVAL, ticket_id)  # fmt: skip

    def _at(
        self,
        minute: float,
        happen: Callable[[], None],
        what: str,
        rank: int = TIMER,
        arriving: str | None = None,
        frees: bool = False,
    ) -> None:
        instant = Instant(minute, rank, next(self._sequence), happen, what, arriving, frees)
        heapq.heappush(self._instants, instant)

    def _sweep_at(self, minute: float) -> None:
        every = self.script.scenario.routing.sweep_min
        self._at(minute, lambda: self._sweep_at(minute + every), "the periodic sweep")

    def _opener(self, arrival: Arrival) -> Callable[[], None]:
        ticket_id = str(arrival.number)

        def open_ticket() -> None:
            created = self.clock()
            self.desk.new_ticket(
                ticket_id, subject=self.script.words.text(ticket_id, arrival.category),
                type=arrival.category, priority=Priority[arrival.priority.upper()],
                language=arrival.language, channel=arrival.channel,
                sla_due_at=self.script.sla_due(arrival.priority, created),
                custom_fields={STATUS: "new"},
            )  # fmt: skip
            self._webhook(ticket_id)

        return open_ticket

    def _recheck_later(self, ticket_id: str, minute: float) -> None:
        """A ticket that waits from its arrival is decided again at each wait after which
        its policy may judge it differently: the live sidecar re-decides its queue every
        few seconds, so it notices every one of them."""
        row = self.sidecar.store.tickets.get(ticket_id)
        if row is None or row.state != lifecycle.WAITING:
            return
        enriched, _ = self.router.enrich(row.ticket, self.clock())
        for after in sorted(self._judged_again_after(enriched)):
            self._at(minute + after / 60.0, nothing, f"ticket {ticket_id}'s re-check")

    def _judged_again_after(self, ticket: Ticket) -> set[float]:
        """Seconds of waiting after which this desk's policy may change its mind about
        ``ticket``: what the router says, the optional-skills timeout for a ticket that
        prefers skills, and the overflow wait for a ticket with a group."""
        params = self.script.params
        waits = {self.router.revisit_after(ticket)}
        if ticket.optional_skills:
            waits.add(params.get("optional_skills_timeout_s"))
        if ticket.group is not None:
            waits.add(params.get("wait_s"))
        return {wait for wait in waits if wait is not None}

    # --- the sidecar's jobs -------------------------------------------------------------

    def _webhook(self, ticket_id: str) -> None:
        """The desk tells the sidecar a ticket changed (what the webhook endpoint stores)."""
        self.sidecar.store.tickets.hint(ticket_id, self.desk.name, self.clock())

    def _jobs(self, minute: float, roster: bool) -> None:
        """The leader's jobs; a write that reached the desk is an assignment."""
        if roster:
            self.sidecar.pipeline.refresh_roster()
        self.sidecar.react()
        for ticket_id, agent_id in self.desk.writes[self._written :]:
            self.assigned.append(Assigned(minute=minute, ticket=ticket_id, agent=agent_id))
            solved = f"ticket {ticket_id} is solved ({agent_id} frees up)"
            self._at(minute + self.handle[ticket_id], self._solver(ticket_id), solved, frees=True)
        self._written = len(self.desk.writes)

    def _solver(self, ticket_id: str) -> Callable[[], None]:
        def solve() -> None:
            self.desk.solve(ticket_id)
            self._webhook(ticket_id)

        return solve

    def describe(self, ticket_id: str) -> str:
        """A ticket as the router sees it now: after the classifier and the rules."""
        row = self.sidecar.store.tickets.get(ticket_id)
        if row is None:
            return f"ticket {ticket_id}: never reached the sidecar"
        ticket, matched = self.router.enrich(row.ticket, self.clock())
        due = "none" if ticket.sla_due_at is None else ticket.sla_due_at.strftime("%H:%M:%S")
        return (
            f"ticket {ticket_id}: {ticket.type}, {ticket.priority.name.lower()}, SLA due {due}, "
            f"group {ticket.group}, needs {dict(ticket.required_skills)} "
            f"prefers {dict(ticket.optional_skills)}, rules {', '.join(matched) or 'none'}"
        )


def nothing() -> None:
    """An instant that changes nothing on the desk: only the jobs run."""
