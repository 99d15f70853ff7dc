"""The SLA clock of a waiting ticket: the help desk's own deadline when it gives one, else
the first-reply target for the ticket's priority (``DESKROUTE_FOLLOWTHROUGH__FIRST_REPLY_*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from router.model import Priority, Ticket


def sla_deadline(ticket: Ticket, targets: Mapping[Priority, timedelta]) -> datetime | None:
    """When the ticket's SLA clock runs out (None: no deadline and no target for it)."""
    if ticket.sla_due_at is not None:
        return ticket.sla_due_at
    target = targets.get(ticket.priority)
    return None if target is None else ticket.created_at + target
