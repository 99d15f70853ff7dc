"""Decisions and their write-backs, committed together: the audit trail and the outbox.

``record`` is the one place a routing decision becomes durable: the decision row (with
its full trace), the outbox row of the write-back, the ticket's new state and the agent's
load change all commit in the same transaction, or none of them do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from router.decision import Assignment, Decision
from router.model import Ticket
from sidecar import lifecycle
from sidecar.store import schema
from sidecar.store.database import reading
from sidecar.store.fence import Fence, StoreClock, database_now
from sidecar.store.loads import adjust_load
from sidecar.store.tickets import set_state

D = schema.decisions


@dataclass(frozen=True, slots=True)
class Routed:
    """One decision to record, and what made us decide (``new``, ``queue``, ``offline``…)."""

    ticket: Ticket
    decision: Decision
    cause: str = "new"
    from_states: tuple[lifecycle.TicketState, ...] = lifecycle.TO_DECIDE
    move: bool = False
    """A follow-through move: counts against the ticket's move limit."""


@dataclass(frozen=True, slots=True)
class Decided:
    """A ticket we decided lately: its latest stored version and our latest decision."""

    ticket: Ticket
    agent_id: str | None
    """Whom we chose (None: it waited)."""
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class LastAssignment:
    """Our latest assignment for one requester: to whom, and when we decided it."""

    agent_id: str
    at: datetime


Requester = tuple[str, str]
"""A requester on a help desk: (the ticket's ``source``, its ``requester``)."""

REQUESTERS_PER_QUERY = 500
"""Requesters looked up per query (SQLite binds at most 999 parameters in old builds)."""


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """One decision a ``record`` call stored, and what it did to the ticket."""

    id: int
    kind: str
    """``assigned`` (write-back queued), ``waiting`` or ``shadow`` (dry run)."""
    item: Routed


@dataclass(frozen=True, slots=True)
class Recorded:
    """How many decisions of each kind one ``record`` call stored, and the decisions."""

    assigned: int = 0
    waiting: int = 0
    shadow: int = 0
    stored: tuple[StoredDecision, ...] = ()

    @classmethod
    def of(cls, stored: Sequence[StoredDecision]) -> Recorded:
        """The counts of ``stored``."""
        kinds = [decision.kind for decision in stored]
        return cls(
            assigned=kinds.count("assigned"), waiting=kinds.count("waiting"),
            shadow=kinds.count("shadow"), stored=tuple(stored),
        )  # fmt: skip


