"""The leader's routing work: take tickets in, decide, and follow through.

Each method is one scheduler job's body and commits its own results; none of them
writes to the help desk (that is the writer's job, from the outbox). The clock and the
random source are injected, so a test drives the pipeline step by step.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from random import Random

from config.settings import Settings
from connectors.base import Connector, RosterSnapshot
from connectors.errors import RetriableError, SkippableError
from router.decision import Assignment, NoAssignment
from router.engine import Router
from router.model import Agent, Ticket
from router.roster import RECENT_KEPT, Roster
from sidecar import lifecycle
from sidecar.continuity import (
    all_requesters,
    requesters_of,
    with_previous_agents,
    with_recent_contacts,
)
from sidecar.followthrough import Absences, Move, available, moves_due
from sidecar.log_fields import fields
from sidecar.metrics import Metrics
from sidecar.names import agent_names
from sidecar.shadow_load import shadow_loads
from sidecar.shop_context import ShopContext
from sidecar.store import Recorded, Routed, Store, StoredDecision

log = logging.getLogger("deskroute.sidecar")
Clock = Callable[[], datetime]
POLL_PAGES = 20
"""Most pages one poll job reads; the rest wait for the next run (keeps jobs short)."""
HINTS_PER_READ = 100
"""Hinted tickets per batch read (Zendesk's ``show_many`` takes 100 ids)."""
STORED_ROSTER_MAX_AGE = timedelta(minutes=10)
"""A new leader decides with the roster the last leader stored when it is younger than this
(``Pipeline.recall_roster``); an older one is read from the help desk first."""


def explain_note(assignment: Assignment) -> str:
    """The private note that goes with a write-back: who, by which policy, and why."""
    trace = assignment.trace
    parts = [f"deskroute assigned this ticket to {assignment.agent_id} (policy {trace.policy})"]
    if trace.matched_rules:
        parts.append("rules: " + ", ".join(trace.matched_rules))
    parts.extend(trace.context)  # what was read: "language: de (0.97), detected"
    if trace.signals:
        parts.append(
            "signals: "
            + ", ".join(f"{name} ({', '.join(words)})" for name, words in trace.signals.items())
        )
    considered = len(trace.candidates) + sum(trace.pruned.values())
    rejected = trace.rejections()
    if rejected:
        parts.append(
            f"{considered} agents considered; ruled out: "
            + ", ".join(f"{name} {count}" for name, count in sorted(rejected.items()))
        )
    return "; ".join(parts) + "."


class Pipeline:
    """Intake, routing and follow-through for one connector and one store."""

    def __init__(
        self,
        *,
        connector: Connector,
        store: Store,
        router: Router,
        settings: Settings,
        clock: Clock,
        rng: Random,
        metrics: Metrics,
        shop_context: ShopContext | None = None,
    ) -> None:
        self.connector, self.store, self.router = connector, store, router
        self.shop_context = shop_context
        """The shop's customer context, when a shop is configured (issue 19)."""
        self.settings, self.clock, self.rng, self.metrics = settings, clock, rng, metrics
        self.agents: tuple[Agent, ...] = ()
        self.refreshed_at: datetime | None = None
        self._roster_tried_at: datetime | None = None
        """When a re-read of the roster last started (it may have failed)."""
        self._assigned_at: dict[str, deque[datetime]] | None = None
        """Our latest assignment times per agent (None: to be read from the store)."""
        self.absences = Absences()
        """Since when assignees have been unavailable (follow-through's grace periods)."""

    # --- intake -----------------------------------------------------------------------

    def take_in(self, tickets: Sequence[Ticket], via: str) -> int:
        """Store new ticket versions (duplicates ignored); returns how many were new."""
        fresh = self.store.tickets.intake(tickets, via, self.clock())
        self.metrics.seen.labels(via=via).inc(len(fresh))
        return len(fresh)

    def poll(self) -> int:
        """Read changed tickets page by page, saving the cursor after each stored page."""
        source = self.connector.name
        cursor = self.store.tickets.cursor(source)
        taken = 0
        for _ in range(POLL_PAGES):
            page = self.connector.poll(cursor)
            taken += self.take_in(page.tickets, "poll")
            cursor = page.cursor
            self.store.tickets.save_cursor(source, cursor, self.clock())
            if page.done:
                break
        return taken

    def take_hints(self, limit: int = 200) -> int:
        """Read the tickets webhooks named (on any replica) in batches (``read_many``: one
        request per 100 on Zendesk, not one per webhook) and take them in."""
        ids = self.store.tickets.hints(limit)
        done: list[str] = []
        fetched: list[Ticket] = []
        for start in range(0, len(ids), HINTS_PER_READ):
            batch = ids[start : start + HINTS_PER_READ]
            try:
                found = self.connector.read_many(batch)
            except RetriableError as error:
                log.info("reading hinted tickets paused: %s", error)
                break
            for ticket_id in set(batch) - set(found):
                log.warning("webhook named ticket %s, which cannot be read", ticket_id)
            fetched += found.values()
            done += batch
        taken = self.take_in(fetched, "webhook") if fetched else 0
        self.store.tickets.clear_hints(done)
        return taken

    # --- roster -----------------------------------------------------------------------

    def refresh_roster(self) -> int:
        """Re-read agents, availability and load from the help desk; returns agent count."""
        return self.take_roster(self.read_roster())

    def read_roster(self) -> RosterSnapshot:
        """Ask the help desk for the team (I/O only: nothing here needs the work lock)."""
        self._roster_tried_at = self.clock()
        return self.connector.roster()

    def take_roster(self, snapshot: RosterSnapshot) -> int:
        """Decide with ``snapshot`` from now on and store it (loads, holdings, profiles)."""
        self.store.loads.refresh(snapshot.agents, snapshot.loads, self.clock(), snapshot.holdings)
        self.agents = snapshot.agents
        self.refreshed_at = self.clock()
        self.metrics.set_loads(self.store.loads.loads(), self.agent_names())
        return len(snapshot.agents)

    def recall_roster(self) -> bool:
        """Take the roster the last leader read and stored (``LoadStore.last_roster``) when
        it is younger than ``STORED_ROSTER_MAX_AGE``; returns whether there is one now.

        A replica that takes the lease with no roster of its own decides with this one at
        once, while its roster job reads the help desk again. Reading it first (5-50
        requests) under 503s and 429 storms took longer than a leader's term in the
        two-replica chaos runs, and a leader that never finished it never routed (issue 16).
        """
        stored = self.store.loads.last_roster()
        if stored is None or self.clock() - stored.read_at > STORED_ROSTER_MAX_AGE:
            return False
        self.agents = stored.agents
        self.refreshed_at = stored.read_at
        self._roster_tried_at = self.clock()  # decide first; waiting tickets re-read it later
        log.info("deciding with the roster stored at %s (%d agents) until it is read again",
                 stored.read_at, len(stored.agents))  # fmt: skip
        return bool(self.agents)

    def agent_names(self) -> dict[str, str]:
        """Each agent's name by id, as the last roster read gave them."""
        return agent_names(self.agents, ())

    def leave_out(self, agent_id: str) -> None:
        """The help desk refused ``agent_id`` for a ticket (deleted, deactivated, out of the
        group): no decision picks them until the roster is read again (a deleted agent is
        gone from it then, one who left a group has their new groups), so a refusal costs
        at most one write per agent per roster read."""
        self.agents = tuple(agent for agent in self.agents if agent.id != agent_id)

    def roster(self) -> Roster:
        """The agents with the load the store holds for them now, and when we last
        assigned them (idle order and fair limits carry over from pass to pass).

        In dry run the load is the shadow load (``sidecar.shadow_load``): open shadow
        picks count on our agent, as they would had they been written."""
        known = {agent.id: agent for agent in self.agents}
        loads = {k: v for k, v in self.store.loads.loads().items() if k in known}
        if self.settings.dry_run:
            open_shadow = self.store.tickets.in_states((lifecycle.SHADOW,))
            loads = shadow_loads(loads, open_shadow, known)
        return Roster(self.agents, loads, self._assignment_times())

    def forget_assignment_times(self) -> None:
        """Read assignment times from the store again before the next decision (another
        replica may have routed while this one did not lead)."""
        self._assigned_at = None

    def _assignment_times(self) -> dict[str, deque[datetime]]:
        if self._assigned_at is None:
            stored = self.store.decisions.assignment_times(RECENT_KEPT)
            self._assigned_at = {
                agent_id: deque(times, maxlen=RECENT_KEPT) for agent_id, times in stored.items()
            }
        return self._assigned_at

    def _note_assignments(self, decisions: Iterable[object], now: datetime) -> None:
        times = self._assignment_times()
        for decision in decisions:
            if isinstance(decision, Assignment):
                agent_id = decision.agent_id
                if agent_id not in times:
                    times[agent_id] = deque(maxlen=RECENT_KEPT)
                times[agent_id].append(now)

    # --- routing ----------------------------------------------------------------------

    def route(self) -> Recorded:
        """Decide every pending and waiting ticket in queue order, and record it all."""
        rows = self.store.tickets.in_states(lifecycle.TO_DECIDE)
        if any(row.state == lifecycle.WAITING for row in rows) and self._roster_stale():
            self._refresh_while_waiting()  # capacity may have freed: work solved, agents back
        if not rows or not self.agents:
            self.metrics.queue_depth.set(len(rows))
            return Recorded()
        now = self.clock()
        tickets = self.with_customers(self.with_continuity([r.ticket for r in rows]), now)
        started = time.perf_counter()
        results, _ = self.router.drain(tickets, self.roster(), now, self.rng)
        self.metrics.decision_seconds.observe(time.perf_counter() - started)
        self._note_assignments((decision for _, decision in results), now)
        state = {row.ticket.id: row.state for row in rows}
        items = [
            Routed(ticket, decision, "queue" if state[ticket.id] == lifecycle.WAITING else "new")
            for ticket, decision in results
        ]
        recorded = self._record(items)
        self.metrics.queue_depth.set(len(rows) - recorded.assigned - recorded.shadow)
        return recorded

    def with_continuity(self, tickets: Sequence[Ticket]) -> list[Ticket]:
        """``tickets`` with the agent we last assigned each one's requester to, and when
        (``sidecar.continuity``): what a policy's ``continuity_window_h`` reads; and, when
        a rule tests signals, how many other tickets each requester sent lately (what
        ``repeat_contact`` reads)."""
        wanted = requesters_of(tickets)
        last = self.store.decisions.last_assignments(wanted) if wanted else {}
        tickets = with_previous_agents(tickets, last)
        if not self.router.rules.reads_signals:  # nobody asks about repeat contacts
            return tickets
        since = self.clock() - timedelta(days=self.settings.sidecar.repeat_contact_days)
        writers = all_requesters(tickets)
        seen = self.store.decisions.tickets_since(writers, since) if writers else {}
        return with_recent_contacts(tickets, seen)

    def with_customers(self, tickets: Sequence[Ticket], now: datetime) -> list[Ticket]:
        """``tickets`` with the shop's customer context (``sidecar.shop_context``); without a
        shop, unchanged. Never raises for the shop: an unavailable shop is in the trace."""
        if self.shop_context is None:
            return list(tickets)
        return self.shop_context.enrich(tickets, now)

    def _roster_stale(self) -> bool:
        """True when the roster was not read (or tried) within ``roster_when_waiting_seconds``."""
        limit = timedelta(seconds=self.settings.scheduler.roster_when_waiting_seconds)
        tried = self._roster_tried_at
        return tried is None or self.clock() - tried >= limit

    def _refresh_while_waiting(self) -> None:
        """Re-read the roster because tickets wait; when the help desk does not answer, decide
        with the roster we have. A failed re-read used to end the round: nothing was decided
        or written while tickets waited and the desk failed (issue 16, two replicas), and
        the next round tried again at once. It is tried again after the interval."""
        try:
            self.refresh_roster()
        except RetriableError as error:
            log.info("deciding with the roster read at %s: re-reading it failed: %s",
                     self.refreshed_at, error)  # fmt: skip

    def sweep(self) -> int:
        """Follow-through: move tickets whose assignee is gone or silent; returns moves made."""
        if not self.agents:
            return 0
        now = self.clock()
        rows = self.store.tickets.in_states((lifecycle.ASSIGNED, lifecycle.REOPENED))
        roster = self.roster()
        due = moves_due(rows, roster, now, self.settings.follow_through, self.absences)
        moves = self._still_ours(due.moves)
        moving = {move.row.ticket.id for move in moves} | due.graced
        for row in rows:
            if row.state == lifecycle.REOPENED and row.ticket.id not in moving:
                settled = (
                    lifecycle.ASSIGNED if row.ticket.assignee == row.our_agent else lifecycle.HUMAN
                )
                self.store.tickets.set_state(row.ticket.id, settled, now)
        tickets = self.with_customers(
            self.with_continuity([move.row.ticket for move in moves]), now
        )
        items = [
            self._move(move, ticket, roster, now)
            for move, ticket in zip(moves, tickets, strict=True)
        ]
        recorded = self._record(items)
        self._note_assignments((item.decision for item in items), now)
        for move in moves:
            self.metrics.moves.labels(cause=move.cause).inc()
        return recorded.assigned + recorded.shadow

    def _still_ours(self, moves: list[Move]) -> list[Move]:
        """Re-read the tickets about to move (one batch read) and keep the moves whose
        ticket is still open with the assignee we know, deciding on the fresh version.

        The stored snapshot can be older than the help desk's copy: a bulk job reports no
        new ``updated_at``, so until the echo of our write is polled a move would carry a
        stale guard and fail; and a person may have changed the ticket since the last poll.
        """
        if not moves:
            return moves
        try:
            fresh = self.connector.fetch_many([move.row.ticket.id for move in moves])
        except (RetriableError, SkippableError) as error:
            log.info("follow-through waits: cannot re-read the tickets: %s", error)
            return []
        kept = []
        for move in moves:
            current = fresh.get(move.row.ticket.id)
            if current is None or lifecycle.status_of(current) in lifecycle.CLOSED_STATUSES:
                continue  # gone or finished: the next poll records it
            if current.assignee != move.row.ticket.assignee:
                continue  # someone else changed the assignee: the next poll hands it over
            kept.append(replace(move, row=replace(move.row, ticket=current)))
        return kept

    def _move(self, move: Move, ticket: Ticket, roster: Roster, now: datetime) -> Routed:
        agent = move.agent_id
        away = [agent] if agent is not None and available(roster, agent, now) else []
        decision = self.router.decide(ticket, roster.holding(away), now, self.rng)
        return Routed(
            ticket, decision, move.cause,
            from_states=(lifecycle.ASSIGNED, lifecycle.REOPENED), move=True,
        )  # fmt: skip

    def _record(self, items: list[Routed]) -> Recorded:
        if not items:
            return Recorded()
        note = explain_note if self.settings.writer.explain_notes else (lambda _: None)
        recorded = self.store.decisions.record(
            items, self.clock(), dry_run=self.settings.dry_run, note=note,
            policy_version=self.router.version,
        )  # fmt: skip
        names = self.agent_names()
        for stored in recorded.stored:
            log_decision(stored, self.router.version, names)
        self.metrics.routed.labels(outcome="assigned").inc(recorded.assigned)
        self.metrics.routed.labels(outcome="shadow").inc(recorded.shadow)
        self.metrics.routed.labels(outcome="waiting").inc(recorded.waiting)
        self.metrics.queued.inc(recorded.waiting)
        return recorded


def log_decision(stored: StoredDecision, policy_version: str, names: dict[str, str]) -> None:
    """One INFO line per recorded decision or move: ticket, agent, policy and cause."""
    decision, item = stored.item.decision, stored.item
    agent = decision.agent_id if isinstance(decision, Assignment) else None
    moved_from = item.ticket.assignee if item.move else None
    if isinstance(decision, NoAssignment):
        text = f"waits: {decision.reason}"
    else:
        verb = "would go to (shadow)" if stored.kind == "shadow" else "goes to"
        text = f"{verb} {names.get(agent or '', agent)}"
    moved = f" moves off {names.get(moved_from, moved_from)} and" if moved_from else ""
    log.info(
        "ticket %s%s %s (%s)", item.ticket.id, moved, text, item.cause,
        extra=fields(
            ticket=item.ticket.id, agent=agent, outcome=stored.kind, cause=item.cause,
            policy=decision.trace.policy, policy_version=policy_version or None,
            decision=stored.id, moved_from=moved_from,
        ),
    )  # fmt: skip
