"""Model values: frozen, keyword-only, validated at the door."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from router.model import Agent, Capacity, Priority, Ticket
from tests.router.builders import NOW, agent, ticket


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Ticket(id="1", created_at=datetime(2026, 1, 1, 9, 0))


def test_values_are_frozen() -> None:
    t = ticket()
    with pytest.raises(ValidationError):
        t.subject = "changed"  # type: ignore[misc]


def test_values_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        Ticket("1", NOW)  # type: ignore[misc]


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Ticket(id="1", created_at=NOW, colour="red")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param("urgent", Priority.URGENT, id="name"),
        pytest.param("High", Priority.HIGH, id="name-any-case"),
        pytest.param(1, Priority.LOW, id="number"),
        pytest.param("2", Priority.NORMAL, id="digit-string"),
    ],
)
def test_priority_is_read_from_names_and_numbers(given: object, expected: Priority) -> None:
    assert ticket(priority=given).priority is expected


def test_unknown_priority_names_the_choices() -> None:
    with pytest.raises(ValidationError, match="expected one of low, normal, high, urgent"):
        ticket(priority="asap")


@pytest.mark.parametrize("level", [0, 11, -1])
def test_skill_levels_run_from_1_to_10(level: int) -> None:
    with pytest.raises(ValidationError):
        agent("a", skills={"billing": level})


def test_tags_are_normalised_to_a_lowercase_set() -> None:
    assert ticket(tags=["VIP", " vip ", "Refund", ""]).tags == frozenset({"vip", "refund"})


def test_a_single_string_is_not_taken_for_a_list() -> None:
    with pytest.raises(ValidationError, match="not one string"):
        ticket(tags="vip")
    with pytest.raises(ValidationError, match="not one string"):
        agent("a", groups="billing")


def test_evolve_validates_and_leaves_the_original_alone() -> None:
    original = ticket(priority="low")
    changed = original.evolve(priority="urgent")
    assert changed.priority is Priority.URGENT
    assert original.priority is Priority.LOW
    with pytest.raises(ValidationError):
        original.evolve(created_at=datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("weights", "fields", "expected"),
    [
        pytest.param({}, {}, 1.0, id="default-1"),
        pytest.param({"problem": 3}, {"type": "problem"}, 3.0, id="by-type"),
        pytest.param({"chat": 2}, {"channel": "chat"}, 2.0, id="by-channel"),
        pytest.param(
            {"problem": 3, "chat": 2},
            {"type": "problem", "channel": "chat"},
            3.0,
            id="type-before-channel",
        ),
        pytest.param(
            {"problem": 3}, {"type": "problem", "weight": 0.5}, 0.5, id="rule-override-wins"
        ),
    ],
)
def test_capacity_weight_of_a_ticket(
    weights: dict[str, float], fields: dict[str, object], expected: float
) -> None:
    assert Capacity(max_load=10, weights=weights).weight_of(ticket(**fields)) == expected


def test_capacity_weights_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="positive"):
        Capacity(weights={"chat": 0})


def test_waiting_time_counts_from_queued_at_when_known() -> None:
    t = ticket(created_at=NOW.replace(hour=8), queued_at=NOW.replace(hour=9))
    assert t.waited(NOW).total_seconds() == 3600
    assert ticket(created_at=NOW.replace(hour=11)).waited(NOW).total_seconds() == 0


def test_agent_level_is_zero_for_a_missing_skill() -> None:
    a: Agent = agent("a", skills={"billing": 4})
    assert (a.level("billing"), a.level("refunds")) == (4, 0)
