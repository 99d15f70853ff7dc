"""Queue-aware policies: which waiting class a free agent serves next, not only who gets a ticket.

Policies such as generalized cμ and fixed-queue-ratio rank *queues*: when an agent frees
capacity they pick the class of waiting tickets to serve. Such a policy
(``router.policies.protocol.QueueAware``) sorts tickets into classes (``queue_class``) and
scores each non-empty class from a ``QueueState`` (``class_index``, higher is served
first). ``Router`` uses that ranking when it orders a queue; inside a class the router's
configured order (priority, SLA, age) still holds.

**Priority protection.** Unless the policy says it may trade priority (its
``trade_priority`` attribute is True, set only by an explicit ``trade_priority: true``), a
class is ranked only against classes at the same priority level: waiting tickets sit in
lanes of one class *and* one priority (``protected_level``), every lane of a higher priority
is served before any lane of a lower one, and the policy's index orders the classes within
a level. So by default a queue-aware policy never serves a higher-priority ticket later
than a lower-priority one that waits at the same time, as the default queue order
(priority first) would; a long-waiting low-priority class cannot overtake an urgent ticket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from router.customer import VALUE_TIERS, value_tier
from router.model import Agent, Ticket

if TYPE_CHECKING:
    from router.policies.protocol import Policy, QueueAware

ClassBy = Literal["type", "priority", "group", "channel", "language", "value_tier"]
CLASS_BY: tuple[str, ...] = ("type", "priority", "group", "channel", "language", "value_tier")


def class_of(ticket: Ticket, by: str) -> str:
    """The ticket's class under ``by``: its type, priority name, group, channel, language or
    its customer's value tier (``router.customer.value_tier``: vip, returning, new, unknown)."""
    if by == "priority":
        return ticket.priority.name.lower()
    if by == "value_tier":
        return value_tier(ticket.customer)
    value = getattr(ticket, by)
    return "" if value is None else str(value)


def check_class_by(by: str) -> str:
    """Validate a ``by`` parameter."""
    if by not in CLASS_BY:
        raise ValueError(f"by must be one of {', '.join(CLASS_BY)}, not {by!r}")
    return by


def check_class_names(by: str, names: Iterable[str], what: str) -> None:
    """Refuse a ``costs``/``ratios`` key no ticket's class can have under ``by`` (only value
    tiers are a closed set: a type or a group may be any name the desk uses)."""
    if by != "value_tier":
        return
    unknown = sorted(name for name in names if name not in VALUE_TIERS)
    if unknown:
        raise ValueError(
            f"{what}: unknown value tier {unknown[0]!r} "
            f"(by: value_tier has {', '.join(VALUE_TIERS)})"
        )


@dataclass(frozen=True, slots=True)
class QueueState:
    """What a queue-aware policy sees: waiting tickets per class and each class's first ticket."""

    counts: Mapping[str, int]
    heads: Mapping[str, Ticket]

    @property
    def total(self) -> int:
        """Waiting tickets over all classes."""
        return sum(self.counts.values())


Level = Callable[[Ticket], int]
"""The priority level a waiting ticket's class is ranked within (higher served first)."""


def trades_priority(policy: object) -> bool:
    """True when a queue-aware policy was told it may serve a lower priority first
    (``trade_priority: true``); a policy that does not say so is protected."""
    return getattr(policy, "trade_priority", False) is True


def priority_level(ticket: Ticket) -> int:
    """A protected ticket's level: its priority (urgent highest)."""
    return int(ticket.priority)


def one_level(ticket: Ticket) -> int:
    """A trading policy's level: one for every ticket, so classes compete across priorities."""
    return 0


def protected_level(policy: object) -> Level:
    """How ``policy``'s waiting tickets are levelled: by priority unless it trades priority."""
    return one_level if trades_priority(policy) else priority_level


def revisit_after(policy: Policy, ticket: Ticket) -> float | None:
    """Seconds of waiting after which ``policy`` may decide ``ticket`` differently, if ever."""
    return policy.revisit_after(ticket)


def rank_classes(
    policy: QueueAware, state: QueueState, now: datetime, agent: Agent | None = None
) -> list[str]:
    """Non-empty classes, best first: a class whose head has a higher protected level
    first (``protected_level``), then the policy's index; ties go to the class whose head
    came first in queue order."""
    order = {klass: position for position, klass in enumerate(state.heads)}
    level = protected_level(policy)
    return sorted(
        (klass for klass, count in state.counts.items() if count > 0),
        key=lambda klass: (
            -level(state.heads[klass]),
            -policy.class_index(klass, state, now, agent),
            order[klass],
        ),
    )


def serve_order(policy: QueueAware, queue: Sequence[Ticket], now: datetime) -> list[Ticket]:
    """``queue`` (already in the router's order) re-sequenced the way the policy would serve it.

    Repeatedly takes the head of the best-ranked class of the highest level waiting
    (``protected_level``), so class ranks that depend on queue lengths (fixed-queue-ratio)
    shift as the queue is worked down. This is what ``router.backlog`` does when every
    ticket finds an agent.
    """
    level = protected_level(policy)
    lanes: dict[tuple[int, str], list[tuple[int, Ticket]]] = {}
    for position, ticket in enumerate(queue):
        where = (level(ticket), policy.queue_class(ticket))
        lanes.setdefault(where, []).append((position, ticket))
    for lane in lanes.values():
        lane.reverse()  # pop() from the end takes the head
    served: list[Ticket] = []
    while lanes:
        top = max(lanes)[0]
        current = {klass: lane for (at, klass), lane in lanes.items() if at == top}
        best = rank_classes(policy, _level_state(current), now)[0]
        served.append(current[best].pop()[1])
        if not current[best]:
            del lanes[(top, best)]
    return served


def _level_state(lanes: Mapping[str, Sequence[tuple[int, Ticket]]]) -> QueueState:
    """The ``QueueState`` of one level's lanes (queue positions and tickets, each lane's
    head last), its classes in the queue order of their heads, as the backlog has them."""
    ordered = sorted(lanes.items(), key=lambda item: item[1][-1][0])
    return QueueState(
        counts={klass: len(lane) for klass, lane in ordered},
        heads={klass: lane[-1][1] for klass, lane in ordered},
    )
