"""Intake into the store: webhook hints, poll cursors, seen versions and ticket snapshots."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connectors.base import Listed
from router.model import Ticket
from sidecar import lifecycle
from sidecar.store import schema
from sidecar.store.database import reading
from sidecar.store.rows import insert_ignoring_duplicates

T = schema.tickets
IN_CHUNK = 500
"""Ids per ``IN (...)`` list (well under SQLite's and PostgreSQL's parameter limits)."""


def _older(stored: datetime | None, listed: datetime | None) -> bool:
    """True when the listing shows a later version than the store holds."""
    return listed is not None and (stored is None or stored < listed)


@dataclass(frozen=True, slots=True)
class TicketRow:
    """A stored ticket: its latest snapshot and where it stands with us."""

    ticket: Ticket
    state: lifecycle.TicketState
    our_agent: str | None
    assigned_at: datetime | None
    reason: str | None
    moves: int


def to_row(row: Any) -> TicketRow:
    """Build a ``TicketRow`` from a ``tickets`` table row."""
    ticket = Ticket.model_validate(row.payload)
    if row.queued_at is not None:
        ticket = ticket.evolve(queued_at=row.queued_at)
    state = lifecycle.TicketState(row.state)
    return TicketRow(ticket, state, row.our_agent, row.assigned_at, row.reason, row.moves)


def snapshot(ticket: Ticket) -> dict[str, Any]:
    """JSON-ready copy of a ticket for the ``payload`` column."""
    return ticket.model_dump(mode="json", exclude={"queued_at"})


class TicketStore:
    """Hints, cursors, idempotent intake and per-ticket state."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # --- webhook hints ------------------------------------------------------------------

    def hint(self, ticket_id: str, via: str, now: datetime) -> bool:
        """Remember that a webhook named ``ticket_id``; False if already waiting."""
        with self.engine.begin() as conn:
            return insert_ignoring_duplicates(
                conn, schema.hints, {"ticket_id": ticket_id, "via": via, "received_at": now}
            )

    def first_delivery(
        self, keys: Sequence[str], via: str, now: datetime, window: timedelta
    ) -> bool:
        """Remember a webhook delivery under ``keys``; False when any of them was taken in
        within ``window`` (a retry or a replay). Older deliveries are forgotten here."""
        d = schema.deliveries
        with self.engine.begin() as conn:
            conn.execute(d.delete().where(d.c.received_at < now - window))
            fresh = [
                insert_ignoring_duplicates(conn, d, {"key": key, "via": via, "received_at": now})
                for key in keys
            ]
        return all(fresh)

    def hints(self, limit: int) -> list[str]:
        """Oldest hinted ticket ids, up to ``limit``."""
        query = sa.select(schema.hints.c.ticket_id).order_by(schema.hints.c.received_at)
        with reading(self.engine) as conn:
            return list(conn.execute(query.limit(limit)).scalars())

    def clear_hints(self, ticket_ids: Iterable[str]) -> None:
        """Forget hints once their tickets went through intake."""
        ids = list(ticket_ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(schema.hints.delete().where(schema.hints.c.ticket_id.in_(ids)))

    def has_seen(self, ticket_id: str, updated_at: datetime) -> bool:
        """True when this version of the ticket was already taken in (or written by us)."""
        s = schema.seen
        query = sa.select(s.c.ticket_id).where(
            s.c.ticket_id == ticket_id, s.c.version == lifecycle.version_key(updated_at)
        )
        with reading(self.engine) as conn:
            return conn.execute(query).first() is not None

    def unknown(self, listed: Sequence[Listed]) -> list[str]:
        """The ids among ``listed`` the store has no version of as new as the listing's
        (never stored, or stored older; a listing without a version counts when the ticket
        was never stored): what the reconciliation sweep must read and take in."""
        stored: dict[str, datetime | None] = {}
        ids = list(dict.fromkeys(item.ticket_id for item in listed))
        with reading(self.engine) as conn:
            for start in range(0, len(ids), IN_CHUNK):
                query = sa.select(T.c.ticket_id, T.c.updated_at).where(
                    T.c.ticket_id.in_(ids[start : start + IN_CHUNK])
                )
                stored.update({row.ticket_id: row.updated_at for row in conn.execute(query)})
        wanted = (
            item.ticket_id
            for item in listed
            if item.ticket_id not in stored or _older(stored[item.ticket_id], item.updated_at)
        )
        return list(dict.fromkeys(wanted))

    # --- poll cursors -------------------------------------------------------------------

    def cursor(self, source: str) -> str | None:
        """The saved poll cursor of ``source``."""
        query = sa.select(schema.cursors.c.cursor).where(schema.cursors.c.source == source)
        with reading(self.engine) as conn:
            return conn.execute(query).scalar()

    def save_cursor(self, source: str, cursor: str | None, now: datetime) -> None:
        """Persist the cursor to resume from (after the page's tickets are stored)."""
        with self.engine.begin() as conn:
            table = schema.cursors
            changed = conn.execute(
                table.update().where(table.c.source == source).values(cursor=cursor, saved_at=now)
            ).rowcount
            if not changed:
                conn.execute(table.insert().values(source=source, cursor=cursor, saved_at=now))

    # --- intake ---------------------------------------------------------------------------

    def intake(self, tickets: Sequence[Ticket], via: str, now: datetime) -> list[str]:
        """Store new versions of ``tickets`` in one transaction; returns the new ids.

        A version already seen (same id and ``updated_at``) is ignored, so a webhook and
        a poll delivering the same change, or a duplicate delivery, count once.
        """
        fresh: list[str] = []
        with self.engine.begin() as conn:
            for ticket in tickets:
                key = {"ticket_id": ticket.id, "version": lifecycle.version_of(ticket)}
                if insert_ignoring_duplicates(
                    conn, schema.seen, {**key, "via": via, "seen_at": now}
                ):
                    store_version(conn, ticket, now)
                    fresh.append(ticket.id)
        return fresh

    def get(self, ticket_id: str) -> TicketRow | None:
        """The stored ticket, if any."""
        with reading(self.engine) as conn:
            row = conn.execute(sa.select(T).where(T.c.ticket_id == ticket_id)).first()
        return to_row(row) if row is not None else None

    def in_states(self, states: Sequence[str], limit: int | None = None) -> list[TicketRow]:
        """Tickets in any of ``states``, oldest first."""
        query = sa.select(T).where(T.c.state.in_(states)).order_by(T.c.first_seen_at)
        if limit is not None:
            query = query.limit(limit)
        with reading(self.engine) as conn:
            return [to_row(row) for row in conn.execute(query)]

    def set_state(
        self,
        ticket_id: str,
        state: lifecycle.TicketState,
        now: datetime,
        reason: str | None = None,
    ) -> None:
        """Move a ticket to ``state`` (the sweep's lever; ``lifecycle.move`` rules)."""
        with self.engine.begin() as conn:
            set_state(conn, ticket_id, state, now, reason=reason)

    def counts(self) -> dict[str, int]:
        """How many tickets are in each state."""
        query = sa.select(T.c.state, sa.func.count()).group_by(T.c.state)
        with reading(self.engine) as conn:
            return {state: int(count) for state, count in conn.execute(query)}


def store_version(conn: sa.Connection, ticket: Ticket, now: datetime) -> lifecycle.TicketState:
    """Save a new version of ``ticket`` and move it to the state the lifecycle says."""
    previous = conn.execute(sa.select(T).where(T.c.ticket_id == ticket.id)).first()
    known = None
    if previous is not None:
        old_status = lifecycle.status_of(Ticket.model_validate(previous.payload))
        known = lifecycle.Known(lifecycle.TicketState(previous.state), old_status,
                                previous.our_agent)  # fmt: skip
    state = lifecycle.next_state(known, ticket)
    if known is not None:
        lifecycle.move(ticket.id, known.state, state)
    values: dict[str, Any] = {
        "state": state,
        "payload": snapshot(ticket),
        "updated_at": ticket.updated_at,
        "assignee": ticket.assignee,
        "changed_at": now,
    }
    if state in lifecycle.TO_DECIDE and (known is None or known.state not in lifecycle.TO_DECIDE):
        values["queued_at"] = ticket.queued_at or now
    if ticket.assignee is not None and (previous is None or previous.first_assignee is None):
        values["first_assignee"] = ticket.assignee
        values["first_assigned_at"] = ticket.updated_at or now
    if previous is None:
        conn.execute(T.insert().values(ticket_id=ticket.id, first_seen_at=now, moves=0, **values))
    else:
        conn.execute(T.update().where(T.c.ticket_id == ticket.id).values(**values))
    return state


def set_state(
    conn: sa.Connection,
    ticket_id: str,
    state: lifecycle.TicketState,
    now: datetime,
    **values: Any,
) -> None:
    """Move one ticket to ``state`` (and update any other columns given), when the lifecycle
    allows it from the state it is in; ``lifecycle.TransitionError`` otherwise. A ticket the
    store does not hold is left alone."""
    changed = conn.execute(
        T.update()
        .where(T.c.ticket_id == ticket_id, T.c.state.in_(lifecycle.sources_of(state)))
        .values(state=state, changed_at=now, **values)
    ).rowcount
    if not changed:
        current = conn.execute(sa.select(T.c.state).where(T.c.ticket_id == ticket_id)).scalar()
        if current is not None:
            lifecycle.move(ticket_id, current, state)  # raises: not allowed from ``current``
