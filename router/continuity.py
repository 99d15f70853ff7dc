"""Continuity: the agent who last handled the requester takes their new ticket, if they can.

A preference every policy shares (``Eligibility.continuity_window_h``), applied after the
filters: when the ticket names its ``previous_agent``, that agent handled the requester
within the window (``previous_agent_at``), and the agent passes every filter now (on the
roster, online, on shift, in the group, skilled, with room for the ticket...), that agent
is chosen whatever the policy's scores say. Otherwise the policy chooses as it always
does. Whoever fills ``previous_agent`` in (the live sidecar from its own decisions, the
simulator for follow-ups) does so before the decision; the router only reads it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from router.eligibility import Eligibility
from router.model import Ticket
from router.pydantic_fast import fields_of


def continuing_agent(ticket: Ticket, now: datetime, rules: Eligibility) -> str | None:
    """The ticket's previous agent when continuity is on and they handled the requester
    within the window at ``now``; None otherwise. Eligibility is the caller's check."""
    window = rules.continuity_window_h
    if window is None:
        return None
    fields = fields_of(ticket)
    agent_id: str | None = fields["previous_agent"]
    at: datetime | None = fields["previous_agent_at"]
    if agent_id is None or at is None or now - at > timedelta(hours=window):
        return None
    return agent_id


def continuity_note(ticket: Ticket, now: datetime, rules: Eligibility, own: str | None) -> str:
    """The trace's words for a ticket continuity gave to its previous agent; ``own``: the
    agent the policy's scores alone would have picked."""
    at = ticket.previous_agent_at
    assert at is not None and rules.continuity_window_h is not None
    hours = max((now - at).total_seconds(), 0.0) / 3600.0
    note = (
        f"continuity: {ticket.previous_agent} handled this requester {hours:.1f} h ago "
        f"(window {rules.continuity_window_h:g} h) and is eligible, so takes the ticket"
    )
    if own is not None and own != ticket.previous_agent:
        note += f" (the policy's own pick: {own})"
    return note
