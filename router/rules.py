"""Declarative business rules: ordered ``when`` → ``then`` rules that enrich a ticket.

Rules run before the policy. Each rule whose conditions all hold applies its actions in
order (set group, add skills, set priority, escalate to a pool, set capacity weight) and
``stop: true`` ends processing. The schema lives here as pydantic models so that a bad rule
is rejected with the rule and the field named; ``config.policy_file`` adds the file name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from router.classify.rule_parts import (
    ConfidenceTest,
    GroupFromPrediction,
    PriorityFromPrediction,
    SkillFromPrediction,
)
from router.customer_rules import CustomerTest
from router.model import Priority, SkillLevel, Ticket
from router.schedule import Window
from router.signals import SIGNALS

TICKET_FIELDS = (
    "id",
    "source",
    "subject",
    "body",
    "requester",
    "organization",
    "tags",
    "priority",
    "type",
    "channel",
    "language",
    "brand",
    "group",
    "assignee",
)
FIELD_PREFIXES = ("custom.", "predicted.")
CONDITION_KINDS = (
    "field",
    "tag",
    "text",
    "vip",
    "language",
    "channel",
    "time",
    "confidence",
    "customer",
    "signal",
    "all",
    "any",
    "not",
)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def field_value(ticket: Ticket, name: str) -> Any:
    """The value a condition on field ``name`` sees (priority as its lower-case name)."""
    if name.startswith("custom."):
        return ticket.custom_fields.get(name.removeprefix("custom."))
    if name.startswith("predicted."):
        prediction = ticket.predictions.get(name.removeprefix("predicted."))
        return None if prediction is None else prediction.label
    if name == "priority":
        return ticket.priority.name.lower()
    return getattr(ticket, name)


def _same(value: Any, expected: Any) -> bool:
    if isinstance(value, str) and isinstance(expected, str):
        return value.casefold() == expected.casefold()
    return bool(value == expected)


class TimeOfDay(_Strict):
    """Holds while the wall-clock time in ``timezone`` is inside ``between`` on ``days``."""

    between: tuple[time, time]
    days: Any = "daily"
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception:
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _window_is_valid(self) -> TimeOfDay:
        _ = self.window
        return self

    @cached_property
    def window(self) -> Window:
        """The daily window this condition describes."""
        return Window(days=self.days, start=self.between[0], end=self.between[1])

    def holds(self, now: datetime) -> bool:
        """True when ``now`` falls in the window."""
        return self.window.contains(now.astimezone(ZoneInfo(self.timezone)))


class Condition(_Strict):
    """One test on a ticket. Exactly one kind key is given; see docs/rules.md."""

    field: str | None = None
    equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    contains: str | None = None
    regex: str | None = None
    tag: str | None = None
    text: str | None = None
    vip: bool | None = None
    language: list[str] | None = None
    channel: list[str] | None = None
    time: TimeOfDay | None = None
    confidence: ConfidenceTest | None = None
    customer: CustomerTest | None = None
    signal: list[str] | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    @field_validator("language", "channel", "signal", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str | None) -> str | None:
        if value is None or value in TICKET_FIELDS or value.startswith(FIELD_PREFIXES):
            return value
        raise ValueError(
            f"unknown ticket field {value!r} (use one of {', '.join(TICKET_FIELDS)}, "
            "custom.<name> or predicted.<target>)"
        )

    @field_validator("signal")
    @classmethod
    def _known_signal(cls, value: list[str] | None) -> list[str] | None:
        unknown = [name for name in value or () if name not in SIGNALS]
        if unknown:
            raise ValueError(f"unknown signal {unknown[0]!r} (use one of {', '.join(SIGNALS)})")
        return value

    @field_validator("regex", "text")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"invalid regular expression {value!r}: {error}") from None
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        kinds = [kind for kind in CONDITION_KINDS if self._given(kind)]
        if len(kinds) != 1:
            found = ", ".join(kinds) or "none"
            raise ValueError(
                f"a condition needs exactly one of {', '.join(CONDITION_KINDS)} (found: {found})"
            )
        operators = [op for op in ("equals", "in_", "contains", "regex") if self._given(op)]
        if kinds[0] == "field" and len(operators) != 1:
            raise ValueError("a field condition needs exactly one of equals, in, contains, regex")
        if kinds[0] != "field" and operators:
            raise ValueError(f"{operators[0].rstrip('_')} only goes with field")
        return self

    def _given(self, name: str) -> bool:
        key = {"not": "not_", "in": "in_"}.get(name, name)
        return key in self.model_fields_set

    def holds(self, ticket: Ticket, now: datetime, vip: Vip) -> bool:
        """True when the ticket satisfies this condition at ``now``."""
        if self.field is not None:
            return self._field_holds(field_value(ticket, self.field))
        if self.tag is not None:
            return self.tag.lower() in ticket.tags
        if self.text is not None:
            return (
                re.search(self.text, f"{ticket.subject}\n{ticket.body}", re.IGNORECASE) is not None
            )
        if self.vip is not None:
            return vip.includes(ticket) == self.vip
        if self.language is not None:
            return ticket.language is not None and any(
                _same(ticket.language, x) for x in self.language
            )
        if self.channel is not None:
            return any(_same(ticket.channel, x) for x in self.channel)
        if self.time is not None:
            return self.time.holds(now)
        if self.confidence is not None:
            return self.confidence.holds(ticket)
        if self.customer is not None:  # shop context (issue 19)
            return self.customer.holds(ticket, now)
        if self.signal is not None:
            return any(name in ticket.signals for name in self.signal)
        if self.all is not None:
            return all(c.holds(ticket, now, vip) for c in self.all)
        if self.any is not None:
            return any(c.holds(ticket, now, vip) for c in self.any)
        assert self.not_ is not None
        return not self.not_.holds(ticket, now, vip)

    @property
    def reads_signals(self) -> bool:
        """True when this condition, or one inside it, tests a signal."""
        inner = [*(self.all or ()), *(self.any or ()), *([self.not_] if self.not_ else [])]
        return self.signal is not None or any(c.reads_signals for c in inner)

    def _field_holds(self, value: Any) -> bool:
        if "equals" in self.model_fields_set:
            return _same(value, self.equals)
        if self.in_ is not None:
            return any(_same(value, option) for option in self.in_)
        if value is None:
            return False
        if self.contains is not None:
            if isinstance(value, str):
                return self.contains.casefold() in value.casefold()
            return any(_same(item, self.contains) for item in value)
        assert self.regex is not None
        return re.search(self.regex, str(value), re.IGNORECASE) is not None


class Actions(_Strict):
    """What a matching rule does to the ticket, applied in the order listed here."""

    set_group: str | None = None
    group_from_prediction: GroupFromPrediction | None = None
    add_required_skills: dict[str, SkillLevel] = Field(default_factory=dict)
    skill_from_prediction: SkillFromPrediction | None = None
    add_optional_skills: dict[str, SkillLevel] = Field(default_factory=dict)
    set_priority: Priority | None = None
    priority_from_prediction: PriorityFromPrediction | None = None
    escalate_to: list[str] | None = Field(default=None, min_length=1)
    set_weight: float | None = Field(default=None, gt=0)
    stop: bool = False

    @field_validator("set_priority", mode="before")
    @classmethod
    def _priority(cls, value: object) -> Priority | None:
        return None if value is None else Priority.parse(value)

    def apply(self, ticket: Ticket) -> Ticket:
        """The ticket with these actions applied (explicit values win over predicted ones)."""
        changes = self._predicted(ticket)
        if self.set_group is not None:
            changes["group"] = self.set_group
        if self.add_required_skills:
            current = changes.get("required_skills", ticket.required_skills)
            changes["required_skills"] = _merge(current, self.add_required_skills)
        if self.add_optional_skills:
            changes["optional_skills"] = _merge(ticket.optional_skills, self.add_optional_skills)
        if self.set_priority is not None:
            changes["priority"] = self.set_priority
        if self.escalate_to is not None:
            changes["pool"] = frozenset(self.escalate_to)
        if self.set_weight is not None:
            changes["weight"] = self.set_weight
        return ticket.evolve(**changes) if changes else ticket

    def _predicted(self, ticket: Ticket) -> dict[str, Any]:
        """What the prediction-driven actions change."""
        changes: dict[str, Any] = {}
        if self.group_from_prediction and (group := self.group_from_prediction.group(ticket)):
            changes["group"] = group
        if self.skill_from_prediction and (skills := self.skill_from_prediction.required(ticket)):
            changes["required_skills"] = _merge(ticket.required_skills, skills)
        predicted = self.priority_from_prediction
        if predicted and (priority := predicted.priority(ticket)):
            changes["priority"] = priority
        return changes


def _merge(current: Mapping[str, int], extra: Mapping[str, int]) -> dict[str, int]:
    merged = dict(current)
    for skill, level in extra.items():
        merged[skill] = max(level, merged.get(skill, 0))
    return merged


class Rule(_Strict):
    """A named rule: when every condition holds, apply the actions."""

    name: str = Field(min_length=1)
    when: list[Condition] = Field(default_factory=list)
    then: Actions

    @field_validator("when", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, dict) else value

    def holds(self, ticket: Ticket, now: datetime, vip: Vip) -> bool:
        """True when every condition holds (a rule without conditions always holds)."""
        return all(condition.holds(ticket, now, vip) for condition in self.when)


class Vip(_Strict):
    """Requesters and organizations treated as VIP (case-insensitive)."""

    requesters: frozenset[str] = frozenset()
    organizations: frozenset[str] = frozenset()

    @field_validator("requesters", "organizations", mode="after")
    @classmethod
    def _fold(cls, value: frozenset[str]) -> frozenset[str]:
        return frozenset(item.casefold() for item in value)

    def includes(self, ticket: Ticket) -> bool:
        """True when the ticket's requester or organization is listed."""
        return (ticket.requester or "").casefold() in self.requesters or (
            ticket.organization or ""
        ).casefold() in self.organizations


class RuleSet(_Strict):
    """Ordered business rules plus the VIP lists they refer to."""

    rules: list[Rule] = Field(default_factory=list)
    vip: Vip = Field(default_factory=Vip)

    @model_validator(mode="after")
    def _unique_names(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                raise ValueError(f"rule name {rule.name!r} is used twice")
            seen.add(rule.name)
        return self

    @cached_property
    def reads_signals(self) -> bool:
        """True when a rule tests a signal (only then are the signals read)."""
        return any(c.reads_signals for rule in self.rules for c in rule.when)

    def apply(self, ticket: Ticket, now: datetime) -> tuple[Ticket, tuple[str, ...]]:
        """The enriched ticket and the names of the rules that matched, in order."""
        matched: list[str] = []
        for rule in self.rules:
            if rule.holds(ticket, now, self.vip):
                ticket = rule.then.apply(ticket)
                matched.append(rule.name)
                if rule.then.stop:
                    break
        return ticket, tuple(matched)
