"""Zendesk skills (routing attributes) as deskroute skills with levels (pure)."""

from __future__ import annotations

import pytest

from connectors.zendesk import routing_skills


def value(name: str) -> dict[str, str]:
    return {"id": f"uuid-{name}", "attribute_id": "uuid-skills", "name": name}


@pytest.mark.parametrize(
    ("names", "field", "skills"),
    [
        pytest.param(
            ["Billing", "Spanish"], None, {"billing": 5, "spanish": 5}, id="binary-skills-level-5"
        ),
        pytest.param(["billing:8"], None, {"billing": 8}, id="level-in-the-name"),
        pytest.param(
            ["billing", "refunds"],
            "billing:9 returns:2",
            {"billing": 9, "refunds": 5},
            id="level-from-the-user-field",
        ),
        pytest.param(["billing:3"], "billing:9", {"billing": 3}, id="name-beats-field"),
        pytest.param(["billing:42"], None, {"billing": 10}, id="level-clamped"),
        pytest.param(["", "  "], None, {}, id="blank-names-ignored"),
    ],
)
def test_agent_skills(names: list[str], field: str | None, skills: dict[str, int]) -> None:
    assert routing_skills.agent_skills([value(n) for n in names], field) == skills


def test_ticket_values_are_required_at_any_level_unless_one_is_named() -> None:
    assert routing_skills.ticket_skills([value("Billing"), value("french:6")]) == {
        "billing": 1,
        "french": 6,
    }


def test_instance_values_of_many_agents_are_grouped_by_agent() -> None:
    rows = [
        {"agent_id": 1, "name": "billing"},
        {"agent_id": 2, "name": "orders"},
        {"agent_id": 1, "name": "orders"},
        {"name": "orphan"},
    ]
    grouped = routing_skills.agents_values(rows)
    assert {agent: [r["name"] for r in rows] for agent, rows in grouped.items()} == {
        "1": ["billing", "orders"],
        "2": ["orders"],
    }
