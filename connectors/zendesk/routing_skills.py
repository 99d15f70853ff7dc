"""Skills from Zendesk's skill-based routing API (routing attributes), as deskroute skills (pure).

Zendesk calls skill types *attributes* and skills *attribute values*; an agent or a ticket
holds *instance values* (developer.zendesk.com/api-reference/ticketing/ticket-management/
skill_based_routing/). Zendesk skills are binary, deskroute's have levels 1-10, so:

- an attribute value named ``billing`` is the skill ``billing``; one named ``billing:7``
  carries its level in the name (the convention docs/connectors.md documents);
- an agent's level is the one in the value's name, else the level the ``deskroute_skills``
  user field gives the same skill, else 5;
- a ticket's values are its required skills, at the level named or at any level (1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connectors.skills import DEFAULT_LEVEL, parse_skills

ANY_LEVEL = 1


def _name_and_level(value_name: Any) -> tuple[str, int | None]:
    """``"Billing:7"`` -> ``("billing", 7)``; ``"billing"`` -> ``("billing", None)``."""
    name, _, level = str(value_name or "").strip().lower().partition(":")
    if not level.strip().isdigit():
        return name.strip(), None
    return name.strip(), min(10, max(1, int(level)))


def agent_skills(values: Iterable[Mapping[str, Any]], field_text: str | None) -> dict[str, int]:
    """One agent's skills from its instance values, levels as the module docstring says."""
    levels = parse_skills(field_text)
    skills: dict[str, int] = {}
    for value in values:
        name, level = _name_and_level(value.get("name"))
        if name:
            skills[name] = level or levels.get(name, DEFAULT_LEVEL)
    return skills


def agents_values(
    instance_values: Iterable[Mapping[str, Any]],
) -> dict[str, list[Mapping[str, Any]]]:
    """``routing/agents/instance_values`` rows grouped by agent id."""
    found: dict[str, list[Mapping[str, Any]]] = {}
    for row in instance_values:
        if row.get("agent_id") is not None:
            found.setdefault(str(row["agent_id"]), []).append(row)
    return found


def ticket_skills(values: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """A ticket's required skills from its attribute values."""
    skills: dict[str, int] = {}
    for value in values:
        name, level = _name_and_level(value.get("name"))
        if name:
            skills[name] = level or ANY_LEVEL
    return skills