class DecisionStore:
    """Writes decisions (with outbox rows) and reads the audit trail."""

    def __init__(
        self,
        engine: sa.Engine,
        replica: str,
        fence: Fence | None = None,
        due_clock: StoreClock = database_now,
    ) -> None:
        self.engine = engine
        self.replica = replica
        self.fence = fence or Fence()
        self.due_clock = due_clock
        """New write-backs are due at once by this clock (the database's), not the replica's."""

    def record(
        self,
        items: Sequence[Routed],
        now: datetime,
        *,
        dry_run: bool,
        note: Callable[[Assignment], str | None] = lambda _: None,
        policy_version: str = "",
    ) -> Recorded:
        """Store decisions, outbox rows, ticket states and loads in one transaction;
        ``policy_version`` (the policy file's fingerprint) is kept in each trace.

        Raises ``DeposedError`` (and stores nothing) when a newer lease epoch than ours exists.
        """
        stored: list[StoredDecision] = []
        with self.engine.begin() as conn:
            self.fence.check(conn)
            due = self.due_clock(conn)
            for item in items:
                kept = self._record_one(conn, item, now, dry_run, note, policy_version, due=due)
                if kept is not None:
                    stored.append(kept)
        return Recorded.of(stored)

    def _record_one(
        self,
        conn: sa.Connection,
        item: Routed,
        now: datetime,
        dry_run: bool,
        note: Callable[[Assignment], str | None],
        version: str,
        *,
        due: datetime,
    ) -> StoredDecision | None:
        """``now`` is the replica's clock (the audit); ``due``, the due clock's (the outbox)."""
        decision = item.decision
        if item.move:
            t = schema.tickets
            conn.execute(
                t.update().where(t.c.ticket_id == item.ticket.id).values(moves=t.c.moves + 1)
            )
        row = conn.execute(
            sa.select(schema.tickets.c.state, schema.tickets.c.reason).where(
                schema.tickets.c.ticket_id == item.ticket.id
            )
        ).first()
        if row is None or row.state not in item.from_states:
            return None  # changed under us (a newer version arrived): the next pass decides
        if not isinstance(decision, Assignment):
            if row.state == lifecycle.WAITING and row.reason == decision.reason:
                return None  # still waiting for the same reason: nothing new to audit
            waited = self._insert_decision(conn, item, now, dry_run, version)
            set_state(conn, item.ticket.id, lifecycle.WAITING, now, reason=decision.reason)
            return StoredDecision(waited, "waiting", item)
        decision_id = self._insert_decision(conn, item, now, dry_run, version)
        if dry_run:
            set_state(conn, item.ticket.id, lifecycle.SHADOW, now, our_agent=decision.agent_id)
            return StoredDecision(decision_id, "shadow", item)
        conn.execute(
            schema.outbox.insert().values(**_outbox_values(item, decision_id, now, due, note))
        )
        set_state(
            conn, item.ticket.id, lifecycle.ROUTED, now, our_agent=decision.agent_id, reason=None
        )
        adjust_load(conn, decision.agent_id, decision.weight)
        return StoredDecision(decision_id, "assigned", item)

    def _insert_decision(
        self, conn: sa.Connection, item: Routed, now: datetime, dry_run: bool, version: str
    ) -> int:
        decision = item.decision
        trace = decision.to_dict()
        if version:
            trace["policy_version"] = version
        values = {
            "ticket_id": item.ticket.id,
            "decided_at": now,
            "outcome": "assigned" if decision.assigned else "waiting",
            "agent_id": decision.agent_id if isinstance(decision, Assignment) else None,
            "reason": None if isinstance(decision, Assignment) else decision.reason,
            "cause": item.cause,
            "replica": self.replica,
            "trace": trace,
            "epoch": self.fence.epoch,
            "source": item.ticket.source,
            "requester": item.ticket.requester,
            "dry_run": dry_run,
        }
        inserted = conn.execute(D.insert().values(**values).returning(D.c.id)).scalar_one()
        return int(inserted)

    def decided_since(self, since: datetime, limit: int) -> list[Decided]:
        """The tickets decided since ``since`` (our latest decision of each, newest
        ``limit`` tickets), oldest first, with the ticket as the store holds it now."""
        latest = (
            sa.select(D.c.ticket_id, sa.func.max(D.c.id).label("last"))
            .where(D.c.decided_at >= since)
            .group_by(D.c.ticket_id)
            .subquery()
        )
        tickets = schema.tickets
        query = (
            sa.select(tickets.c.payload, D.c.agent_id, D.c.decided_at)
            .join(latest, D.c.id == latest.c.last)
            .join(tickets, tickets.c.ticket_id == D.c.ticket_id)
            .order_by(D.c.id.desc())
            .limit(limit)
        )
        with reading(self.engine) as conn:
            rows = list(conn.execute(query))
        return [
            Decided(Ticket.model_validate(row.payload), row.agent_id, row.decided_at)
            for row in reversed(rows)
        ]

    def history(self, ticket_id: str) -> list[dict[str, Any]]:
        """Every decision about ``ticket_id``, oldest first, each with its trace."""
        query = sa.select(D).where(D.c.ticket_id == ticket_id).order_by(D.c.id)
        with reading(self.engine) as conn:
            return [
                {
                    "decided_at": row.decided_at.isoformat(),
                    "cause": row.cause,
                    "replica": row.replica,
                    **row.trace,
                }
                for row in conn.execute(query)
            ]

    def assignment_times(self, per_agent: int) -> dict[str, list[datetime]]:
        """When each agent was last assigned by us: its latest ``per_agent`` assignment
        times, oldest first (what a roster needs for idle order and fair limits)."""
        newest_first = sa.func.row_number().over(partition_by=D.c.agent_id, order_by=D.c.id.desc())
        latest = (
            sa.select(D.c.agent_id, D.c.decided_at, newest_first.label("n"))
            .where(D.c.outcome == "assigned", D.c.agent_id.is_not(None))
            .subquery()
        )
        query = (
            sa.select(latest.c.agent_id, latest.c.decided_at)
            .where(latest.c.n <= per_agent)
            .order_by(latest.c.decided_at)
        )
        times: dict[str, list[datetime]] = {}
        with reading(self.engine) as conn:
            for agent_id, decided_at in conn.execute(query):
                times.setdefault(agent_id, []).append(decided_at)
        return times

    def last_assignments(self, requesters: Iterable[Requester]) -> dict[Requester, LastAssignment]:
        """Our latest assignment for each of ``requesters`` that we ever assigned (shadow
        decisions included: they are what we would have done), newest by decision order."""
        wanted = set(requesters)
        names = sorted({requester for _, requester in wanted})
        found: dict[Requester, LastAssignment] = {}
        with reading(self.engine) as conn:
            for start in range(0, len(names), REQUESTERS_PER_QUERY):
                chunk = names[start : start + REQUESTERS_PER_QUERY]
                for row in conn.execute(_latest_for(chunk)):
                    if (row.source, row.requester) in wanted:
                        found[row.source, row.requester] = LastAssignment(row.agent_id, row.at)
        return found

    def tickets_since(
        self, requesters: Iterable[Requester], since: datetime
    ) -> dict[Requester, frozenset[str]]:
        """The tickets of each of ``requesters`` we decided (any outcome) at or after
        ``since``: what the ``repeat_contact`` signal counts."""
        wanted = set(requesters)
        names = sorted({requester for _, requester in wanted})
        found: dict[Requester, set[str]] = {}
        with reading(self.engine) as conn:
            for start in range(0, len(names), REQUESTERS_PER_QUERY):
                query = (
                    sa.select(D.c.source, D.c.requester, D.c.ticket_id)
                    .distinct()
                    .where(
                        D.c.requester.in_(names[start : start + REQUESTERS_PER_QUERY]),
                        D.c.decided_at >= since,
                    )
                )
                for row in conn.execute(query):
                    if (row.source, row.requester) in wanted:
                        found.setdefault((row.source, row.requester), set()).add(row.ticket_id)
        return {requester: frozenset(ids) for requester, ids in found.items()}

    def recent(self, limit: int = 10) -> list[dict[str, Any]]:
        """The latest decisions, newest first: ticket, outcome, agent or reason, rules."""
        query = sa.select(D).order_by(D.c.id.desc()).limit(limit)
        with reading(self.engine) as conn:
            return [
                {
                    "ticket": row.ticket_id,
                    "outcome": row.outcome,
                    "agent": row.agent_id,
                    "reason": row.reason,
                    "cause": row.cause,
                    "rules": row.trace.get("trace", {}).get("matched_rules", []),
                    "eligible": _eligible(row.trace.get("trace", {})),
                    "decided_at": row.decided_at,
                }
                for row in conn.execute(query)
            ]

    def count(self) -> int:
        """How many decisions are recorded."""
        with reading(self.engine) as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(D)).scalar() or 0)


