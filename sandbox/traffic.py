"""Live traffic for the sandbox: new tickets, availability changes and humans at work.

Each kind of event arrives as a Poisson process at its own rate (per minute). Humans
reassign an open ticket to a colleague in the same group, take an unassigned one before
the router does, solve one, reply, or edit their own ticket in the UI (a private comment or
a tag), through the same desk API the vendors' endpoints use, so the audit log and webhooks
see them. Every ticket change a person makes also spends the account's shared update limit
(``spend``): Zendesk counts agents' UI updates toward the Update Ticket endpoint's limit
(support article 8638126078234).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from sandbox.seed import new_ticket
from sandbox.store import CUSTOMER, Desk, DeskError, TicketRecord
from sandbox.texts import Utterance

UI_TAG = "agent_edited"
UI_NOTE = "Checked the order history; waiting on the warehouse."


@dataclass(slots=True)
class TrafficRates:
    """Events per minute of each kind; all zero means the generator is idle."""

    tickets_per_minute: float = 0.0
    availability_changes_per_minute: float = 0.0
    reassignments_per_minute: float = 0.0
    solves_per_minute: float = 0.0
    replies_per_minute: float = 0.0
    takes_per_minute: float = 0.0
    """A person assigns an unassigned open ticket (racing the router for it)."""
    ui_updates_per_minute: float = 0.0
    """An assignee edits one of their open tickets in the UI: a private comment or a tag."""

    def total(self) -> float:
        """Events per minute of every kind together."""
        return float(sum(getattr(self, f.name) for f in fields(self)))


class Humans:
    """What people do to the desk: reassign, solve, reply, edit, go on and off line.

    ``spend`` is called once for every ticket change a person makes (the shared update
    limit); by default it spends nothing.
    """

    def __init__(
        self,
        desk: Desk,
        texts: list[Utterance],
        rng: random.Random,
        spend: Callable[[], None] = lambda: None,
    ) -> None:
        self.desk, self.texts, self.rng, self.spend = desk, texts, rng, spend

    def new_ticket(self) -> int:
        """A customer writes in."""
        return new_ticket(self.desk, self.texts, self.rng, CUSTOMER)

    def toggle_availability(self) -> int | None:
        """One agent goes on or off line; returns the agent id."""
        with self.desk.lock:
            agents = sorted(self.desk.agents.values(), key=lambda a: a.id)
        if not agents:
            return None
        agent = self.rng.choice(agents)
        self.desk.set_availability(agent.id, not agent.available, f"human:{agent.name}")
        return agent.id

    def reassign(self, ticket_id: int | None = None, agent_id: int | None = None) -> int | None:
        """A person moves an assigned open ticket to a colleague in the ticket's group."""
        with self.desk.lock:
            ticket = self._pick_ticket(ticket_id, assigned=True)
            if ticket is None:
                return None
            if agent_id is None:
                mates = sorted(
                    a.id
                    for a in self.desk.agents.values()
                    if a.id != ticket.assignee_id
                    and (ticket.group_id is None or ticket.group_id in a.group_ids)
                )
                if not mates:
                    return None
                agent_id = self.rng.choice(mates)
            name = self.desk.agents[agent_id].name if agent_id in self.desk.agents else "lead"
        return ticket.id if self._edit(ticket.id, {"assignee_id": agent_id}, name) else None

    def take(self, ticket_id: int | None = None) -> int | None:
        """A person assigns an unassigned open ticket to someone in its group."""
        with self.desk.lock:
            ticket = self._pick_ticket(ticket_id, assigned=False)
            if ticket is None:
                return None
            members = sorted(
                a.id
                for a in self.desk.agents.values()
                if ticket.group_id is None or ticket.group_id in a.group_ids
            )
            if not members:
                return None
            agent = self.desk.agents[self.rng.choice(members)]
        return ticket.id if self._edit(ticket.id, {"assignee_id": agent.id}, agent.name) else None

    def solve(self) -> int | None:
        """An agent solves one of their open tickets."""
        with self.desk.lock:
            ticket = self._pick_ticket(None, assigned=True)
            if ticket is None or ticket.assignee_id is None:
                return None
            name = self.desk.agents[ticket.assignee_id].name
            now = self.desk.clock()
            ticket.first_reply_at = ticket.first_reply_at or now
        return ticket.id if self._edit(ticket.id, {"status": "solved"}, name) else None

    def reply(self, ticket_id: int | None = None) -> int | None:
        """An assignee answers the customer publicly on one of their open tickets."""
        found = self._assigned(ticket_id)
        if found is None:
            return None
        ticket, name = found
        return (
            ticket.id
            if self._comment(
                ticket.id, "Thanks for writing in; looking into it.", name, private=False
            )
            else None
        )

    def _assigned(self, ticket_id: int | None) -> tuple[TicketRecord, str] | None:
        """An open assigned ticket (``ticket_id``, or any) and its assignee's name."""
        with self.desk.lock:
            ticket = self._pick_ticket(ticket_id, assigned=True)
            if ticket is None or ticket.assignee_id is None:
                return None
            agent = self.desk.agents.get(ticket.assignee_id)
            return ticket, agent.name if agent is not None else "agent"

    def ui_update(self, ticket_id: int | None = None) -> int | None:
        """An assignee edits one of their open tickets: a private comment or a new tag."""
        found = self._assigned(ticket_id)
        if found is None:
            return None
        ticket, name = found
        with self.desk.lock:
            tags = [*ticket.tags, UI_TAG] if UI_TAG not in ticket.tags else None
        if tags is not None and self.rng.random() < 0.5:
            return ticket.id if self._edit(ticket.id, {"tags": tags}, name) else None
        return ticket.id if self._comment(ticket.id, UI_NOTE, name, private=True) else None

    def _edit(self, ticket_id: int, changes: dict[str, Any], name: str) -> bool:
        """A person's change to a ticket; spends the shared update limit when it lands."""
        try:
            self.desk.update_ticket(ticket_id, changes, f"human:{name}")
        except DeskError:
            return False
        self.spend()
        return True

    def _comment(self, ticket_id: int, body: str, name: str, *, private: bool) -> bool:
        """A person's comment (a ticket update too); spends the shared update limit."""
        try:
            self.desk.add_note(ticket_id, body, f"human:{name}", private=private)
        except DeskError:
            return False
        self.spend()
        return True

    def _pick_ticket(self, ticket_id: int | None, assigned: bool) -> TicketRecord | None:
        def fits(t: TicketRecord) -> bool:
            return (
                t.status in ("new", "open", "pending") and (t.assignee_id is not None) == assigned
            )

        if ticket_id is not None:
            found = self.desk.tickets.get(ticket_id)
            return found if found is not None and fits(found) else None
        candidates = [t for t in self.desk.tickets.values() if fits(t)]
        return self.rng.choice(candidates) if candidates else None


