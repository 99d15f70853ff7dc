"""Queue-aware policies: which waiting class a free agent serves next, not only who gets a ticket.

Policies such as generalized cμ and fixed-queue-ratio rank *queues*: when an agent frees
capacity they pick the class of waiting tickets to serve. Such a policy
(``router.policies.protocol.QueueAware``) sorts tickets into classes (``queue_class``) and
scores each non-empty class from a ``QueueState`` (``class_index``, higher is served
first). ``Router`` uses that ranking when it orders a queue; inside a class the router's
configured order (priority, SLA, age) still holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from router.model import Agent, Ticket

if TYPE_CHECKING:
    from router.policies.protocol import Policy, QueueAware

ClassBy = Literal["type", "priority", "group", "channel", "language"]
CLASS_BY: tuple[str, ...] = ("type", "priority", "group", "channel", "language")


def class_of(ticket: Ticket, by: str) -> str:
    """The ticket's class under ``by``: its type, priority name, group, channel or language."""
    if by == "priority":
        return ticket.priority.name.lower()
    value = getattr(ticket, by)
    return "" if value is None else str(value)


def check_class_by(by: str) -> str:
    """Validate a ``by`` parameter."""
    if by not in CLASS_BY:
        raise ValueError(f"by must be one of {', '.join(CLASS_BY)}, not {by!r}")
    return by


@dataclass(frozen=True, slots=True)
class QueueState:
    """What a queue-aware policy sees: waiting tickets per class and each class's first ticket."""

    counts: Mapping[str, int]
    heads: Mapping[str, Ticket]

    @property
    def total(self) -> int:
        """Waiting tickets over all classes."""
        return sum(self.counts.values())


def revisit_after(policy: Policy, ticket: Ticket) -> float | None:
    """Seconds of waiting after which ``policy`` may decide ``ticket`` differently, if ever."""
    return policy.revisit_after(ticket)


def rank_classes(
    policy: QueueAware, state: QueueState, now: datetime, agent: Agent | None = None
) -> list[str]:
    """Non-empty classes, best first; ties go to the class whose head came first in queue order."""
    order = {klass: position for position, klass in enumerate(state.heads)}
    return sorted(
        (klass for klass, count in state.counts.items() if count > 0),
        key=lambda klass: (-policy.class_index(klass, state, now, agent), order[klass]),
    )


def serve_order(policy: QueueAware, queue: Sequence[Ticket], now: datetime) -> list[Ticket]:
    """``queue`` (already in the router's order) re-sequenced the way the policy would serve it.

    Repeatedly takes the head of the best-ranked class, so class ranks that depend on
    queue lengths (fixed-queue-ratio) shift as the queue is worked down.
    """
    lanes: dict[str, list[Ticket]] = {}
    for ticket in queue:
        lanes.setdefault(policy.queue_class(ticket), []).append(ticket)
    for lane in lanes.values():
        lane.reverse()  # pop() from the end takes the head
    served: list[Ticket] = []
    while lanes:
        state = QueueState(
            counts={klass: len(lane) for klass, lane in lanes.items()},
            heads={klass: lane[-1] for klass, lane in lanes.items()},
        )
        best = rank_classes(policy, state, now)[0]
        served.append(lanes[best].pop())
        if not lanes[best]:
            del lanes[best]
    return served