def _latest_for(requesters: Sequence[str]) -> sa.Select[Any]:
    """Per (help desk, requester) among ``requesters``: the agent and time of our latest
    assignment (read through the requester index)."""
    newest_first = sa.func.row_number().over(
        partition_by=(D.c.source, D.c.requester), order_by=D.c.id.desc()
    )
    latest = (
        sa.select(D.c.source, D.c.requester, D.c.agent_id, D.c.decided_at, newest_first.label("n"))
        .where(
            D.c.requester.in_(requesters),
            D.c.outcome == "assigned",
            D.c.agent_id.is_not(None),
        )
        .subquery()
    )
    return sa.select(
        latest.c.source, latest.c.requester, latest.c.agent_id, latest.c.decided_at.label("at")
    ).where(latest.c.n == 1)


def _eligible(trace: dict[str, Any]) -> tuple[int, int]:
    """How many agents passed every filter, of how many were looked at."""
    candidates = trace.get("candidates", [])
    passed = sum(1 for c in candidates if "rejected_by" not in c)
    return passed, len(candidates) + sum(trace.get("pruned", {}).values())


def _outbox_values(
    item: Routed,
    decision_id: int,
    now: datetime,
    due: datetime,
    note: Callable[[Assignment], str | None],
) -> dict[str, Any]:
    decision = item.decision
    assert isinstance(decision, Assignment)
    return {
        "ticket_id": item.ticket.id,
        "decision_id": decision_id,
        "agent_id": decision.agent_id,
        "group_name": decision.group,
        "weight": decision.weight,
        "policy": decision.trace.policy,
        "expected_updated_at": item.ticket.updated_at,
        "note": note(decision),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": due,
        "created_at": now,
    }