class TrafficGenerator:
    """A background thread turning ``TrafficRates`` into events until stopped."""

    def __init__(
        self,
        humans: Humans,
        rng: random.Random,
        wait: Callable[[threading.Event, float], bool] | None = None,
    ) -> None:
        self.humans, self.rng = humans, rng
        self.rates = TrafficRates()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._wait = wait or (lambda event, seconds: event.wait(seconds))
        self.events = 0

    def start(self, rates: TrafficRates) -> None:
        """Run at ``rates`` (restarting if already running)."""
        self.stop()
        self.rates, self._stop = rates, threading.Event()
        if rates.total() <= 0:
            return
        self._thread = threading.Thread(target=self._run, name="sandbox-traffic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop generating events."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        per_second = self.rates.total() / 60.0
        while not self._wait(self._stop, self.rng.expovariate(per_second)):
            self.step()

    def step(self) -> None:
        """One event, its kind drawn in proportion to the rates."""
        rates = self.rates
        kinds = [
            (self.humans.new_ticket, rates.tickets_per_minute),
            (self.humans.toggle_availability, rates.availability_changes_per_minute),
            (self.humans.reassign, rates.reassignments_per_minute),
            (self.humans.solve, rates.solves_per_minute),
            (self.humans.reply, rates.replies_per_minute),
            (self.humans.take, rates.takes_per_minute),
            (self.humans.ui_update, rates.ui_updates_per_minute),
        ]
        action = self.rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        action()
        self.events += 1
