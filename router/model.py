"""Frozen, keyword-only, validated values that every part of deskroute shares.

Tickets and agents are validated once, at the door (a connector's mapping, a file loader,
the simulator's generator); everything downstream trusts them. Datetimes must carry a
time zone: a naive datetime is rejected rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from router.customer import CustomerContext
from router.schedule import Schedule

SkillLevel = Annotated[int, Field(ge=1, le=10)]
"""A skill level: 1 (novice) to 10 (expert), as Salesforce's skills-based routing."""

Skills = Mapping[str, SkillLevel]


class Value(BaseModel):
    """Base of every model value: immutable, keyword-only, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    def evolve(self, **changes: Any) -> Any:
        """Return a validated copy with ``changes`` applied (the original is untouched)."""
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(changes)
        return type(self).model_validate(data)


class Priority(IntEnum):
    """Ticket priority; higher values are served first."""

    LOW = 1
    NORMAL = 2
    HIGH = 3
    URGENT = 4

    @classmethod
    def parse(cls, value: object) -> Priority:
        """Accept a member, its name in any case (``"urgent"``) or its number."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str) and not value.isdigit():
            try:
                return cls[value.strip().upper()]
            except KeyError:
                names = ", ".join(m.name.lower() for m in cls)
                raise ValueError(f"unknown priority {value!r} (expected one of {names})") from None
        return cls(int(str(value)))


class AgentStatus(StrEnum):
    """An agent's presence as the help desk reports it."""

    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class Prediction(Value):
    """A classifier's label for one target (group, skill, priority, language) and its confidence."""

    label: str
    confidence: float = Field(ge=0.0, le=1.0)


class Ticket(Value):
    """A help-desk ticket as the router sees it.

    The routing fields at the end (``group`` .. ``previous_agent_at``) start from what the help desk
    says and are enriched by business rules and the classifier before a policy decides.
    """

    id: str = Field(min_length=1)
    source: str = Field(default="local", min_length=1, description="help desk it came from")
    subject: str = ""
    body: str = ""
    requester: str | None = None
    requester_email: str | None = Field(
        default=None,
        description="the requester's e-mail address as the desk knows it (the shop lookup key)",
    )
    organization: str | None = None
    tags: frozenset[str] = frozenset()
    priority: Priority = Priority.NORMAL
    type: str | None = Field(default=None, description="ticket type or category")
    channel: str = "email"
    language: str | None = None
    brand: str | None = Field(default=None, description="brand or product")
    custom_fields: Mapping[str, Any] = Field(default_factory=dict)
    created_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    sla_due_at: AwareDatetime | None = None
    # routing fields, set by the help desk and enriched by rules / classifier
    group: str | None = None
    assignee: str | None = None
    required_skills: Skills = Field(default_factory=dict)
    optional_skills: Skills = Field(default_factory=dict)
    pool: frozenset[str] = Field(
        default=frozenset(), description="escalation pool: only these agents or groups"
    )
    weight: float | None = Field(default=None, gt=0, description="capacity weight override")
    predictions: Mapping[str, Prediction] = Field(default_factory=dict)
    queued_at: AwareDatetime | None = Field(
        default=None, description="when the ticket started waiting for an agent"
    )
    previous_agent: str | None = Field(
        default=None, description="the agent who last handled this requester (continuity)"
    )
    previous_agent_at: AwareDatetime | None = Field(
        default=None, description="when that agent last handled the requester"
    )
    recent_contacts: int | None = Field(
        default=None,
        ge=0,
        description="the requester's other recent tickets (repeat contacts; None: unknown)",
    )
    signals: Mapping[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="signals read from the text (name: the words that showed it)",
    )
    context: tuple[str, ...] = Field(
        default=(), description="what enrichment read about the ticket, in words, for the trace"
    )
    # --- shop context (issue 19): filled by the sidecar before the rules run ---
    customer: CustomerContext | None = Field(
        default=None, description="what the shop knows about the requester (None: nothing)"
    )
    customer_unavailable: str | None = Field(
        default=None, description="why the shop could not be asked (the trace says so)"
    )

    @field_validator("priority", mode="before")
    @classmethod
    def _parse_priority(cls, value: object) -> Priority:
        return Priority.parse(value)

    @field_validator("requester_email", mode="before")
    @classmethod
    def _normalise_email(cls, value: object) -> object:
        """Lower-cased and stripped; anything without an ``@`` is no address (None)."""
        if value is None:
            return None
        text = str(value).strip().lower()
        return text if "@" in text else None

    @field_validator("tags", mode="before")
    @classmethod
    def _normalise_tags(cls, value: object) -> object:
        if isinstance(value, str):
            raise ValueError("tags must be a list of strings, not one string")
        if isinstance(value, list | tuple | set | frozenset):
            return frozenset(str(tag).strip().lower() for tag in value if str(tag).strip())
        return value

    @property
    def waiting_since(self) -> datetime:
        """When the ticket started waiting: ``queued_at`` if known, else ``created_at``."""
        return self.queued_at or self.created_at

    def waited(self, now: datetime) -> timedelta:
        """How long the ticket has waited at ``now`` (never negative)."""
        return max(now - self.waiting_since, timedelta(0))


class Capacity(Value):
    """How much concurrent work an agent takes: a load limit and per-ticket-type weights."""

    max_load: float = Field(default=10.0, ge=0)
    weights: Mapping[str, float] = Field(
        default_factory=dict, description="weight per ticket type or channel; default 1"
    )

    @field_validator("weights")
    @classmethod
    def _positive_weights(cls, value: Mapping[str, float]) -> Mapping[str, float]:
        bad = [key for key, weight in value.items() if weight <= 0]
        if bad:
            raise ValueError(f"weights must be positive (bad: {', '.join(sorted(bad))})")
        return value

    def weight_of(self, ticket: Ticket) -> float:
        """Capacity units ``ticket`` takes: rule override, else type weight, else channel weight."""
        if ticket.weight is not None:
            return ticket.weight
        weights = self.weights
        if not weights:
            return 1.0
        if ticket.type is not None and ticket.type in weights:
            return weights[ticket.type]
        return weights.get(ticket.channel, 1.0)


class Agent(Value):
    """A person who can own tickets."""

    id: str = Field(min_length=1)
    name: str = ""
    groups: frozenset[str] = frozenset()
    skills: Skills = Field(default_factory=dict)
    languages: frozenset[str] = frozenset()
    capacity: Capacity = Field(default_factory=Capacity)
    status: AgentStatus = AgentStatus.ONLINE
    schedule: Schedule | None = Field(default=None, description="None: always on shift")
    last_assigned_at: AwareDatetime | None = None

    @field_validator("groups", "languages", mode="before")
    @classmethod
    def _sets_from_lists(cls, value: object) -> object:
        if isinstance(value, str):
            raise ValueError("expected a list of strings, not one string")
        return value

    def level(self, skill: str) -> int:
        """The agent's level in ``skill``, 0 when the agent lacks it."""
        return self.skills.get(skill, 0)
