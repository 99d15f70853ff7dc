"""Agents by name: the roster the leader read, else the names the store keeps with loads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from router.model import Agent


def agent_names(agents: Iterable[Agent], table: Iterable[Mapping[str, object]]) -> dict[str, str]:
    """Display name per agent id: the roster's, else the load table's (``name`` column)."""
    names = {str(row["agent_id"]): str(row["name"]) for row in table if row.get("name")}
    names.update({agent.id: agent.name for agent in agents if agent.name})
    return names


def namer(names: Mapping[str, str]) -> Callable[[str], str]:
    """A function giving an agent's name (its id when the name is unknown)."""
    return lambda agent_id: names.get(agent_id) or f"agent {agent_id}"
